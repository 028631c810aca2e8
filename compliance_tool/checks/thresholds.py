"""The operating metrics a model declares and the thresholds they are held to, in words.

Reconcile compares each observed metric with the record's threshold of the same name
(``monitoring.thresholds``) and with the hand-written figure (``operations.metrics``).
"""

from __future__ import annotations

import math
from typing import Any

METRIC_DECLARED_AS: dict[str, str] = {
    "failed_deployments_90d": "failed_deployments_90d",
    "retraining_backlog_days": "retraining_backlog_days",
    "cost_per_1k_inferences_usd": "cost_per_1k_inferences_usd",
    "latency_p99_ms": "latency_p99_ms",
    "availability": "availability_30d",
}
"""Each observed metric and the ``operations.metrics`` field that hand-writes it."""


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
