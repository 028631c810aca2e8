"""Operating metrics over time as text (one line per model and metric: the last values,
the change since the previous point, the direction) and as versioned JSON
(schemas/metrics-result.schema.json)."""

from __future__ import annotations

import json
from typing import Any

from compliance_tool.audit.metric_series import MetricHistory, MetricSeries
from compliance_tool.checks.thresholds import figure

SCHEMA_VERSION = 1
SHOWN = 4
"""How many of the last values a text line shows."""


def _value(value: float | None) -> str:
    return "—" if value is None else figure(value)


def _change(value: float | None) -> str:
    if value is None:
        return ""
    return "±0" if value == 0 else f"{value:+g}"


def _subject(series: MetricSeries) -> str:
    if series.environment:
        return f"{series.label}, observed in {series.environment}"
    return series.label if series.source == "declared" else f"{series.label}, observed"


SERIES_FIELDS = (
    "model",
    "team",
    "metric",
    "label",
    "unit",
    "source",
    "environment",
    "headline",
    "higher_is_worse",
    "latest",
    "previous",
    "change",
    "direction",
)
"""The attributes of a series that the JSON document gives as they are."""


def _series(series: MetricSeries) -> dict[str, Any]:
    document: dict[str, Any] = {name: getattr(series, name) for name in SERIES_FIELDS}
    document["previous_end"] = series.previous_end.isoformat() if series.previous_end else None
    document["threshold"] = (
        None
        if series.threshold is None
        else {
            "text": series.threshold,
            "limit": series.limit,
            "higher_is_worse": series.higher_is_worse,
        }
    )
    document["points"] = [
        {
            "end": p.end.isoformat(),
            "value": p.value,
            "as_of": p.as_of.isoformat() if p.as_of else None,
            "source": p.source,
            "commit": p.commit,
            "path": p.path,
        }
        for p in series.points
    ]
    return document


def metrics_document(result: MetricHistory) -> dict[str, Any]:
    """The JSON document of a result (schemas/metrics-result.schema.json)."""
    return {
        "version": SCHEMA_VERSION,
        "period": result.period,
        "as_of": result.as_of.isoformat(),
        "ref": result.ref,
        "ends": [e.isoformat() for e in result.ends],
        "models": list(result.models),
        "series": [_series(s) for s in result.series],
        "gaps": [
            {"commit": g.commit, "date": g.date.isoformat(), "path": g.path, "reason": g.reason}
            for g in result.gaps
        ],
    }


def render_json(result: MetricHistory) -> str:
    return json.dumps(metrics_document(result), indent=2, sort_keys=True) + "\n"


def render_text(result: MetricHistory) -> str:
    ends = result.ends[-SHOWN:]
    lines = [
        f"operating metrics at {len(result.ends)} period ends of {result.period}, "
        f"{result.ends[0].isoformat()} to {result.as_of.isoformat()} "
        f"(history of {result.ref[:12]})",
        f"last {len(ends)} values at {', '.join(e.isoformat() for e in ends)}",
    ]
    rows = [
        (
            s.model,
            _subject(s),
            " ".join(_value(p.value) for p in s.points[-SHOWN:]),
            _change(s.change),
            s.direction,
            f"({s.threshold})" if s.threshold else "",
        )
        for s in result.series
    ]
    if not rows:
        lines.append("no model selected")
    widths = [max((len(r[i]) for r in rows), default=0) for i in range(5)]
    for row in rows:
        cells = [cell.ljust(widths[i]) for i, cell in enumerate(row[:5])]
        lines.append("  ".join([*cells, row[5]]).rstrip())
    lines += [
        f"gap: {g.date.isoformat()} {g.commit[:12]} {g.path}: {g.reason}" for g in result.gaps
    ]
    return "\n".join(lines) + "\n"
