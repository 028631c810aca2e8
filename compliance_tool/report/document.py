"""The PDF compliance report: facts gathered from one evaluation, written for people who
do not read YAML, rendered by WeasyPrint into PDF/A-3b.

Rendering is deterministic: every date the renderer would take from the clock is pinned
to the evaluation, so the same commit, rules and date give the same bytes before
signing. The renderer fetches nothing: styles and charts are inline, and any other URL
(an ``<img>`` smuggled into a description would be escaped anyway) is refused.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from importlib import resources
from typing import Any

from compliance_tool import __version__
from compliance_tool.checks.coverage import ControlStatus, Coverage, coverage_rows
from compliance_tool.checks.engine import CheckResult, Result, Status
from compliance_tool.checks.facts import Facts, parse_date
from compliance_tool.report import charts
from compliance_tool.reporters.json_format import check_document, dumps
from compliance_tool.repository.kinds import Kind, Lifecycle, Severity
from compliance_tool.repository.loader import Inventory, Record

DEFAULT_DETAIL_LIMIT = 25
EXPIRY_WINDOW_DAYS = 30


@dataclass(frozen=True, slots=True)
class ReportSettings:
    """What the report needs besides the evaluation."""

    organisation: str
    title: str
    signer: str
    development_key: bool
    meaning: str
    detail_limit: int = DEFAULT_DETAIL_LIMIT


@dataclass(frozen=True, slots=True)
class RenderedReport:
    pdf: bytes
    manifest: dict[str, Any]
    findings_json: bytes


def _svg_data(svg: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def _person(facts: Facts, person_id: Any) -> dict[str, Any]:
    pid = str(person_id) if person_id is not None else ""
    record = facts.inventory.record(Kind.PERSON, pid) if pid else None
    people = facts.people.get(pid)
    affiliation = (record.data.get("affiliation") or {}) if record else {}
    return {
        "id": pid,
        "name": record.name if record else pid or "—",
        "external": bool(people and people.external),
        "organisation": str(affiliation.get("organisation", "")),
        "active": bool(people and people.active),
        "roles": sorted(people.roles) if people else [],
    }


def _lineage_layers(
    facts: Facts, model_id: str
) -> tuple[list[list[tuple[str, bool]]], list[tuple[str, str]]]:
    """Layers from sources to the model: each dataset at its longest distance from it."""
    depth: dict[str, int] = {}
    edges: list[tuple[str, str]] = []
    queue = [(d, 1) for d in facts.model_datasets(model_id)]
    for dataset in facts.model_datasets(model_id):
        edges.append((dataset, model_id))
    while queue:
        current, level = queue.pop(0)
        if depth.get(current, 0) >= level or level > 8:
            continue
        depth[current] = level
        for parent in facts.parents(current):
            edges.append((parent, current))
            queue.append((parent, level + 1))
    deepest = max(depth.values(), default=0)
    layers: list[list[tuple[str, bool]]] = [[] for _ in range(deepest)]
    for dataset, level in sorted(depth.items()):
        layers[deepest - level].append((dataset, facts.personal_data(dataset)))
    layers.append([(model_id, any(facts.personal_data(d) for d in depth))])
    return layers, sorted(set(edges))


def _finding_row(result: Result, rules: dict[str, Any]) -> dict[str, Any]:
    rule = rules.get(result.rule)
    return {
        "rule": result.rule,
        "title": rule.title if rule else result.rule,
        "severity": result.severity.label,
        "status": result.status.value,
        "kind": result.kind.value,
        "subject": result.subject,
        "where": f"{result.path}:{result.line}",
        "message": result.message,
        "details": [f"{d.field}: {d.message}" for d in result.details],
        "remediation": rule.remediation if rule else "",
        "waiver": result.waiver,
        "waiver_expires": result.waiver_expires,
    }


def _weight(results: list[Result]) -> int:
    """How much a subject's failures weigh: severity counts tenfold per level."""
    return sum(10 ** int(r.severity) for r in results if r.status is Status.FAIL)


