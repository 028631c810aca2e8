"""Declared and observed: what the records say of each production model next to what the
committed snapshots (a registry, workload manifests, metrics) showed, the models that
serve but no record declares, and the snapshots that are too old to rely on.

It reads the reconciliation of the evaluation's facts (computed once per run), the same
that the ``REC-`` rules of ``check`` report.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from compliance_tool.checks.engine import Result
from compliance_tool.checks.facts import parse_datetime
from compliance_tool.checks.reconcile import (
    RULE_OF_KIND,
    Disagreement,
    FindingKind,
    ObservedMetric,
    Reconciliation,
    Serving,
    Snapshot,
)
from compliance_tool.checks.thresholds import METRIC_LABELS, figure
from compliance_tool.report.sections.common import Evaluated
from compliance_tool.report.sections.model_detail import humanise_duration
from compliance_tool.repository.kinds import Kind, Lifecycle
from compliance_tool.repository.loader import Record

REGISTRY = "registry"
"""The place reconcile gives a version that a registry alias or stage serves."""

SYSTEM_LABELS: dict[str, str] = {
    "mlflow": "MLflow registry",
    "kubernetes": "Kubernetes manifests",
    "openmetrics": "metrics exposition",
}

PLAIN: dict[FindingKind, str] = {
    FindingKind.UNDECLARED_MODEL: "Serves, but no record declares it",
    FindingKind.UNAPPROVED_VERSION_SERVING: "Serves a version that has no deploy approval",
    FindingKind.VERSION_MISMATCH: "Serves an approved version other than the declared one",
    FindingKind.RETIRED_BUT_SERVING: "Retired or deprecated, but still serving",
    FindingKind.SERVING_BEFORE_PRODUCTION: "Serves in production before its record does",
    FindingKind.DECLARED_NOT_OBSERVED: "Declared, but not observed",
    FindingKind.METRIC_BREACH: "An observed metric is beyond its threshold",
    FindingKind.DECLARED_METRIC_DIFFERS: "The hand-written figure differs from the observed one",
    FindingKind.STALE_OBSERVATION: "The snapshot is too old to rely on",
}
"""Each kind of disagreement as a risk officer reads it."""


@dataclass(frozen=True, slots=True)
class SourceRow:
    """One committed snapshot."""

    id: str
    system: str
    """In words, e.g. MLflow registry."""
    address: str
    observed_at: str
    """E.g. 2026-11-25 06:00 UTC."""
    entries: int
    max_age: str
    stale: bool
    age_days: int | None


@dataclass(frozen=True, slots=True)
class ServingCell:
    """What serves a model in one place: the registry or one environment."""

    versions: str
    """The observed versions, e.g. 4.3.0; '—' when nothing observed serves it there."""
    state: str
    """same, differs (approved, not the declared version), unapproved or none."""


@dataclass(frozen=True, slots=True)
class ObservedFinding:
    """A disagreement of a model, in plain words, with the rule that checks it."""

    what: str
    message: str
    rule: str
    severity: str
    status: str
    """fail or waived as ``check`` judged it; '' where no rule checks the kind."""


@dataclass(frozen=True, slots=True)
class ObservedModel:
    id: str
    name: str
    lifecycle: str
    production: bool
    declared: str
    """The record's version."""
    approved: str
    """The versions with a deploy approval, e.g. 4.2.1; 'none'."""
    cells: tuple[ServingCell, ...]
    """One per place of :attr:`ObservedSection.places`, in that order."""
    findings: tuple[ObservedFinding, ...]


@dataclass(frozen=True, slots=True)
class MetricRow:
    """One observed metric against its threshold and the hand-written figure."""

    model: str
    environment: str
    name: str
    value: str
    threshold: str
    breach: bool
    declared: str
    """The figure in the record's operations.metrics; '—' where it has none."""
    differs: bool
    """The hand-written figure is beyond the tolerance of the observed one."""


