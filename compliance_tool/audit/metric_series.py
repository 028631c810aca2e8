"""Operating metrics over time: each model's figures at the end of every period, read from
all versions of its file (``operations.metrics``, hand-written) and of the metrics
snapshots (``inventory/observations/``, observed) in the history up to a commit.

A figure belongs to the date it states (``as_of``, ``observed_at``), not to the commit
that brought it: the point at a period end is the latest figure dated on or before that
end, among every version in the history, so a figure committed late lands in its own
week. One ``git log --raw`` walk of the two folders names every version; each blob is
read through the audit trail's :class:`~compliance_tool.audit.history.BlobReader` and
parsed once, and only the files of the models asked about are parsed at all. A version
that does not parse or validate is a gap (its commit and the reason), never an error.
"""

from __future__ import annotations

import bisect
import datetime as dt
import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compliance_tool.audit.history import EMPTY_BLOB, BlobReader, _without_gitlinks
from compliance_tool.checks.facts import parse_datetime
from compliance_tool.checks.thresholds import (
    LOWER_IS_WORSE,
    METRIC_DECLARED_AS,
    METRIC_LABELS,
    Bound,
    as_number,
    bound_of,
    figure,
)
from compliance_tool.errors import InventoryError
from compliance_tool.repository.kinds import FOLDERS, Kind, Lifecycle
from compliance_tool.repository.session import Where, open_inventory
from compliance_tool.repository.sources import (
    git_failure,
    open_repo,
    repo_prefix,
    resolve_commit,
)

if TYPE_CHECKING:
    import git

    from compliance_tool.audit.trend import Period
    from compliance_tool.repository.loader import Inventory, Record
    from compliance_tool.repository.schemas import SchemaSet

HEADLINE = ("failed_deployments_90d", "retraining_backlog_days", "cost_per_1k_inferences_usd")
"""The figures every selected model has a series of, missing ones shown as missing."""

LABELS: dict[str, str] = {**METRIC_LABELS, "availability_30d": "availability (30 days)"}
UNITS: dict[str, str] = {
    "failed_deployments_90d": "deployments",
    "retraining_backlog_days": "days",
    "cost_per_1k_inferences_usd": "USD",
    "latency_p99_ms": "ms",
    "availability": "ratio",
    "availability_30d": "ratio",
}
DECLARED, OBSERVED = "declared", "observed"
DIRECTIONS = ("worse", "better", "steady", "breached", "no-previous", "missing")
"""Each series' direction: against its threshold (for a max-threshold figure a rise is
worse), ``breached`` when the latest value is beyond it, ``no-previous`` when no earlier
point shows another figure, ``missing`` when the latest point has none."""

_MODELS = FOLDERS[Kind.MODEL] + "/"
_SNAPSHOTS = FOLDERS[Kind.OBSERVATION] + "/"
_DECLARED_NAME = {field: name for name, field in METRIC_DECLARED_AS.items()}
"""Each ``operations.metrics`` field and the name of its threshold."""


@dataclass(frozen=True, slots=True)
class SeriesPoint:
    """The figure in force at one period end: the latest one dated on or before it."""

    end: dt.date
    value: float | None
    """None: no figure was dated on or before the end (missing, never zero)."""
    as_of: dt.date | None
    """The figure's own date (``as_of`` or the snapshot's ``observed_at``)."""
    source: str | None
    """``declared`` (operations.metrics) or ``observed`` (a metrics snapshot)."""
    commit: str | None
    """The first commit whose version of the file holds the figure."""
    path: str | None


@dataclass(frozen=True, slots=True)
class MetricSeries:
    """One metric of one model, from one source, at every period end."""

    model: str
    team: str | None
    metric: str
    """The field name: an ``operations.metrics`` field, or the observed metric's name."""
    label: str
    unit: str
    source: str
    environment: str | None
    """The observed environment; None for a declared figure."""
    threshold: str | None
    """The limit in words, e.g. ``at most 0.4``, or None when the metric has none."""
    limit: float | None
    higher_is_worse: bool
    points: tuple[SeriesPoint, ...]
    latest: float | None
    previous: float | None
    """The figure the latest one followed: the value at :attr:`previous_end`."""
    change: float | None
    """``latest - previous`` where both are known."""
    direction: str
    """One of :data:`DIRECTIONS`."""
    previous_end: dt.date | None = None
    """The latest earlier period end whose figure is another one (of another date) than
    the latest point's: in a period without a new figure, the change is still the one
    the figure in force made."""

    @property
    def headline(self) -> bool:
        return self.metric in HEADLINE


