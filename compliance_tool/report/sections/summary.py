"""The executive summary: key figures, models by lifecycle and risk tier, findings by
severity, each as a table and a chart."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from compliance_tool.checks.coverage import Coverage
from compliance_tool.report import charts
from compliance_tool.report.sections.common import Evaluated, svg_data
from compliance_tool.repository.kinds import Lifecycle, Severity

TIERS = ("high", "medium", "low")


@dataclass(frozen=True, slots=True)
class LifecycleRow:
    lifecycle: str
    counts: tuple[int, ...]
    """Models in this lifecycle state per risk tier, in the order of :data:`TIERS`."""
    total: int


@dataclass(frozen=True, slots=True)
class SeverityRow:
    severity: str
    fail: int
    waived: int


@dataclass(frozen=True, slots=True)
class Summary:
    share_passing: float
    controls_total: int
    controls_passing: int
    failing_count: int
    waived_count: int
    upcoming_count: int
    """Failures of rules not yet in force: findings from a later date."""
    upcoming_first: str | None
    """The soonest date on which one of them becomes a finding."""
    rules_count: int
    models_count: int
    production_count: int
    tiers: tuple[str, ...]
    lifecycle_rows: tuple[LifecycleRow, ...]
    severity_rows: tuple[SeverityRow, ...]
    chart_lifecycle: str
    chart_findings: str


def build_summary(evaluated: Evaluated, coverage: Coverage) -> Summary:
    lifecycles = [s.value for s in Lifecycle]
    upcoming = evaluated.check.upcoming
    matrix = Counter(
        (str(m.data.get("lifecycle")), str((m.data.get("risk") or {}).get("tier")))
        for m in evaluated.models
    )
    severity_names = [s.label for s in sorted(Severity, reverse=True)]
    fail_counts = Counter(r.severity.label for r in evaluated.failing)
    waived_counts = Counter(r.severity.label for r in evaluated.waived)
    chart_lifecycle = charts.stacked_bars(
        "Models by lifecycle and risk tier",
        lifecycles,
        {t: [matrix[(s, t)] for s in lifecycles] for t in TIERS},
        {"high": "#1f4e79", "medium": "#2e86c1", "low": "#a9cce3"},
        size=(3.6, 2.3),
    )
    chart_findings = charts.stacked_bars(
        "Findings by severity",
        severity_names,
        {
            "failing": [fail_counts[n] for n in severity_names],
            "waived": [waived_counts[n] for n in severity_names],
        },
        {"failing": "#c0392b", "waived": "#bdc3c7"},
        size=(3.6, 2.3),
    )
    return Summary(
        share_passing=coverage.share_passing,
        controls_total=len(coverage.controls),
        controls_passing=sum(c.status.satisfied for c in coverage.controls),
        failing_count=len(evaluated.failing),
        waived_count=len(evaluated.waived),
        upcoming_count=len(upcoming),
        upcoming_first=upcoming[0].applies_from.date.isoformat()
        if upcoming and upcoming[0].applies_from
        else None,
        rules_count=len(evaluated.check.rules),
        models_count=len(evaluated.models),
        production_count=len(evaluated.production),
        tiers=TIERS,
        lifecycle_rows=tuple(
            LifecycleRow(
                lifecycle=state,
                counts=tuple(matrix[(state, t)] for t in TIERS),
                total=sum(matrix[(state, t)] for t in TIERS),
            )
            for state in lifecycles
        ),
        severity_rows=tuple(
            SeverityRow(severity=name, fail=fail_counts[name], waived=waived_counts[name])
            for name in severity_names
        ),
        chart_lifecycle=svg_data(chart_lifecycle),
        chart_findings=svg_data(chart_findings),
    )
