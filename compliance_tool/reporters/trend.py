"""Compliance over time as a table (one row per period end) and as JSON."""

from __future__ import annotations

import json

from compliance_tool.audit.trend import Trend


def render_text(trend: Trend) -> str:
    lines = [
        f"{'period end':<11} {'commit':<12} {'controls':>8} {'crit':>5} {'high':>5} "
        f"{'med':>5} {'low':>5} {'info':>5} {'waived':>6} {'prod':>5}"
    ]
    for p in trend.points:
        if p.invalid:
            lines.append(
                f"{p.end.isoformat():<11} {p.commit[:12]:<12} not evaluated: "
                f"{p.invalid} validation problem(s) at this commit"
            )
            continue
        f = p.failing
        lines.append(
            f"{p.end.isoformat():<11} {p.commit[:12]:<12} {p.share_passing:>8.0%} "
            f"{f['critical']:>5} {f['high']:>5} {f['medium']:>5} {f['low']:>5} "
            f"{f['info']:>5} {p.waived:>6} {p.production_models:>5}"
        )
    return "\n".join(lines) + "\n"


def render_json(trend: Trend) -> str:
    document = {
        "version": 1,
        "every": trend.every,
        "points": [
            {
                "end": p.end.isoformat(),
                "commit": p.commit,
                "share_passing": round(p.share_passing, 4),
                "failing": p.failing,
                "waived": p.waived,
                "production_models": p.production_models,
                "invalid": p.invalid,
            }
            for p in trend.points
        ],
    }
    return json.dumps(document, indent=2, sort_keys=True) + "\n"