@dataclass(frozen=True, slots=True)
class MetricLine:
    """The observed metrics of one model in one environment, one cell per metric column
    of :attr:`ObservedSection.metric_names` (None where nothing was observed)."""

    model: str
    environment: str
    cells: tuple[MetricRow | None, ...]


@dataclass(frozen=True, slots=True)
class UndeclaredRow:
    name: str
    source: str
    message: str
    status: str


@dataclass(frozen=True, slots=True)
class ObservedSection:
    as_of: str
    sources: tuple[SourceRow, ...]
    places: tuple[str, ...]
    """The columns of observed serving versions: ``registry``, then each environment."""
    models: tuple[ObservedModel, ...]
    metrics: tuple[MetricRow, ...]
    undeclared: tuple[UndeclaredRow, ...]
    stale: tuple[str, ...]
    """The ids of the stale snapshots."""
    disagreements: int
    """Every disagreement reconcile found."""
    metric_names: tuple[str, ...] = ()
    """The columns of :attr:`metric_lines`: the labels of the observed metrics."""
    metric_lines: tuple[MetricLine, ...] = ()


def metric_table(rows: Iterable[MetricRow]) -> tuple[tuple[str, ...], tuple[MetricLine, ...]]:
    """The metrics as one line per model and environment, one column per metric, in the
    order of METRIC_LABELS."""
    rows = list(rows)
    order = list(METRIC_LABELS.values())
    names = tuple(
        sorted(
            {r.name for r in rows},
            key=lambda n: (n not in order, order.index(n) if n in order else 0, n),
        )
    )
    lines: dict[tuple[str, str], dict[str, MetricRow]] = {}
    for row in rows:
        lines.setdefault((row.model, row.environment), {})[row.name] = row
    return names, tuple(
        MetricLine(model, environment, tuple(cells.get(n) for n in names))
        for (model, environment), cells in sorted(lines.items())
    )


def observed_at(value: str) -> str:
    """``2026-11-25T06:00:00Z`` as ``2026-11-25 06:00 UTC`` (as written when unreadable)."""
    moment = parse_datetime(value)
    return f"{moment:%Y-%m-%d %H:%M} UTC" if moment is not None else value


def sources_line(snapshots: Iterable[Snapshot]) -> str:
    """From which sources and as of when, e.g. ``mlflow (MLflow registry, 2026-11-25
    06:00 UTC)``; ``no observations`` without a snapshot."""
    shown = [
        f"{s.id} ({SYSTEM_LABELS.get(s.system, s.system)}, {observed_at(s.observed_at)}"
        + (", stale)" if s.stale else ")")
        for s in snapshots
    ]
    return "; ".join(shown) or "no observations"


def _figure(value: float | None) -> str:
    return "—" if value is None else figure(value)


def _approved(record: Record) -> set[str]:
    return {
        str(a.get("version"))
        for a in record.data.get("approvals") or ()
        if isinstance(a, dict) and a.get("stage") == "deploy"
    }


def _status(results: tuple[Result, ...], kind: FindingKind) -> str:
    rule = RULE_OF_KIND[kind]
    found = [r.status.value for r in results if r.rule == rule and r.status.value != "pass"]
    return "fail" if "fail" in found else (found[0] if found else "")


def _finding(
    evaluated: Evaluated, finding: Disagreement, results: tuple[Result, ...]
) -> ObservedFinding:
    rule = evaluated.rules.get(RULE_OF_KIND[finding.kind])
    return ObservedFinding(
        what=PLAIN[finding.kind],
        message=finding.message,
        rule=RULE_OF_KIND[finding.kind],
        severity=rule.severity.label if rule else "",
        status=_status(results, finding.kind),
    )


def _cell(record: Record, serving: list[Serving]) -> ServingCell:
    if not serving:
        return ServingCell("—", "none")
    versions = sorted({s.version or "?" for s in serving})
    approved, declared = _approved(record), str(record.data.get("version"))
    if any(v not in approved for v in versions if v != "?"):
        state = "unapproved"
    elif any(v != declared for v in versions):
        state = "differs"
    else:
        state = "same"
    return ServingCell(", ".join(versions), state)