@dataclass(frozen=True, slots=True)
class Gap:
    """A version of a file that was read and could not be used."""

    commit: str
    date: dt.date
    path: str
    reason: str


@dataclass(frozen=True, slots=True)
class MetricHistory:
    """The operating metrics of the selected models at the end of each period."""

    period: str
    """The period as written, e.g. P7D."""
    as_of: dt.date
    ref: str
    """The commit whose history was read."""
    ends: tuple[dt.date, ...]
    """Oldest first; the last is ``as_of``."""
    models: tuple[str, ...]
    series: tuple[MetricSeries, ...]
    gaps: tuple[Gap, ...]
    """The unusable versions committed since the first period began, oldest first."""


@dataclass(slots=True)
class _Version:
    commit: str
    time: int
    blob: str


@dataclass(slots=True)
class _Figure:
    commit: str
    path: str
    order: int
    """Position of the last version that states it: the later of two figures of one date
    (a correction) wins."""


@dataclass(slots=True)
class _Figures:
    """Every distinct figure of every series key, by (date, value)."""

    found: dict[tuple[str, str, str, str | None], dict[tuple[dt.date, float], _Figure]] = field(
        default_factory=dict
    )

    def add(
        self, key: tuple[str, str, str, str | None], day: dt.date, value: float, at: _Figure
    ) -> None:
        known = self.found.setdefault(key, {})
        seen = known.get((day, value))
        if seen is None:
            known[(day, value)] = at
        else:
            seen.order = at.order


def metric_history(
    root: Path,
    *,
    ref: str | None = None,
    as_of: dt.date,
    period: Period,
    points: int = 26,
    models: set[str] | None = None,
    team: str | None = None,
) -> MetricHistory:
    """The metrics of ``models`` (default: every production model at ``ref``, of ``team``
    when given) at ``points`` period ends up to ``as_of``, read from the history up to
    ``ref`` (default HEAD). InventoryError, with the closest ids, for an unknown model or
    team; GitError when the history cannot be read."""
    if points < 1:
        raise InventoryError("there must be at least one point", hint="give --points 1 or more")
    repo = open_repo(root)
    commit = resolve_commit(repo, ref or "HEAD")
    inventory = open_inventory(Where(root, commit, use_cache=False))
    chosen = _selected(inventory, models, team)
    ends = tuple(period.end(as_of, -back) for back in range(points - 1, -1, -1))
    start = period.end(as_of, -points)
    versions = _versions(repo, repo_prefix(repo, root), commit)
    reader = BlobReader(repo)
    figures = _Figures()
    gaps: list[Gap] = []
    order = 0
    for path, history in versions.items():
        snapshot = path.startswith(_SNAPSHOTS)
        if not snapshot and _stem(path) not in chosen:
            continue
        if snapshot and not _is_metrics_snapshot(reader, path, history):
            continue
        for version in history:
            order += 1
            data, problem = _usable(reader, inventory.schemas, path, version.blob, snapshot)
            if problem is not None:
                day = dt.datetime.fromtimestamp(version.time, dt.UTC).date()
                if day > start:
                    gaps.append(Gap(version.commit, day, path, problem))
                continue
            at = _Figure(version.commit, path, order)
            stated = _observed(data, chosen) if snapshot else _declared(_stem(path), data)
            for key, day, value in stated:
                figures.add(key, day, value, at)
    bounds = _rule_bounds(inventory)
    series = [
        _series(inventory.record(Kind.MODEL, key[0]), key, figures.found.get(key, {}), ends, bounds)
        for key in _keys(chosen, figures)
    ]
    gaps.sort(key=lambda g: (g.date, g.path, g.commit))
    return MetricHistory(
        period.text, as_of, commit, ends, tuple(sorted(chosen)), tuple(series), tuple(gaps)
    )


def _closest(word: str, known: Iterable[str], what: str, folder: str) -> InventoryError:
    close = difflib.get_close_matches(word, sorted(known), n=3, cutoff=0.5)
    hint = f"did you mean {' or '.join(close)}?" if close else f"{what}s are in {folder}/"
    return InventoryError(f"no {what} '{word}' at this commit", hint=hint)


def _selected(inventory: Inventory, models: set[str] | None, team: str | None) -> set[str]:
    """The models asked about: those named, else the production ones; of ``team``."""
    known = inventory.ids[Kind.MODEL]
    for name in sorted(models or ()):
        if name not in known:
            raise _closest(name, known, "model", FOLDERS[Kind.MODEL])
    if team is not None and team not in inventory.ids[Kind.TEAM]:
        raise _closest(team, inventory.ids[Kind.TEAM], "team", FOLDERS[Kind.TEAM])
    chosen: set[str] = set()
    for record_id in sorted(models or known):
        record = inventory.record(Kind.MODEL, record_id)
        data = record.data if record is not None else {}
        if not models and data.get("lifecycle") != Lifecycle.PRODUCTION.value:
            continue
        if team is not None and _team(data) != team:
            continue
        chosen.add(record_id)
    return chosen


