"""Model cards: one Markdown card per model (``<id>.md``) with Hugging Face model card
metadata as YAML front matter, made from the model's record and the latest evaluation.

A card is what a Hugging Face hub repository shows as its README.md, or what a model
registry takes as a model's description. The front matter holds the keys the hub
understands and can be filled honestly (``tags``, ``datasets``; ``license`` only when the
record names one, which today's records do not; no ``model-index``, since the records
hold thresholds, not measured results) and one custom key, ``governance``, with the
record's accountable people, risk, lifecycle and validation status. The body says the
same in words: owner, operator, intended and out-of-scope use, the datasets with their
personal data marked (held directly, or derived from a dataset that holds it), the
monitoring thresholds, the validation status and the model's open findings.

The findings depend on the evaluation date. A card committed to the repository and
checked by ``export model-cards --check`` must not change by itself overnight, so the date
is ``--as-of`` when given, else ``export.model-cards.as_of`` of compliance-tool.yaml when
set (the committed cards change only when that date, or a record, does), else today.

Everything taken from a record is data: it is escaped for Markdown in the body and
written into the front matter by a YAML dumper.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import yaml

from compliance_tool.checks.engine import Result, Status
from compliance_tool.checks.facts import Facts, parse_date
from compliance_tool.checks.pipeline import evaluate
from compliance_tool.checks.thresholds import METRIC_LABELS, bound_of
from compliance_tool.errors import InventoryError
from compliance_tool.exports.base import Exported, ExportRequest
from compliance_tool.reporters.markdown import code, escape
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Inventory, Record

NAME = "model-cards"

THRESHOLD_LABELS = {
    **METRIC_LABELS,
    "performance": "performance",
    "fairness": "fairness",
}
"""Each threshold of ``monitoring.thresholds`` in words (others: the name, spaced)."""


def model_cards(request: ExportRequest) -> Exported:
    """One card per model, named ``<id>.md``."""
    as_of, notes = _evaluation_date(request)
    results = evaluate(request.inventory, as_of).check.results
    facts = Facts(request.inventory, as_of)
    by_model: dict[str, list[Result]] = {}
    for result in results:
        if result.kind is Kind.MODEL and result.status in (Status.FAIL, Status.WAIVED):
            by_model.setdefault(result.subject, []).append(result)
    files = {
        f"{model.id}.md": card(model, facts, by_model.get(model.id, []), as_of).encode("utf-8")
        for model in request.inventory.records(Kind.MODEL)
    }
    return Exported(files, notes)


def _evaluation_date(request: ExportRequest) -> tuple[dt.date, tuple[str, ...]]:
    """The date the cards' evaluation is taken at: ``--as-of``, else the configured date
    (with a note saying so), else today."""
    pinned = request.settings(NAME).get("as_of")
    if pinned is None or request.as_of_given:
        return request.as_of, ()
    day = parse_date(pinned)
    if day is None:
        raise InventoryError(
            f"export.{NAME}.as_of in compliance-tool.yaml is not a date: {pinned!r}",
            hint="write it as YYYY-MM-DD, or remove it to evaluate on --as-of",
        )
    if day == request.as_of:
        return day, ()
    return day, (
        f"the model cards are evaluated on {day} (export.{NAME}.as_of; --as-of overrides it)",
    )


def card(model: Record, facts: Facts, findings: list[Result], as_of: dt.date) -> str:
    """The Markdown card of ``model``: front matter, then the body."""
    metadata = front_matter(model, facts, findings, as_of)
    dumped = yaml.safe_dump(metadata, sort_keys=False, allow_unicode=True, width=88)
    body = "\n\n".join(section for section in _sections(model, facts, findings, as_of) if section)
    return f"---\n{dumped}---\n\n{body}\n"


def front_matter(
    model: Record, facts: Facts, findings: list[Result], as_of: dt.date
) -> dict[str, Any]:
    """The card's metadata: Hugging Face keys, then ``governance``."""
    lifecycle = _text(model.get("lifecycle"))
    tier = _text(model.get("risk.tier"))
    ai_act = _text(model.get("risk.eu_ai_act.class"))
    tags = ["compliance-tool", f"lifecycle-{lifecycle}", f"risk-tier-{tier}"]
    tags += [f"eu-ai-act-{ai_act}"] if ai_act else []
    metadata: dict[str, Any] = {}
    license_id = model.get("license")
    if isinstance(license_id, str) and license_id:
        metadata["license"] = license_id
    metadata["tags"] = tags
    datasets = facts.model_datasets(model.id)
    if datasets:
        metadata["datasets"] = datasets
    open_findings = [r for r in findings if r.status is Status.FAIL]
    metadata["governance"] = {
        "id": model.id,
        "version": _text(model.get("version")),
        "owner": _text(model.get("ownership.owner")),
        "operator": _text(model.get("ownership.operator")),
        "team": _text(model.get("ownership.team")),
        "risk_tier": tier,
        "eu_ai_act_class": ai_act or None,
        "lifecycle": lifecycle,
        "validation_status": validation_status(model, as_of)[0],
        "personal_data": any(facts.personal_data(d) for d in datasets),
        "evaluated_on": as_of.isoformat(),
        "open_findings": len(open_findings),
        "waived_findings": len(findings) - len(open_findings),
        "record": model.path,
    }
    return metadata