def _model(
    evaluated: Evaluated, record: Record, rec: Reconciliation, places: tuple[str, ...]
) -> ObservedModel:
    results = evaluated.results_of(Kind.MODEL, record.id)
    mine = [s for s in rec.serving if s.model == record.id]
    return ObservedModel(
        id=record.id,
        name=record.name,
        lifecycle=str(record.data.get("lifecycle", "")),
        production=record.data.get("lifecycle") == Lifecycle.PRODUCTION.value,
        declared=str(record.data.get("version", "—")),
        approved=", ".join(sorted(_approved(record))) or "none",
        cells=tuple(_cell(record, [s for s in mine if s.environment == p]) for p in places),
        findings=tuple(
            _finding(evaluated, f, results)
            for f in rec.findings
            if f.subject_kind is Kind.MODEL and f.subject == record.id
        ),
    )


def _short(threshold: str) -> str:
    """A threshold as a table cell has room for: "≤ 0.9", "≥ 0.995", "warn 0.1"."""
    for words, sign in (
        ("at most ", "≤ "),
        ("at least ", "≥ "),
        ("warns at ", "warn "),
        ("pages at ", "page "),
    ):
        threshold = threshold.replace(words, sign)
    return threshold


def _metric(metric: ObservedMetric) -> MetricRow:
    return MetricRow(
        model=metric.model,
        environment=metric.environment or "—",
        name=METRIC_LABELS.get(metric.name, metric.name),
        value=_figure(metric.value),
        threshold=_short(metric.threshold) if metric.threshold else "—",
        breach=metric.breach,
        declared=_figure(metric.declared),
        differs=metric.differs,
    )


def _source(snapshot: Snapshot, evaluated: Evaluated) -> SourceRow:
    moment = parse_datetime(snapshot.observed_at)
    return SourceRow(
        id=snapshot.id,
        system=SYSTEM_LABELS.get(snapshot.system, snapshot.system),
        address=snapshot.address,
        observed_at=observed_at(snapshot.observed_at),
        entries=snapshot.entries,
        max_age=humanise_duration(snapshot.max_age),
        stale=snapshot.stale,
        age_days=(evaluated.check.as_of - moment.date()).days if moment else None,
    )


def build_observed(evaluated: Evaluated) -> ObservedSection:
    """Every production model (and any other declared model that something serves or
    that has a disagreement), its declared and observed versions, metrics and findings."""
    rec = evaluated.facts.reconciliation
    places = (REGISTRY, *sorted({s.environment for s in rec.serving} - {REGISTRY}))
    concerned = {s.model for s in rec.serving} | {
        f.subject for f in rec.findings if f.subject_kind is Kind.MODEL
    }
    records = [
        m
        for m in evaluated.models
        if m.data.get("lifecycle") == Lifecycle.PRODUCTION.value or m.id in concerned
    ]
    shown = {m.id for m in records}
    undeclared = [f for f in rec.findings if f.kind is FindingKind.UNDECLARED_MODEL]
    metrics = tuple(_metric(m) for m in rec.metrics if m.model in shown)
    metric_names, metric_lines = metric_table(metrics)
    return ObservedSection(
        as_of=evaluated.check.as_of.isoformat(),
        sources=tuple(_source(s, evaluated) for s in rec.snapshots),
        places=places if rec.snapshots else (),
        models=tuple(_model(evaluated, m, rec, places) for m in sorted(records, key=lambda r: r.id))
        if rec.snapshots
        else (),
        metrics=metrics,
        undeclared=tuple(
            UndeclaredRow(
                name=f.model,
                source=f.source,
                message=f.message,
                status=_status(evaluated.results_of(Kind.OBSERVATION, f.subject), f.kind),
            )
            for f in undeclared
        ),
        stale=tuple(s.id for s in rec.snapshots if s.stale),
        disagreements=len(rec.findings),
        metric_names=metric_names,
        metric_lines=metric_lines,
    )
