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
from compliance_tool.repository.sources import GitSource, git_failure, open_repo


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


@dataclass(frozen=True, slots=True)
class Trend:
    """Compliance at the end of each period of ``every`` (an ISO 8601 duration, as given)."""

    every: str
    points: tuple[TrendPoint, ...]


@dataclass(frozen=True, slots=True)
class Period:
    """The spacing of a trend's points: whole calendar months, or a number of days."""

    text: str
    """As the user wrote it (P1M, P7D)."""
    months: int = 0
    days: int = 0

    def end(self, since: dt.date, index: int) -> dt.date:
        """The end of the ``index``-th period after ``since`` (a month end keeps the day of
        ``since`` where the month has it, else takes the month's last day)."""
        if not self.months:
            return since + dt.timedelta(days=self.days * index)
        month = since.month - 1 + index * self.months
        year, month = since.year + month // 12, month % 12 + 1
        return dt.date(year, month, min(since.day, calendar.monthrange(year, month)[1]))


MONTHLY = Period("P1M", months=1)


def parse_period(text: str) -> Period:
    """``--every`` as a :class:`Period`: P<n>M is n calendar months; any other ISO 8601
    duration must be a whole number of days (years count 365, weeks 7). ValueError with
    the reason when it is neither, so that a bad value stops the trend before it runs."""
    step = text.upper()
    body = step[1:-1]
    if step.startswith("P") and step.endswith("M") and body.isdigit():
        if int(body) > 0:
            return Period(text, months=int(body))
    else:
        try:
            delta = parse_duration(step)
        except ValueError:
            raise ValueError(f"'{text}' is not an ISO 8601 duration (e.g. P30D)") from None
        if delta.days > 0 and not delta.seconds and not delta.microseconds:
            return Period(text, days=delta.days)
    raise ValueError(
        f"'{text}' is not a whole number of calendar months or days, at least one (e.g. P1M, P7D)"
    )


def period_ends(since: dt.date, until: dt.date, every: Period) -> list[dt.date]:
    """``since``, then the end of every period after it up to ``until``, then ``until``."""
    ends: list[dt.date] = []
    current, index = since, 0
    while current <= until:
        ends.append(current)
        index += 1
        current = every.end(since, index)
    if ends and ends[-1] < until:
        ends.append(until)
    return ends


@dataclass(frozen=True, slots=True)
class Timeline:
    """The first-parent history of a ref, oldest first, read in one ``git log``: which
    commit was the last one on or before the end of a day."""

    times: tuple[int, ...]
    commits: tuple[str, ...]

    @classmethod
    def of(cls, root: Path, ref: str = "HEAD") -> Timeline:
        import git

        try:
            log = open_repo(root).git.log("--first-parent", "--format=%ct %H", ref)
        except git.GitCommandError as error:
            raise git_failure(error, f"listing the commits of {ref}") from None
        walk = [line.split() for line in reversed(log.split("\n")) if line]
        return cls(tuple(int(t) for t, _ in walk), tuple(sha for _, sha in walk))

    def at(self, day: dt.date) -> str | None:
        """The last commit at or before 23:59:59 UTC of ``day``; None before the first."""
        cutoff = dt.datetime(day.year, day.month, day.day, 23, 59, 59, tzinfo=dt.UTC).timestamp()
        position = bisect.bisect_right(self.times, cutoff)
        return self.commits[position - 1] if position else None


def commit_on_or_before(root: Path, ref: str, day: dt.date) -> str | None:
    """The last first-parent commit of ``ref`` on or before ``day`` (UTC)."""
    return Timeline.of(root, ref).at(day)


def compute_trend(
    root: Path, since: dt.date, until: dt.date, every: Period, ref: str = "HEAD"
) -> list[TrendPoint]:
    """One point per period end that has a commit at or before it."""
    repo = open_repo(root)
    schemas = SchemaSet()
    cache = ParseCache(None, schemas.digest)
    results = RuleCache(None)  # shared by the points: most records do not change between them
    points: list[TrendPoint] = []
    timeline = Timeline.of(root, ref)
    for end in period_ends(since, until, every):
        commit = timeline.at(end)
        if commit is None:
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
