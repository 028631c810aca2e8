"""A production model's own section: who is accountable, who is on call and how it
escalates, its data and lineage, monitoring thresholds, findings and incidents."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from compliance_tool.checks.engine import Status
from compliance_tool.checks.facts import Facts
from compliance_tool.report import charts
from compliance_tool.report.sections.common import (
    Evaluated,
    FindingRow,
    Person,
    Shown,
    finding_row,
    person,
    svg_data,
)
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Record

THRESHOLD_NAMES = {
    "data_drift": "Data drift",
    "performance": "Performance",
    "fairness": "Fairness",
    "latency_p99_ms": "Latency (99th percentile)",
    "availability": "Availability",
    "cost_per_1k_inferences_usd": "Cost per 1,000 inferences",
}


@dataclass(frozen=True, slots=True)
class EscalationStep:
    level: Shown
    to: Person | None
    """The person escalated to; None for the rotation itself."""
    after: str


@dataclass(frozen=True, slots=True)
class DatasetUse:
    id: str
    name: str
    role: Shown
    personal: bool


@dataclass(frozen=True, slots=True)
class Threshold:
    name: str
    spec: str


@dataclass(frozen=True, slots=True)
class IncidentAction:
    what: str
    """The action and the versions it went between (``rollback 4.2.0→4.1.3``)."""
    by: Person


@dataclass(frozen=True, slots=True)
class IncidentRow:
    id: str
    title: Shown
    severity: Shown
    detected: Shown
    resolved: Shown
    actions: tuple[IncidentAction, ...]


@dataclass(frozen=True, slots=True)
class EuAiAct:
    role: Shown
    risk_class: Shown
    basis: Shown


@dataclass(frozen=True, slots=True)
class Oversight:
    mode: Shown
    override_role: Shown


@dataclass(frozen=True, slots=True)
class Validation:
    last: Shown
    next_due: Shown


@dataclass(frozen=True, slots=True)
class ModelSection:
    id: str
    name: str
    version: Shown
    tier: Shown
    purpose: Shown
    eu: EuAiAct
    owner: Person
    operator: Person
    team: Shown
    rollback_primary: Person
    deputies: tuple[Person, ...]
    rotation: Shown
    """The on-call rotation's id (as named, when no such rotation exists)."""
    members: tuple[Person, ...]
    escalation: tuple[EscalationStep, ...]
    oversight: Oversight
    datasets: tuple[DatasetUse, ...]
    lineage: str | None
    """The lineage graph as a data URL; None for a model without datasets."""
    thresholds: tuple[Threshold, ...]
    validation: Validation
    findings: tuple[FindingRow, ...]
    incidents: tuple[IncidentRow, ...]


def _mapping(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def build_model_section(evaluated: Evaluated, model: Record) -> ModelSection:
    facts, data = evaluated.facts, model.data
    ownership = data.get("ownership") or {}
    rollback = ownership.get("rollback_authority") or {}
    operations = data.get("operations") or {}
    risk = data.get("risk") or {}
    eu = _mapping(risk.get("eu_ai_act"))
    oversight = _mapping(operations.get("human_oversight"))
    validation = _mapping(data.get("validation"))
    rotation = facts.rotations.get(str(operations.get("oncall")))
    datasets = _datasets(facts, data)
    results = evaluated.results_of(Kind.MODEL, model.id)
    return ModelSection(
        id=model.id,
        name=model.name,
        version=data.get("version"),
        tier=risk.get("tier"),
        purpose=(data.get("intended_use") or {}).get("purpose", ""),
        eu=EuAiAct(eu.get("role"), eu.get("class"), eu.get("basis")),
        owner=person(facts, ownership.get("owner")),
        operator=person(facts, ownership.get("operator")),
        team=ownership.get("team"),
        rollback_primary=person(facts, rollback.get("primary")),
        deputies=tuple(person(facts, d) for d in rollback.get("deputies") or []),
        rotation=rotation.id if rotation else operations.get("oncall"),
        members=tuple(person(facts, m) for m in (rotation.data.get("members") or []))
        if rotation
        else (),
        escalation=_escalation(facts, rotation),
        oversight=Oversight(oversight.get("mode"), oversight.get("override_role")),
        datasets=datasets,
        lineage=svg_data(charts.lineage_graph(*lineage_layers(facts, model.id)))
        if datasets
        else None,
        thresholds=_thresholds(data),
        validation=Validation(validation.get("last"), validation.get("next_due")),
        findings=tuple(
            finding_row(r, evaluated.rules) for r in results if r.status is not Status.PASS
        ),
        incidents=_incidents(evaluated, model.id),
    )


def _escalation(facts: Facts, rotation: Record | None) -> tuple[EscalationStep, ...]:
    steps = (rotation.data.get("escalation") or []) if rotation else []
    return tuple(
        EscalationStep(
            level=step.get("level"),
            to=None if step.get("to") == "rotation" else person(facts, step.get("to")),
            after=humanise_duration(step.get("after")),
        )
        for step in steps
        if isinstance(step, dict)
    )


def _datasets(facts: Facts, data: dict[str, Any]) -> tuple[DatasetUse, ...]:
    uses = []
    for item in (data.get("inputs") or {}).get("datasets") or []:
        if not isinstance(item, dict):
            continue
        ref = str(item.get("ref"))
        uses.append(
            DatasetUse(
                id=ref,
                name=facts.datasets[ref].name if ref in facts.datasets else ref,
                role=item.get("role"),
                personal=facts.personal_data(ref),
            )
        )
    return tuple(uses)


def _thresholds(data: dict[str, Any]) -> tuple[Threshold, ...]:
    thresholds = (data.get("monitoring") or {}).get("thresholds") or {}
    return tuple(
        Threshold(THRESHOLD_NAMES.get(name, name.replace("_", " ")), _threshold(spec))
        for name, spec in thresholds.items()
        if isinstance(spec, dict)
    )


def _incidents(evaluated: Evaluated, model_id: str) -> tuple[IncidentRow, ...]:
    facts = evaluated.facts
    return tuple(
        IncidentRow(
            id=i.id,
            title=i.data.get("title"),
            severity=i.data.get("severity"),
            detected=i.data.get("detected_at"),
            resolved=i.data.get("resolved_at"),
            actions=tuple(
                IncidentAction(
                    f"{a.get('type')} {a.get('from', '')}→{a.get('to', '')}".removesuffix(" →"),
                    person(facts, a.get("by")),
                )
                for a in i.data.get("actions") or []
                if isinstance(a, dict)
            ),
        )
        for i in evaluated.inventory.records(Kind.INCIDENT)
        if model_id in (i.data.get("models") or [])
    )


def lineage_layers(
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


def humanise_duration(text: Shown) -> str:
    """``PT15M`` as '15 minutes', ``P30D`` as '30 days'; other text unchanged."""
    if not isinstance(text, str) or not text:
        return ""
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