def validation_status(model: Record, as_of: dt.date) -> tuple[str, str]:
    """``current``, ``overdue`` or ``not-validated``, and the same in a sentence."""
    last = parse_date(model.get("validation.last"))
    due = parse_date(model.get("validation.next_due"))
    validator = _text(model.get("validation.validator"))
    if last is None:
        return "not-validated", "Not validated yet."
    by = f" by {escape(validator)}" if validator else ""
    if due is not None and due < as_of:
        return "overdue", f"Overdue since {due} (last validated on {last}{by})."
    due_text = f", next due on {due}" if due is not None else ""
    return "current", f"Current: last validated on {last}{by}{due_text}."


def _sections(model: Record, facts: Facts, findings: list[Result], as_of: dt.date) -> list[str]:
    inventory = facts.inventory
    title = f"# {escape(model.name)}"
    generated = (
        f"Generated by compliance-tool from {code(model.path)}, evaluated on {as_of}. "
        "Edit the record, not this card, and run `compliance-tool export model-cards`."
    )
    description = escape(_text(model.get("description")))
    return [
        title,
        generated,
        description,
        _governance(model, inventory, as_of),
        _intended_use(model),
        _data(model, facts),
        _thresholds(model),
        _findings(findings, as_of),
    ]


def _governance(model: Record, inventory: Inventory, as_of: dt.date) -> str:
    ai_act = model.get("risk.eu_ai_act") or {}
    ai_act_text = escape(_text(ai_act.get("class"))) if isinstance(ai_act, dict) else ""
    if isinstance(ai_act, dict) and ai_act.get("role"):
        ai_act_text += f", as {escape(_text(ai_act.get('role')))}"
    if isinstance(ai_act, dict) and ai_act.get("basis"):
        ai_act_text += f" ({escape(_text(ai_act.get('basis')))})"
    rows = [
        ("Version", escape(_text(model.get("version")))),
        ("Lifecycle", escape(_text(model.get("lifecycle")))),
        ("Owner", _named(inventory, Kind.PERSON, model.get("ownership.owner"))),
        ("Operator", _named(inventory, Kind.PERSON, model.get("ownership.operator"))),
        ("Team", _named(inventory, Kind.TEAM, model.get("ownership.team"))),
        ("Risk tier", escape(_text(model.get("risk.tier")))),
        ("EU AI Act", ai_act_text or "not classified"),
        ("Validation", validation_status(model, as_of)[1]),
    ]
    lines = ["## Governance", "", "| | |", "|---|---|"]
    lines += [f"| {name} | {value} |" for name, value in rows]
    return "\n".join(lines)


