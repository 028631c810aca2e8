"""History and trend: compliance month by month, and the commits since the previous report
(or the latest ones) with git's verdict on their signatures."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from compliance_tool.report import charts
from compliance_tool.report.sections.common import svg_data

if TYPE_CHECKING:
    from compliance_tool.audit.trend import TrendPoint


@dataclass(frozen=True, slots=True)
class TrendRow:
    end: str
    commit: str
    share: str
    high: int
    """Unwaived findings of high or critical severity."""
    medium: int
    production: int


@dataclass(frozen=True, slots=True)
class Revision:
    commit: str
    author: str
    date: str
    signature: str
    summary: str


@dataclass(frozen=True, slots=True)
class HistorySection:
    previous: str | None
    """The commit of the previous report, when there is one the reported commit follows."""
    signed_summary: str
    scope: str
    """Which paths make a commit count as a change of governance content."""
    revisions: tuple[Revision, ...]
    trend: tuple[TrendRow, ...]
    trend_chart: str | None
    """Drawn from two month ends on."""
    shallow: str | None = None
    """In a shallow clone, the sentence that the history is cut at its boundary."""


def _trend_chart(points: Sequence[TrendPoint]) -> str | None:
    if len(points) < 2:
        return None
    return svg_data(
        charts.line_chart(
            "Share of controls passing and unwaived high/critical findings, month by month",
            [p.end.isoformat() for p in points],
            {"controls passing": [p.share_passing for p in points]},
            percent=True,
        )
    )


def build_history(history: Mapping[str, Any] | None) -> HistorySection | None:
    """The section from :func:`compliance_tool.audit.history.report_history`'s answer; None
    for a report of the working tree."""
    if history is None:
        return None
    points: Sequence[TrendPoint] = history.get("points") or []
    return HistorySection(
        previous=history.get("previous"),
        signed_summary=history["signed_summary"],
        scope=history["scope"],
        revisions=tuple(
            Revision(r["commit"], r["author"], r["date"], r["signature"], r["summary"])
            for r in history.get("revisions") or []
        ),
        trend=tuple(
            TrendRow(
                end=p.end.isoformat(),
                commit=p.commit[:12],
                share=f"{p.share_passing:.0%}",
                high=p.failing.get("high", 0) + p.failing.get("critical", 0),
                medium=p.failing.get("medium", 0),
                production=p.production_models,
            )
            for p in points
        ),
        trend_chart=_trend_chart(points),
        shallow=history.get("shallow"),
    )
