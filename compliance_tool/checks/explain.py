"""``rules explain``: one rule in words, with its schemas, custom rules and examples."""

from __future__ import annotations

import io
import re

from ruamel.yaml import YAML

from compliance_tool.checks.custom_rules import CUSTOM_RULES, describe
from compliance_tool.checks.examples import CONTEXT, EXAMPLES_AS_OF
from compliance_tool.checks.frameworks import rule_date
from compliance_tool.errors import PolicyError
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Inventory, Record


def _yaml(value: object) -> str:
    out = io.StringIO()
    dumper = YAML(typ="safe", pure=True)
    dumper.default_flow_style = False
    dumper.dump(value, out)
    return out.getvalue()


def _indent(text: str, by: str = "    ") -> str:
    return "".join(f"{by}{line}\n" if line.strip() else "\n" for line in text.splitlines())


def _flow(value: object) -> str:
    """A value in YAML flow style, as it would be written in a rule file."""
    out = io.StringIO()
    dumper = YAML(typ="safe", pure=True)
    dumper.default_flow_style = True
    dumper.width = 4096
    dumper.dump(value, out)
    return out.getvalue().strip()


def _in_force(inventory: Inventory, record: Record) -> list[str]:
    """From when the rule is enforced, when it has an ``applies_from`` of its own or from
    its controls, and what that means (nothing for a rule enforced on every date).

    ``applies_from`` is written in a rule or control file as a date (``2027-01-15``: an
    organisation's own rule, warned about first and enforced from the date) or as a date
    of a framework file (``{framework: eu-ai-act-2024-1689, date: annex-iii-high-risk}``,
    so that a legal date is written once). A rule's own date wins; without one, the rule
    takes the earliest date of its controls when every control has one. Before the date a
    failure is reported as upcoming and does not fail the run; ``check --as-of`` on or
    after it reports an ordinary failure. A date only proposed never makes it mandatory.
    """
    date = rule_date(inventory, record)
    if date.problem:
        return [f"  in force:   unknown: applies_from in {date.origin}: {date.problem}"]
    source = date.applies_from
    if source is None:
        return []
    meaning = (
        "a failure stays upcoming until the date is law"
        if source.legal_status == "proposal"
        else "before it a failure is upcoming and does not fail the run"
    )
    return [
        f"  in force:   {source.describe()}",
        f"              applies_from of {date.origin}; {meaning}",
    ]


def explain_rule(inventory: Inventory, rule_id: str) -> str:
    record = inventory.record(Kind.RULE, rule_id)
    if record is None:
        import difflib

        close = difflib.get_close_matches(rule_id, list(inventory.ids[Kind.RULE]), n=3)
        raise PolicyError(
            f"no rule '{rule_id}'",
            hint=f"did you mean {' or '.join(close)}?"
            if close
            else "see 'compliance-tool rules list'",
        )
    data = record.data
    out = [f"{record.id}: {data.get('title', '')}", ""]
    out.append(f"  severity:   {data.get('severity')}")
    out.append(f"  applies to: {data.get('applies_to')} records")
    for control_id in data.get("controls") or []:
        control = inventory.record(Kind.CONTROL, str(control_id))
        title = control.name if control else "(unknown control)"
        mappings = (
            ", ".join(
                f"{m.get('framework')} {m.get('clause')}"
                for m in (control.data.get("mappings") or [])
                if isinstance(m, dict)
            )
            if control
            else ""
        )
        out.append(f"  control:    {control_id} {title}")
        if mappings:
            out.append(f"              maps to {mappings}")
    out += _in_force(inventory, record)
    out.append(f"  defined in: {record.path}")
    out += ["", "Why", _indent(str(data.get("rationale", "")).strip()).rstrip("\n"), ""]
    if data.get("when"):
        out += [
            "Selects records matching (Cerberus schema)",
            _indent(_yaml(data["when"])).rstrip("\n"),
            "",
        ]
    out += ["Requires (Cerberus schema)", _indent(_yaml(data.get("require"))).rstrip("\n"), ""]
    text = _yaml({"when": data.get("when"), "require": data.get("require")})
    used = sorted(n for n in CUSTOM_RULES if re.search(rf"\b{n}\b", text))
    if used:
        out.append("Custom rules used")
        for name in used:
            out.append(f"    {name}: " + " ".join(describe(name).split("\n\n")[0].split()))
        out.append("")
    out += ["Fix", _indent(str(data.get("remediation", ""))).rstrip("\n"), ""]
    examples = data.get("examples") or {}
    if examples:
        context = "; ".join(
            f"{kind.value.lower()}s {', '.join(r['id'] for r in records)}"
            for kind, records in CONTEXT.items()
        )
        out.append(f"Examples (evaluated on {EXAMPLES_AS_OF} with {context})")
        for label in ("pass", "fail"):
            for example in examples.get(label) or []:
                out.append(f"    {label}: {_flow(example)}")
        out.append("")
    return "\n".join(out) + "\n"