def _team(data: dict[str, Any]) -> str | None:
    team = (data.get("ownership") or {}).get("team")
    return team if isinstance(team, str) else None


def _stem(path: str) -> str:
    return path.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def _versions(repo: git.Repo, prefix: str, commit: str) -> dict[str, list[_Version]]:
    """Every version of every model file and snapshot in the history of ``commit``, by
    path, oldest first (a deletion is no version). Every commit counts, not only the
    first-parent line: a figure written on a branch and merged is history too; a merge
    itself contributes what it changed against its first parent (a conflict resolution)."""
    import git

    specs = [f":(top,literal){prefix}{folder.rstrip('/')}" for folder in (_MODELS, _SNAPSHOTS)]
    args = ["log", "--format=%x1e%H %ct", "--raw", "--no-abbrev", "--no-renames"]
    try:
        output = str(
            repo.git.execute(["git", *args, "--diff-merges=first-parent", commit, "--", *specs])
        )
    except git.GitCommandError as error:
        raise git_failure(error, f"reading the history of {commit[:12]}") from None
    found: dict[str, list[_Version]] = {}
    for chunk in reversed(output.split("\x1e")):
        header, _, raw = chunk.partition("\n")
        if not header.strip():
            continue
        sha, time = header.split()
        for line in raw.splitlines():
            if not line.startswith(":"):
                continue
            meta, path = line[1:].split("\t", 1)
            old_mode, new_mode, old, new, state = meta.split(" ")
            change = _without_gitlinks(old_mode, new_mode, old, new, state)
            path = path[len(prefix) :]
            if change is None or change[2] == EMPTY_BLOB or not path.endswith((".yaml", ".yml")):
                continue
            found.setdefault(path, []).append(_Version(sha, int(time), change[2]))
    for versions in found.values():  # the walk is by date, parents first; keep it stable
        versions.sort(key=lambda v: v.time)
    return found


def _usable(
    reader: BlobReader, schemas: SchemaSet, path: str, blob: str, snapshot: bool
) -> tuple[dict[str, Any], str | None]:
    """The data of one version, or why it cannot be used."""
    document = reader.document(blob, path)
    if document is None:
        return {}, "the file is above the size limit"
    if document.data is None or document.issues:
        said = document.issues[0].message if document.issues else "the file is empty"
        return {}, f"does not parse: {said}"
    kind = Kind.OBSERVATION if snapshot else Kind.MODEL
    if document.data.get("kind") != kind.value:
        return {}, f"kind is not {kind.value}"
    if not schemas.is_valid(kind, document.data):
        first = schemas.explain(kind, document.data)[0]
        where = ".".join(str(p) for p in first.path)
        return {}, f"does not validate: {where + ': ' if where else ''}{first.message}"
    return document.data, None


def _is_metrics_snapshot(reader: BlobReader, path: str, history: list[_Version]) -> bool:
    """Whether some version of the snapshot at ``path`` is one of a metrics source (the
    newest readable one says, so a registry snapshot is never parsed version by version)."""
    for version in reversed(history):
        data = reader.data(version.blob, path)
        if isinstance(data, dict):
            return any(isinstance(e, dict) and "metrics" in e for e in data.get("entries") or ())
    return False


Stated = Iterator[tuple[tuple[str, str, str, str | None], dt.date, float]]


def _declared(model: str, data: dict[str, Any]) -> Stated:
    metrics = (data.get("operations") or {}).get("metrics") or {}
    stated = parse_datetime(metrics.get("as_of"))
    if stated is None:
        return
    for name, value in metrics.items():
        number = as_number(value)
        if name != "as_of" and number is not None:
            yield (model, str(name), DECLARED, None), stated.date(), number


def _observed(data: dict[str, Any], chosen: set[str]) -> Stated:
    stated = parse_datetime(data.get("observed_at"))
    if stated is None:
        return
    day = stated.astimezone(dt.UTC).date()
    for entry in data.get("entries") or ():
        if not isinstance(entry, dict) or entry.get("model") not in chosen:
            continue
        environment = entry.get("environment")
        where = environment if isinstance(environment, str) else None
        for name, value in (entry.get("metrics") or {}).items():
            number = as_number(value)
            if number is not None:
                yield (str(entry["model"]), str(name), OBSERVED, where), day, number


