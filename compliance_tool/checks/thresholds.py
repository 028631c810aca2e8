"""The operating metrics a model declares and the thresholds they are held to, in words.

Reconcile compares each observed metric with the record's threshold of the same name
(``monitoring.thresholds``) and with the hand-written figure (``operations.metrics``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

METRIC_DECLARED_AS: dict[str, str] = {
    "failed_deployments_90d": "failed_deployments_90d",
    "retraining_backlog_days": "retraining_backlog_days",
    "cost_per_1k_inferences_usd": "cost_per_1k_inferences_usd",
    "latency_p99_ms": "latency_p99_ms",
    "availability": "availability_30d",
}
"""Each observed metric and the ``operations.metrics`` field that hand-writes it."""

METRIC_LABELS: dict[str, str] = {
    "failed_deployments_90d": "failed deployments (90 days)",
    "retraining_backlog_days": "retraining backlog (days)",
    "cost_per_1k_inferences_usd": "cost per 1k inferences (USD)",
    "latency_p99_ms": "latency p99 (ms)",
    "data_drift": "data drift",
    "availability": "availability",
}
"""Each observed metric in words, with its unit; the order in which tables show them."""

LOWER_IS_WORSE = frozenset({"availability", "availability_30d"})
"""The metrics where a fall is a deterioration (without a threshold that says so)."""


def as_number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


def figure(value: float) -> str:
    return f"{value:g}"


def threshold_of(thresholds: dict[str, Any], name: str, value: float) -> tuple[str | None, bool]:
    """The record's threshold of metric ``name`` in words, and whether ``value`` is beyond."""
    limit = thresholds.get(name)
    if not isinstance(limit, dict):
        return None, False
    if name == "data_drift":
        page, warn = as_number(limit.get("page")), as_number(limit.get("warn"))
        if page is not None and value >= page:
            return f"pages at {figure(page)}", True
        if warn is not None and value >= warn:
            return f"warns at {figure(warn)}", True
        return f"warns at {figure(warn)}" if warn is not None else None, False
    high, low = as_number(limit.get("max")), as_number(limit.get("min"))
    if high is not None:
        return f"at most {figure(high)}", value > high
    if low is not None:
        return f"at least {figure(low)}", value < low
    return None, False


@dataclass(frozen=True, slots=True)
class Bound:
    """The limit a metric is held to: ``max``-like (a rise is worse) or ``min``-like."""

    text: str
    """In words, e.g. ``at most 0.4`` or ``warns at 0.1, pages at 0.25``."""
    limit: float
    higher_is_worse: bool
    reached_is_beyond: bool = False
    """Whether the limit itself is beyond (a drift warning fires at its value)."""

    def breached(self, value: float) -> bool:
        if self.reached_is_beyond:
            return value >= self.limit if self.higher_is_worse else value <= self.limit
        return value > self.limit if self.higher_is_worse else value < self.limit


def bound_of(thresholds: dict[str, Any], name: str) -> Bound | None:
    """The record's threshold of metric ``name`` (``monitoring.thresholds``) as a
    :class:`Bound`; for data drift the warning level (the paging level where there is no
    warning), as :func:`threshold_of` judges it."""
    limit = thresholds.get(name)
    if not isinstance(limit, dict):
        return None
    if name == "data_drift":
        page, warn = as_number(limit.get("page")), as_number(limit.get("warn"))
        said = [f"warns at {figure(warn)}"] if warn is not None else []
        said += [f"pages at {figure(page)}"] if page is not None else []
        first = warn if warn is not None else page
        return None if first is None else Bound(", ".join(said), first, True, True)
    high, low = as_number(limit.get("max")), as_number(limit.get("min"))
    if high is not None:
        return Bound(f"at most {figure(high)}", high, True)
    if low is not None:
        return Bound(f"at least {figure(low)}", low, False)
    return None