def _intended_use(model: Record) -> str:
    lines = ["## Intended use", ""]
    purpose = _text(model.get("intended_use.purpose"))
    lines.append(escape(purpose) if purpose else "No purpose recorded.")
    users = _texts(model.get("intended_use.users"))
    if users:
        lines += ["", "Used by:", ""] + [f"- {escape(user)}" for user in users]
    lines += ["", "### Out-of-scope use", ""]
    out_of_scope = _texts(model.get("intended_use.out_of_scope"))
    lines += [f"- {escape(use)}" for use in out_of_scope] or ["None recorded."]
    return "\n".join(lines)


def _data(model: Record, facts: Facts) -> str:
    lines = ["## Data", ""]
    refs = model.get("inputs.datasets") or []
    rows = [(str(r.get("ref")), _text(r.get("role"))) for r in refs if isinstance(r, dict)]
    if rows:
        lines += ["| Dataset | Role | Personal data |", "|---|---|---|"]
        for ref, role in rows:
            dataset = facts.datasets.get(ref)
            name = f"{escape(dataset.name)} ({code(ref)})" if dataset else code(ref)
            lines.append(f"| {name} | {escape(role)} | {_personal_data(facts, ref)} |")
    else:
        lines.append("No datasets recorded.")
    upstream = facts.upstream_models(model.id)
    if upstream:
        lines += ["", "Upstream models: " + ", ".join(code(m) for m in upstream) + "."]
    return "\n".join(lines)


def _personal_data(facts: Facts, dataset_id: str) -> str:
    if facts.has_pii(dataset_id):
        record = facts.datasets[dataset_id]
        fields = _texts(record.get("classification.pii_fields"))
        return "**yes**" + (f": {escape(', '.join(fields))}" if fields else "")
    holding = [a for a in facts.ancestors(dataset_id) if facts.has_pii(a)]
    if holding:
        return "**yes**, derived from " + ", ".join(code(a) for a in holding)
    return "no"


def _thresholds(model: Record) -> str:
    thresholds = model.get("monitoring.thresholds")
    lines = ["## Monitoring thresholds", ""]
    if not isinstance(thresholds, dict) or not thresholds:
        return "\n".join([*lines, "None recorded."])
    for name in thresholds:
        limit = thresholds[name]
        bound = bound_of(thresholds, name)
        if bound is None or not isinstance(limit, dict):
            continue
        label = THRESHOLD_LABELS.get(name, name.replace("_", " "))
        metric = f" ({code(limit['metric'])})" if isinstance(limit.get("metric"), str) else ""
        window = f", over {escape(str(limit['window']))}" if limit.get("window") else ""
        lines.append(f"- {escape(label)}{metric}: {escape(bound.text)}{window}")
    return "\n".join(lines)


def _findings(findings: list[Result], as_of: dt.date) -> str:
    lines = ["## Findings", ""]
    if not findings:
        return "\n".join([*lines, f"None on {as_of}."])
    waived = sum(1 for r in findings if r.status is Status.WAIVED)
    lines += [f"On {as_of}: {len(findings) - waived} open, {waived} waived.", ""]
    lines += ["| Rule | Severity | Message | Status |", "|---|---|---|---|"]
    for result in sorted(findings, key=lambda r: (-r.severity, r.rule, r.line)):
        status = "open"
        if result.status is Status.WAIVED:
            until = f" until {result.waiver_expires}" if result.waiver_expires else ""
            status = f"waived by {escape(result.waiver or '')}{until}"
        lines.append(
            f"| {code(result.rule)} | {result.severity.label} | {escape(result.message)} | {status} |"
        )
    return "\n".join(lines)


def _named(inventory: Inventory, kind: Kind, record_id: Any) -> str:
    """A person or team by name, with its id."""
    if not record_id:
        return "not named"
    record = inventory.record(kind, str(record_id))
    shown = code(str(record_id))
    return f"{escape(record.name)} ({shown})" if record else shown


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _texts(value: Any) -> list[str]:
    return [str(v) for v in value] if isinstance(value, list) else []