def _keys(chosen: set[str], figures: _Figures) -> list[tuple[str, str, str, str | None]]:
    """The series to show, by model: the headline three declared ones always, then every
    other declared metric, then the observed ones, by environment."""
    keys = set(figures.found) | {(m, name, DECLARED, None) for m in chosen for name in HEADLINE}

    def order(key: tuple[str, str, str, str | None]) -> tuple[Any, ...]:
        model, name, source, environment = key
        rank = HEADLINE.index(name) if name in HEADLINE else len(HEADLINE)
        return (model, source != DECLARED, environment or "", rank, name)

    return sorted(keys, key=order)


def _rule_bounds(inventory: Inventory) -> dict[str, Bound]:
    """The limits the rules in force put on ``operations.metrics`` fields, by field (a
    bound on a field a record's own threshold does not give: RET-01's 14 days of
    retraining backlog)."""
    found: dict[str, Bound] = {}
    for rule in inventory.records(Kind.RULE):
        if rule.data.get("applies_to") != Kind.MODEL.value:
            continue
        fields = _schema_at(rule.data.get("require"), ("operations", "metrics"))
        for name, spec in sorted(fields.items()):
            high = as_number(spec.get("max")) if isinstance(spec, dict) else None
            low = as_number(spec.get("min")) if isinstance(spec, dict) else None
            if high is not None and name not in found:
                found[name] = Bound(f"at most {figure(high)} by {rule.id}", high, True)
            elif low is not None and name not in found:
                found[name] = Bound(f"at least {figure(low)} by {rule.id}", low, False)
    return found


def _schema_at(schema: Any, path: tuple[str, ...]) -> dict[str, Any]:
    """The Cerberus schema of the fields at ``path`` inside ``schema``, or nothing."""
    for name in path:
        if not isinstance(schema, dict) or not isinstance(schema.get(name), dict):
            return {}
        schema = schema[name].get("schema")
    return schema if isinstance(schema, dict) else {}


def _series(
    record: Record | None,
    key: tuple[str, str, str, str | None],
    figures: dict[tuple[dt.date, float], _Figure],
    ends: tuple[dt.date, ...],
    rule_bounds: dict[str, Bound],
) -> MetricSeries:
    model, name, source, environment = key
    data = record.data if record is not None else {}
    thresholds = (data.get("monitoring") or {}).get("thresholds") or {}
    declared_field = name if source == DECLARED else METRIC_DECLARED_AS.get(name, name)
    bound = bound_of(thresholds, _DECLARED_NAME.get(name, name)) or rule_bounds.get(declared_field)
    ordered = sorted(figures.items(), key=lambda item: (item[0][0], item[1].order))
    days = [day for (day, _), _ in ordered]
    points = []
    for end in ends:
        index = bisect.bisect_right(days, end) - 1
        if index < 0:
            points.append(SeriesPoint(end, None, None, None, None, None))
            continue
        (day, value), at = ordered[index]
        points.append(SeriesPoint(end, value, day, source, at.commit, at.path))
    latest = points[-1].value
    before = _previous(points)
    previous = before.value if before is not None else None
    higher_is_worse = bound.higher_is_worse if bound else name not in LOWER_IS_WORSE
    known = latest is not None and previous is not None
    change = round(latest - previous, 12) if known else None  # type: ignore[operator]
    return MetricSeries(
        model,
        _team(data),
        name,
        LABELS.get(name, name.replace("_", " ")),
        UNITS.get(name, ""),
        source,
        environment,
        bound.text if bound else None,
        bound.limit if bound else None,
        higher_is_worse,
        tuple(points),
        latest,
        previous,
        change,
        _direction(latest, change, bound, higher_is_worse),
        before.end if before is not None else None,
    )


def _previous(points: list[SeriesPoint]) -> SeriesPoint | None:
    """The latest earlier point that shows another figure than the last point (a figure
    of another date): what the last figure changed from. A week without a new figure
    still compares the figure in force with the one before it."""
    last = points[-1]
    for point in reversed(points[:-1]):
        if point.value is None:
            return None
        if (point.as_of, point.commit) != (last.as_of, last.commit):
            return point
    return None


def _direction(
    latest: float | None, change: float | None, bound: Bound | None, higher_is_worse: bool
) -> str:
    if latest is None:
        return "missing"
    if bound is not None and bound.breached(latest):
        return "breached"
    if change is None:
        return "no-previous"
    if abs(change) < 1e-12:
        return "steady"
    return "worse" if (change > 0) == higher_is_worse else "better"
