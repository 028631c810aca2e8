"""Compliance over time: the rules evaluated at the last commit of each period."""

from __future__ import annotations

import bisect
import calendar
import datetime as dt
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from compliance_tool.checks.coverage import compute_coverage
from compliance_tool.checks.engine import Status
from compliance_tool.checks.facts import parse_duration
from compliance_tool.checks.pipeline import evaluate
from compliance_tool.checks.rule_cache import RuleCache
from compliance_tool.errors import InventoryError
from compliance_tool.repository.kinds import Kind, Lifecycle, Severity
from compliance_tool.repository.loader import Inventory, ParseCache
from compliance_tool.repository.schemas import SchemaSet
from compliance_tool.repository.sources import GitSource, open_repo


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """Compliance at the end of one period, as of the last commit before it ended."""

    end: dt.date
    commit: str
    share_passing: float
    failing: dict[str, int]
    waived: int
    production_models: int
    invalid: int = 0
    """Validation problems at this commit (its rules were then not evaluated)."""


def period_ends(since: dt.date, until: dt.date, every: str) -> list[dt.date]:
    """``since``, then every ``every`` (P1M = one calendar month, P7D...), up to ``until``."""
    step = every.upper()
    ends: list[dt.date] = []
    current = since
    months = (
        int(step[1:-1])
        if step.startswith("P") and step.endswith("M") and "T" not in step and step[1:-1].isdigit()
        else 0
    )
    delta = None if months else parse_duration(step)
    index = 0
    while current <= until:
        ends.append(current)
        index += 1
        if months:
            month = since.month - 1 + index * months
            year, month = since.year + month // 12, month % 12 + 1
            day = min(since.day, calendar.monthrange(year, month)[1])
            current = dt.date(year, month, day)
        else:
            assert delta is not None
            current = current + delta
    if ends and ends[-1] < until:
        ends.append(until)
    return ends


def compute_trend(
    root: Path, since: dt.date, until: dt.date, every: str, ref: str = "HEAD"
) -> list[TrendPoint]:
    """One point per period end that has a commit at or before it."""
    repo = open_repo(root)
    schemas = SchemaSet()
    cache = ParseCache(None, schemas.digest)
    results = RuleCache(None)  # shared by the points: most records do not change between them
    points: list[TrendPoint] = []
    # one walk of the first-parent history: (committer time, commit), oldest first
    walk = [
        line.split()
        for line in repo.git.log("--first-parent", "--format=%ct %H", ref).split("\n")
        if line
    ]
    times = [int(t) for t, _ in reversed(walk)]
    shas = [sha for _, sha in reversed(walk)]
    for end in period_ends(since, until, every):
        cutoff = dt.datetime(end.year, end.month, end.day, 23, 59, 59, tzinfo=dt.UTC).timestamp()
        position = bisect.bisect_right(times, cutoff)
        commit = shas[position - 1] if position else ""
        if not commit:
            continue
        inventory = Inventory(GitSource.open(root, commit, repo), schemas, cache)
        try:
            evaluation = evaluate(inventory, end, results)
        except InventoryError as error:  # a past commit that does not validate: say so
            points.append(TrendPoint(end, commit, 0.0, {}, 0, 0, len(error.details)))
            continue
        coverage = compute_coverage(inventory, evaluation.check)
        failing = Counter(r.severity.label for r in evaluation.check.failing())
        points.append(
            TrendPoint(
                end,
                commit,
                coverage.share_passing,
                {s.label: failing.get(s.label, 0) for s in sorted(Severity, reverse=True)},
                sum(r.status is Status.WAIVED for r in evaluation.check.results),
                sum(
                    1
                    for m in inventory.records(Kind.MODEL)
                    if m.data.get("lifecycle") == Lifecycle.PRODUCTION.value
                ),
            )
        )
    return points
