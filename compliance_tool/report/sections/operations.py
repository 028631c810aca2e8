"""Operating metrics of the production models as recorded in their files
(``operations.metrics``): failed deployments, retraining backlog, cost against budget."""

from __future__ import annotations

from dataclasses import dataclass

from compliance_tool.report import charts
from compliance_tool.report.sections.common import Evaluated, Shown, svg_data
from compliance_tool.repository.loader import Record

METRICS_LIMIT = 30
"""Operating metrics are charted and tabled for at most this many production models."""


@dataclass(frozen=True, slots=True)
class MetricRow:
    id: str
    name: str
    failed_deployments: Shown
    backlog: Shown
    cost: Shown
    budget: Shown
    over_budget: bool
    as_of: Shown


@dataclass(frozen=True, slots=True)
class OperatingMetrics:
    rows: tuple[MetricRow, ...]
    """The production models' metrics; the first :data:`METRICS_LIMIT` to look at when
    there are more."""
    total: int
    """How many production models there are, shown or not."""
    failed_deployments: float
    max_backlog: float
    chart_cost: str | None


def _count(value: Shown) -> float:
    """A recorded number, 0 where none (or no number) is recorded."""
    return value if isinstance(value, int | float) else 0


def _metric_row(model: Record) -> MetricRow:
    metrics = (model.data.get("operations") or {}).get("metrics") or {}
    thresholds = (model.data.get("monitoring") or {}).get("thresholds") or {}
    budget = (thresholds.get("cost_per_1k_inferences_usd") or {}).get("max")
    cost = metrics.get("cost_per_1k_inferences_usd")
    return MetricRow(
        id=model.id,
        name=model.name,
        failed_deployments=metrics.get("failed_deployments_90d"),
        backlog=metrics.get("retraining_backlog_days"),
        cost=cost,
        budget=budget,
        over_budget=isinstance(cost, int | float)
        and isinstance(budget, int | float)
        and cost > budget,
        as_of=metrics.get("as_of"),
    )


def _cost_chart(rows: tuple[MetricRow, ...]) -> str | None:
    """Measured cost against budget for the rows that record a cost."""
    names, costs, budgets = [], [], []
    for row in rows:
        if isinstance(row.cost, int | float):
            names.append(row.id)
            costs.append(float(row.cost))
            budgets.append(float(row.budget) if isinstance(row.budget, int | float) else None)
    if not names:
        return None
    return svg_data(
        charts.horizontal_budget(
            "Cost per 1,000 inferences against budget (bar: measured, line: budget)",
            names,
            costs,
            budgets,
            "USD per 1,000 inferences",
        )
    )


def build_operating_metrics(evaluated: Evaluated) -> OperatingMetrics:
    rows = tuple(_metric_row(model) for model in evaluated.production)
    failed_deployments = sum(_count(r.failed_deployments) for r in rows)
    max_backlog = max((_count(r.backlog) for r in rows), default=0)
    shown = rows
    if len(rows) > METRICS_LIMIT:  # the models whose operations need a look first
        shown = tuple(
            sorted(
                rows,
                key=lambda r: (
                    not r.over_budget,
                    -_count(r.failed_deployments),
                    -_count(r.backlog),
                    r.id,
                ),
            )[:METRICS_LIMIT]
        )
    return OperatingMetrics(
        rows=shown,
        total=len(rows),
        failed_deployments=failed_deployments,
        max_backlog=max_backlog,
        chart_cost=_cost_chart(shown),
    )