def _needs_attention(model: Record, results: list[Result]) -> bool:
    tier = (model.data.get("risk") or {}).get("tier")
    return tier == "high" or any(r.status is not Status.PASS for r in results)


def build_context(
    inventory: Inventory,
    check: CheckResult,
    coverage: Coverage,
    settings: ReportSettings,
    manifest: dict[str, Any],
    history: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything the template shows, as plain values (the template holds no logic)."""
    facts = Facts(inventory, check.as_of)
    rules = {r.id: r for r in check.rules}
    models = inventory.records(Kind.MODEL)
    by_subject: dict[tuple[str, str], list[Result]] = {}
    for result in check.results:
        by_subject.setdefault((result.kind.value, result.subject), []).append(result)
    rows = coverage_rows(coverage)
    failing = [r for r in check.findings if r.status is Status.FAIL]
    waived = [r for r in check.findings if r.status is Status.WAIVED]

    # -- executive summary ------------------------------------------------------------
    lifecycles = [s.value for s in Lifecycle]
    tiers = ["high", "medium", "low"]
    matrix = Counter(
        (str(m.data.get("lifecycle")), str((m.data.get("risk") or {}).get("tier"))) for m in models
    )
    lifecycle_rows = [
        {
            "lifecycle": state,
            "counts": [matrix[(state, t)] for t in tiers],
            "total": sum(matrix[(state, t)] for t in tiers),
        }
        for state in lifecycles
    ]
    severity_names = [s.label for s in sorted(Severity, reverse=True)]
    fail_counts = Counter(r.severity.label for r in failing)
    waived_counts = Counter(r.severity.label for r in waived)
    severity_rows = [
        {"severity": name, "fail": fail_counts[name], "waived": waived_counts[name]}
        for name in severity_names
    ]
    chart_lifecycle = _svg_data(
        charts.stacked_bars(
            "Models by lifecycle and risk tier",
            lifecycles,
            {t: [matrix[(s, t)] for s in lifecycles] for t in tiers},
            {"high": "#1f4e79", "medium": "#2e86c1", "low": "#a9cce3"},
            size=(3.6, 2.3),
        )
    )
    chart_findings = _svg_data(
        charts.stacked_bars(
            "Findings by severity",
            severity_names,
            {
                "failing": [fail_counts[n] for n in severity_names],
                "waived": [waived_counts[n] for n in severity_names],
            },
            {"failing": "#c0392b", "waived": "#bdc3c7"},
            size=(3.6, 2.3),
        )
    )

    production = [m for m in models if m.data.get("lifecycle") == Lifecycle.PRODUCTION.value]
    metrics_rows: list[dict[str, Any]] = []
    for model in production:
        metrics = (model.data.get("operations") or {}).get("metrics") or {}
        thresholds = (model.data.get("monitoring") or {}).get("thresholds") or {}
        budget = (thresholds.get("cost_per_1k_inferences_usd") or {}).get("max")
        metrics_rows.append(
            {
                "id": model.id,
                "name": model.name,
                "failed_deployments": metrics.get("failed_deployments_90d"),
                "backlog": metrics.get("retraining_backlog_days"),
                "cost": metrics.get("cost_per_1k_inferences_usd"),
                "budget": budget,
                "over_budget": isinstance(metrics.get("cost_per_1k_inferences_usd"), int | float)
                and isinstance(budget, int | float)
                and metrics["cost_per_1k_inferences_usd"] > budget,
                "as_of": metrics.get("as_of"),
            }
        )
    totals = {
        "failed_deployments": sum(r["failed_deployments"] or 0 for r in metrics_rows),
        "backlog": sum(r["backlog"] or 0 for r in metrics_rows),
        "max_backlog": max((r["backlog"] or 0 for r in metrics_rows), default=0),
    }
    metrics_total = len(metrics_rows)
    if metrics_total > METRICS_LIMIT:  # the models whose operations need a look first
        metrics_rows = sorted(
            metrics_rows,
            key=lambda r: (
                not r["over_budget"],
                -(r["failed_deployments"] or 0),
                -(r["backlog"] or 0),
                r["id"],
            ),
        )[:METRICS_LIMIT]
    costed = [r for r in metrics_rows if isinstance(r["cost"], int | float)]
    chart_cost = (
        _svg_data(
            charts.horizontal_budget(
                "Cost per 1,000 inferences against budget (bar: measured, line: budget)",
                [r["id"] for r in costed],
                [float(r["cost"]) for r in costed],
                [
                    float(r["budget"]) if isinstance(r["budget"], int | float) else None
                    for r in costed
                ],
                "USD per 1,000 inferences",
            )
        )
        if costed
        else None
    )

    waiver_rows: list[dict[str, Any]] = []
    for waiver in inventory.records(Kind.WAIVER):
        data = waiver.data
        expires = parse_date(data.get("expires"))
        broken = [r for r in by_subject.get(("Waiver", waiver.id), []) if r.status is Status.FAIL]
        used = [r for r in waived if r.waiver == waiver.id]
        days_left = (expires - check.as_of).days if expires else None
        state = (
            "expired"
            if days_left is not None and days_left < 0
            else ("invalid" if broken else "in force")
        )
        subject = data.get("subject") or {}
        waiver_rows.append(
            {
                "id": waiver.id,
                "rule": data.get("rule"),
                "subject": f"{subject.get('kind')} {subject.get('id')}",
                "justification": data.get("justification"),
                "requested_by": _person(facts, data.get("requested_by")),
                "approved_by": _person(facts, data.get("approved_by")),
                "approved_at": data.get("approved_at"),
                "expires": data.get("expires"),
                "days_left": days_left,
                "state": state,
                "problems": [r.message for r in broken],
                "ticket": data.get("ticket"),
                "used": bool(used),
            }
        )
    expiring = [
        w
        for w in waiver_rows
        if w["state"] == "in force"
        and w["days_left"] is not None
        and w["days_left"] <= EXPIRY_WINDOW_DAYS
    ]

    # -- models -----------------------------------------------------------------------
    model_rows = []
    for model in models:
        mine = by_subject.get(("Model", model.id), [])
        model_rows.append(
            {
                "id": model.id,
                "name": model.name,
                "version": model.data.get("version"),
                "lifecycle": model.data.get("lifecycle"),
                "tier": (model.data.get("risk") or {}).get("tier"),
                "eu_class": ((model.data.get("risk") or {}).get("eu_ai_act") or {}).get(
                    "class", "—"
                ),
                "operator": _person(facts, (model.data.get("ownership") or {}).get("operator")),
                "failing": sum(r.status is Status.FAIL for r in mine),
                "waived": sum(r.status is Status.WAIVED for r in mine),
            }
        )
    detail = production
    if len(production) > settings.detail_limit:
        # the production models that most need attention: severe findings first
        ranked = sorted(
            (m for m in production if _needs_attention(m, by_subject.get(("Model", m.id), []))),
            key=lambda m: (-_weight(by_subject.get(("Model", m.id), [])), m.id),
        )
        detail = sorted(ranked[: settings.detail_limit], key=lambda m: m.id)
    incidents = inventory.records(Kind.INCIDENT)
    sections = []
    for model in detail:
        data = model.data
        ownership = data.get("ownership") or {}
        rollback = ownership.get("rollback_authority") or {}
        operations = data.get("operations") or {}
        rotation = facts.rotations.get(str(operations.get("oncall")))
        members = (
            [_person(facts, m) for m in (rotation.data.get("members") or [])] if rotation else []
        )
        escalation = [
            {
                "level": step.get("level"),
                "to": "the rotation"
                if step.get("to") == "rotation"
                else _person(facts, step.get("to"))["name"],
                "after": humanise_duration(step.get("after")),
            }
            for step in ((rotation.data.get("escalation") or []) if rotation else [])
            if isinstance(step, dict)
        ]
        datasets = [
            {
                "id": str(item.get("ref")),
                "role": item.get("role"),
                "personal": facts.personal_data(str(item.get("ref"))),
                "name": facts.datasets[str(item.get("ref"))].name
                if str(item.get("ref")) in facts.datasets
                else str(item.get("ref")),
            }
            for item in (data.get("inputs") or {}).get("datasets") or []
            if isinstance(item, dict)
        ]
        layers, edges = _lineage_layers(facts, model.id)
        thresholds = [
            {"name": THRESHOLD_NAMES.get(name, name.replace("_", " ")), "spec": _threshold(spec)}
            for name, spec in ((data.get("monitoring") or {}).get("thresholds") or {}).items()
            if isinstance(spec, dict)
        ]
        mine = [r for r in by_subject.get(("Model", model.id), []) if r.status is not Status.PASS]
        sections.append(
            {
                "id": model.id,
                "name": model.name,
                "version": data.get("version"),
                "tier": (data.get("risk") or {}).get("tier"),
                "purpose": (data.get("intended_use") or {}).get("purpose", ""),
                "eu": _pick((data.get("risk") or {}).get("eu_ai_act"), "role", "class", "basis"),
                "owner": _person(facts, ownership.get("owner")),
                "operator": _person(facts, ownership.get("operator")),
                "team": ownership.get("team"),
                "rollback_primary": _person(facts, rollback.get("primary")),
                "deputies": [_person(facts, d) for d in rollback.get("deputies") or []],
                "rotation": rotation.id if rotation else operations.get("oncall"),
                "members": members,
                "escalation": escalation,
                "oversight": _pick(operations.get("human_oversight"), "mode", "override_role"),
                "datasets": datasets,
                "lineage": _svg_data(charts.lineage_graph(layers, edges)) if datasets else None,
                "thresholds": thresholds,
                "validation": _pick(data.get("validation"), "last", "next_due", "validator"),
                "findings": [_finding_row(r, rules) for r in mine],
                "incidents": [
                    {
                        "id": i.id,
                        "title": i.data.get("title"),
                        "severity": i.data.get("severity"),
                        "detected": i.data.get("detected_at"),
                        "resolved": i.data.get("resolved_at"),
                        "actions": [
                            f"{a.get('type')} {a.get('from', '')}→{a.get('to', '')} by "
                            f"{_person(facts, a.get('by'))['name']}".replace(" → ", " ")
                            for a in i.data.get("actions") or []
                            if isinstance(a, dict)
                        ],
                    }
                    for i in incidents
                    if model.id in (i.data.get("models") or [])
                ],
            }
        )
    summarised = [m for m in production if m not in detail]

    # -- datasets ---------------------------------------------------------------------
    dataset_rows = []
    for dataset in inventory.records(Kind.DATASET):
        own = facts.has_pii(dataset.id)
        inherited = [a for a in facts.ancestors(dataset.id) if facts.has_pii(a)] if not own else []
        legal = dataset.data.get("legal") or {}
        dataset_rows.append(
            {
                "id": dataset.id,
                "name": dataset.name,
                "level": (dataset.data.get("classification") or {}).get("level"),
                "personal": "own" if own else ("inherited" if inherited else ""),
                "from": ", ".join(inherited[:3]) + ("…" if len(inherited) > 3 else ""),
                "parents": ", ".join(str(p) for p in dataset.data.get("parents") or []),
                "models": ", ".join(facts.models_of_dataset.get(dataset.id, [])),
                "dpia": legal.get("dpia", ""),
                "failing": sum(
                    r.status is Status.FAIL for r in by_subject.get(("Dataset", dataset.id), [])
                ),
            }
        )

    header = {
        "org_title": css_string(f"{settings.organisation} · {settings.title}"),
        "as_of": css_string(f"As of {check.as_of.isoformat()}"),
        "commit": css_string(f"Commit {(check.commit or 'working tree')[:12]}"),
    }
    if history is not None:
        points = history.get("points") or []
        history = {
            **history,
            "trend_chart": _svg_data(
                charts.line_chart(
                    "Share of controls passing and unwaived high/critical findings, month by month",
                    [p.end.isoformat() for p in points],
                    {"controls passing": [p.share_passing for p in points]},
                    percent=True,
                )
            )
            if len(points) >= 2
            else None,
            "trend": [
                {
                    "end": p.end.isoformat(),
                    "commit": p.commit[:12],
                    "share": f"{p.share_passing:.0%}",
                    "high": p.failing.get("high", 0) + p.failing.get("critical", 0),
                    "medium": p.failing.get("medium", 0),
                    "production": p.production_models,
                }
                for p in points
            ],
        }
    return {
        "header": header,
        "organisation": settings.organisation,
        "title": settings.title,
        "as_of": check.as_of.isoformat(),
        "commit": check.commit,
        "source": check.source_label,
        "tool_version": __version__,
        "signer": settings.signer,
        "development_key": settings.development_key,
        "meaning": settings.meaning,
        "verdict": _verdict(failing, waived, coverage),
        "verdict_class": "bad"
        if any(r.severity >= Severity.HIGH for r in failing)
        else ("warn" if failing else "good"),
        "share_passing": coverage.share_passing,
        "controls_total": len(coverage.controls),
        "controls_passing": sum(c.status.satisfied for c in coverage.controls),
        "failing_count": len(failing),
        "waived_count": len(waived),
        "rules_count": len(check.rules),
        "results_count": len(check.results),
        "models_count": len(models),
        "production_count": len(production),
        "lifecycle_rows": lifecycle_rows,
        "tiers": tiers,
        "severity_rows": severity_rows,
        "chart_lifecycle": chart_lifecycle,
        "chart_findings": chart_findings,
        "chart_cost": chart_cost,
        "metrics_rows": metrics_rows,
        "metrics_total": metrics_total,
        "metric_totals": totals,
        "expiring": expiring,
        "model_rows": _attention_rows(
            model_rows,
            LISTING_LIMIT,
            lambda m: (
                m["failing"]
                or m["waived"]
                or (m["lifecycle"] == "production" and m["tier"] == "high")
            ),
        ),
        "models_listed_all": len(model_rows) <= LISTING_LIMIT,
        "sections": sections,
        "summarised": [{"id": m.id, "name": m.name} for m in summarised],
        "dataset_rows": _attention_rows(
            dataset_rows, LISTING_LIMIT, lambda d: d["failing"] or (d["personal"] and not d["dpia"])
        ),
        "datasets_listed_all": len(dataset_rows) <= LISTING_LIMIT,
        "dataset_count": len(dataset_rows),
        "personal_count": sum(1 for d in dataset_rows if d["personal"]),
        "controls": [
            {
                **row,
                "css": _status_css(ControlStatus(row["status"])),
                "failing": _capped(row["failing"], 5),
                "waived": _capped(row["waived"], 5),
            }
            for row in rows["controls"]
        ],
        "frameworks": [
            {
                **row,
                "clauses": [
                    {
                        **clause,
                        "controls": ", ".join(clause["controls"]) or "—",
                        "css": _status_css(ControlStatus(clause["status"])),
                    }
                    for clause in row["clauses"]
                ],
            }
            for row in rows["frameworks"]
        ],
        "findings": [
            _finding_row(r, rules)
            for r in sorted(failing, key=lambda r: (-r.severity, r.rule, r.subject))
        ]
        if len(failing) <= FINDINGS_DETAIL_LIMIT
        else [],
        "findings_by_rule": _findings_by_rule(failing, rules),
        "waived": [_finding_row(r, rules) for r in waived],
        "waivers": waiver_rows,
        "manifest": manifest,
        "file_rows": _file_rows(manifest.get("files", {})),
        "file_count": len(manifest.get("files", {})),
        "file_groups": _file_groups(manifest.get("files", {})),
        "history": history,
    }


THRESHOLD_NAMES = {
    "data_drift": "Data drift",
    "performance": "Performance",
    "fairness": "Fairness",
    "latency_p99_ms": "Latency (99th percentile)",
    "availability": "Availability",
    "cost_per_1k_inferences_usd": "Cost per 1,000 inferences",
}


def humanise_duration(text: Any) -> str:
    """``PT15M`` as '15 minutes', ``P30D`` as '30 days'; other text unchanged."""
    if not isinstance(text, str) or not text:
        return ""
    import re

    units = {"Y": "year", "W": "week", "D": "day", "H": "hour", "S": "second"}
    date_part, _, time_part = text.removeprefix("P").partition("T")
    words = []
    for part, minute_or_month in ((date_part, "month"), (time_part, "minute")):
        for amount, unit in re.findall(r"(\d+)([YMWDHS])", part):
            name = minute_or_month if unit == "M" else units[unit]
            words.append(f"{amount} {name}{'' if amount == '1' else 's'}")
    return " ".join(words) or text


def _threshold(spec: dict[str, Any]) -> str:
    """One monitoring threshold in words."""
    metric = spec.get("metric")
    parts = [str(metric)] if metric else []
    if "warn" in spec:
        parts.append(f"warn at {spec['warn']}")
    if "page" in spec:
        parts.append(f"page at {spec['page']}")
    if "min" in spec:
        parts.append(f"at least {spec['min']}")
    if "max" in spec:
        parts.append(f"at most {spec['max']}")
    if "window" in spec:
        parts.append(f"over {humanise_duration(spec['window'])}")
    return ", ".join(parts)


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string that cannot end the string or the style element."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return '"' + escaped.replace("<", "\\3c ").replace(">", "\\3e ") + '"'


METRICS_LIMIT = 30
"""Operating metrics are charted and tabled for at most this many production models."""

FINDINGS_DETAIL_LIMIT = 60
"""Up to this many failing results each get a paragraph; beyond it, one row per rule."""

LISTING_LIMIT = 150
"""Longer listings keep only the rows that need attention (the full data is attached)."""


def _capped(items: list[str], limit: int) -> list[str]:
    return items if len(items) <= limit else [*items[:limit], f"and {len(items) - limit} more"]


def _findings_by_rule(failing: list[Result], rules: dict[str, Any]) -> list[dict[str, Any]]:
    """One row per failing rule: severity, how many subjects, which (the first 30), the fix."""
    grouped: dict[str, list[Result]] = {}
    for result in failing:
        grouped.setdefault(result.rule, []).append(result)
    rows = []
    for rule_id, results in grouped.items():
        rule = rules.get(rule_id)
        subjects = sorted(f"{r.subject}" for r in results)
        rows.append(
            {
                "rule": rule_id,
                "title": rule.title if rule else rule_id,
                "severity": results[0].severity.label,
                "rank": int(results[0].severity),
                "count": len(results),
                "kind": results[0].kind.value,
                "subjects": ", ".join(_capped(subjects, 30)),
                "remediation": rule.remediation if rule else "",
            }
        )
    return sorted(rows, key=lambda r: (-r["rank"], -r["count"], r["rule"]))


def _attention_rows(rows: list[dict[str, Any]], limit: int, attention: Any) -> list[dict[str, Any]]:
    """All rows while they fit; else those needing attention, the most failing first, at
    most ``limit`` of them, in their original order."""
    if len(rows) <= limit:
        return rows
    chosen = [row for row in rows if attention(row)]
    if len(chosen) > limit:
        keep = {id(r) for r in sorted(chosen, key=lambda r: -int(r.get("failing") or 0))[:limit]}
        chosen = [row for row in chosen if id(row) in keep]
    return chosen


def _file_rows(files: dict[str, str]) -> list[tuple[str, str]]:
    """Every input file while the list is short; beyond that, the policy files only."""
    rows = sorted(files.items())
    if len(rows) <= 4 * LISTING_LIMIT:
        return rows
    return [(path, blob) for path, blob in rows if path.startswith("policies/")]


def _file_groups(files: dict[str, str]) -> list[dict[str, Any]]:
    """Per folder: the number of files and a digest over their paths and blob ids."""
    groups: dict[str, list[str]] = {}
    for path, blob in sorted(files.items()):
        groups.setdefault(path.rsplit("/", 1)[0], []).append(f"{path} {blob}\n")
    return [
        {
            "folder": folder,
            "count": len(lines),
            "digest": hashlib.sha256("".join(lines).encode()).hexdigest(),
        }
        for folder, lines in sorted(groups.items())
    ]


def _pick(mapping: Any, *keys: str) -> dict[str, Any]:
    """The given keys of a mapping, None where absent, so templates can test them."""
    source = mapping if isinstance(mapping, dict) else {}
    return {key: source.get(key) for key in keys}


def _status_css(status: ControlStatus) -> str:
    return {
        ControlStatus.PASS: "good",
        ControlStatus.MANUAL: "good",
        ControlStatus.WAIVED: "warn",
        ControlStatus.FAIL: "bad",
        ControlStatus.NO_EVIDENCE: "bad",
        ControlStatus.NOT_COVERED: "none",
    }[status]


def _verdict(failing: list[Result], waived: list[Result], coverage: Coverage) -> str:
    if not failing:
        base = "No unwaived findings"
    else:
        worst = max(r.severity for r in failing)
        high = sum(r.severity >= Severity.HIGH for r in failing)
        base = f"{len(failing)} unwaived finding{'s' if len(failing) != 1 else ''}"
        if high:
            base += f", {high} of high severity or worse"
        elif worst:
            base += f", at most {worst.label} severity"
    extra = f"; {len(waived)} waived" if waived else ""
    return f"{base}{extra}; {coverage.share_passing:.0%} of controls pass."


# -- rendering --------------------------------------------------------------------------


def render_html(context: dict[str, Any]) -> str:
    """The report as HTML, from the package's Jinja2 template (autoescaped)."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("compliance_tool.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    css = resources.files("compliance_tool.report").joinpath("assets/report.css").read_text("utf-8")
    return environment.get_template("report.html.j2").render(css=css, **context)


def data_only_fetcher() -> Any:
    """A URL fetcher for ``data:`` URLs only: nothing from the network or the file system."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=False, timeout=1)


@contextmanager
def _pinned_clock(moment: dt.datetime) -> Iterator[None]:
    """Font subsetting stamps fonts with the current time unless SOURCE_DATE_EPOCH is set."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def render_pdf(
    html: str, attachments: dict[str, bytes], moment: dt.datetime, identifier: str
) -> bytes:
    """HTML to PDF/A-3b with attachments; every clock-derived value pinned to ``moment``."""
    import logging

    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    with _pinned_clock(moment):
        document = weasyprint.HTML(
            string=html, url_fetcher=data_only_fetcher(), base_url="about:blank"
        )
        files = [
            weasyprint.Attachment(
                string=data.decode("utf-8"),
                name=name,
                created=moment,
                modified=moment,
                relationship="Data",
                description=f"{name} of this report",
            )
            for name, data in sorted(attachments.items())
        ]
        return bytes(
            document.write_pdf(
                pdf_variant="pdf/a-3b",
                attachments=files,
                pdf_identifier=hashlib.sha256(identifier.encode()).hexdigest()[:32].encode(),
            )
        )


def findings_bytes(check: CheckResult) -> bytes:
    return dumps(check_document(check)).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
