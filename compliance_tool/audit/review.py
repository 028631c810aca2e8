"""The weekly review pack: what one operating review of the production models looks at.

Per team and model the three headline figures (failed deployments, retraining backlog,
cost per 1,000 inferences) with their series and direction since the previous review;
the incidents opened and closed in the period and their post-incident review; the
findings new and resolved since the previous review; what falls due (retraining,
validation, waivers, contracts, training); the on-call hand-overs of the coming period;
and the decisions the meeting has to take, most urgent first.

The previous review is the end of the period before: ``as_of - period``. Its findings are
those of the last commit on or before that day, evaluated on that day, so that a finding
that is new this week is new in the records or in the calendar, not an artefact of
running the tool later.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from compliance_tool.audit.metric_series import (
    DECLARED,
    HEADLINE,
    LABELS,
    MetricSeries,
    metric_history,
)
from compliance_tool.audit.trend import Period, commit_on_or_before
from compliance_tool.checks.due import Obligation, People, due
from compliance_tool.checks.due_handovers import DueHandover, due_handovers
from compliance_tool.checks.engine import CheckResult, Result
from compliance_tool.checks.facts import parse_datetime
from compliance_tool.checks.pipeline import evaluate
from compliance_tool.checks.schedule import describe_gap, gaps, parse_schedule
from compliance_tool.errors import InventoryError
from compliance_tool.repository.kinds import Kind, Lifecycle, Severity
from compliance_tool.repository.loader import Inventory, Record
from compliance_tool.repository.session import Where, default_ref, open_inventory

DUE_HORIZON = dt.timedelta(days=30)
"""How far ahead the pack lists what falls due (at least one period)."""

SERIES_POINTS = 8
"""Points of each headline series: two months of weekly reviews."""


@dataclass(frozen=True, slots=True)
class Headline:
    """One headline figure of one model: its latest value, the previous review's, and its
    direction against its threshold."""

    metric: str
    label: str
    series: MetricSeries


@dataclass(frozen=True, slots=True)
class ModelReview:
    id: str
    name: str
    tier: str
    rotation: str | None
    headlines: tuple[Headline, ...]
    path: str
    line: int


@dataclass(frozen=True, slots=True)
class TeamReview:
    id: str
    name: str
    models: tuple[ModelReview, ...]


@dataclass(frozen=True, slots=True)
class IncidentLine:
    id: str
    title: str
    severity: str
    models: tuple[str, ...]
    detected_at: str
    resolved_at: str | None
    opened: bool
    """Opened in the period."""
    closed: bool
    """Resolved in the period."""
    review: str
    """The post-incident review in words: recorded, due on a date, or overdue."""
    review_late: bool
    path: str


@dataclass(frozen=True, slots=True)
class FindingChange:
    rule: str
    severity: str
    subject: str
    kind: str
    message: str
    path: str
    line: int


@dataclass(frozen=True, slots=True)
class Handover:
    rotation: str
    at: str
    """Local date-time with its offset, as the rotation's time zone has it."""
    from_person: str | None
    to_person: str
    to_name: str
    to_external: bool
    organisation: str | None


@dataclass(frozen=True, slots=True)
class CoverGap:
    """The stretches of the coming period in which nobody on a rotation is on call."""

    rotation: str
    count: int
    first: str
    """The first of them in the rotation's local words (``Sun 22:00–Mon 07:00 Europe/Berlin``)."""


@dataclass(frozen=True, slots=True)
class Decision:
    urgency: int
    """0 is the most urgent."""
    day: dt.date | None
    """When it fell or falls due, where it has a date (earlier first within an urgency)."""
    text: str
    owner: str
    where: str


@dataclass(frozen=True, slots=True)
class ReviewPack:
    as_of: dt.date
    period: str
    previous: dt.date
    """The previous review (``as_of - period``)."""
    until: dt.date
    """The end of the coming period (``as_of + period``)."""
    team: str | None
    commit: str | None
    previous_commit: str | None
    teams: tuple[TeamReview, ...]
    incidents: tuple[IncidentLine, ...]
    new_findings: tuple[FindingChange, ...]
    resolved_findings: tuple[FindingChange, ...]
    open_findings: int
    due: tuple[Obligation, ...]
    handovers: tuple[Handover, ...]
    cover_gaps: tuple[CoverGap, ...]
    decisions: tuple[Decision, ...]
    notes: tuple[str, ...]
    """What the pack could not see (a previous commit that does not validate, no history)."""


def review_pack(
    root: Path,
    *,
    ref: str | None,
    as_of: dt.date,
    period: Period,
    team: str | None = None,
) -> ReviewPack:
    """The review pack of the meeting on ``as_of``; InventoryError when the records at
    ``ref`` do not validate (a past commit that does not is a note, not an error)."""
    ref = ref if ref is not None else default_ref(root)
    inventory = open_inventory(Where(root, ref))
    previous = period.end(as_of, -1) if period.months else as_of - dt.timedelta(period.days)
    until = period.end(as_of, 1)
    # first: an unknown team stops here, with the closest ids, before any evaluation
    obligations = _due(inventory, as_of, max(DUE_HORIZON, until - as_of), team)
    now = evaluate(inventory, as_of).check
    models = _models(inventory, team)
    notes: list[str] = []
    before, previous_commit = _previous_check(root, ref, previous, notes)
    new, resolved = _finding_changes(now, before, {m.id for m in models}, team is not None)
    history = metric_history(
        root,
        ref=ref,
        as_of=as_of,
        period=period,
        points=SERIES_POINTS,
        models={m.id for m in models},
    )
    notes += [f"{gap.commit[:12]}: {gap.reason}" for gap in history.gaps]
    incidents = _incidents(inventory, previous, as_of, obligations, {m.id for m in models})
    teams = _teams(inventory, models, history.series)
    shifts, holes = _handovers(inventory, models, team, as_of, until)
    return ReviewPack(
        as_of=as_of,
        period=period.text,
        previous=previous,
        until=until,
        team=team,
        commit=inventory.source.commit,
        previous_commit=previous_commit,
        teams=teams,
        incidents=incidents,
        new_findings=new,
        resolved_findings=resolved,
        open_findings=len(now.failing()),
        due=obligations,
        handovers=shifts,
        cover_gaps=holes,
        decisions=_decisions(teams, incidents, new, obligations, until),
        notes=tuple(notes),
    )


def _models(inventory: Inventory, team: str | None) -> list[Record]:
    """The production models the pack covers, of one team when ``team`` is given."""
    return [
        m
        for m in sorted(inventory.records(Kind.MODEL), key=lambda r: r.id)
        if m.data.get("lifecycle") == Lifecycle.PRODUCTION.value
        and (team is None or m.get("ownership.team") == team)
    ]


def _previous_check(
    root: Path, ref: str | None, previous: dt.date, notes: list[str]
) -> tuple[CheckResult | None, str | None]:
    """The findings of the previous review: the last commit on or before that day,
    evaluated on that day; None (with a note) when there is none or it does not validate."""
    commit = commit_on_or_before(root, ref, previous) if ref is not None else None
    if commit is None:
        notes.append(
            f"no commit on or before {previous}: every open finding is listed as open, none as new"
        )
        return None, None
    try:
        return evaluate(open_inventory(Where(root, commit)), previous).check, commit
    except InventoryError as error:
        notes.append(
            f"the records at {commit[:12]} (the previous review) do not validate "
            f"({len(error.details)} problem(s)): findings are not compared"
        )
        return None, commit


def _change(result: Result) -> FindingChange:
    return FindingChange(
        result.rule,
        result.severity.label,
        result.subject,
        result.kind.value,
        result.message,
        result.path,
        result.line,
    )


def _finding_changes(
    now: CheckResult, before: CheckResult | None, models: set[str], one_team: bool
) -> tuple[tuple[FindingChange, ...], tuple[FindingChange, ...]]:
    """Findings failing now and not at the previous review, and the other way round;
    with ``one_team``, only those about the team's models."""
    if before is None:
        return (), ()

    def keep(result: Result) -> bool:
        return not one_team or (result.kind is Kind.MODEL and result.subject in models)

    current = {r.key: r for r in now.failing() if keep(r)}
    earlier = {r.key: r for r in before.failing() if keep(r)}
    order = lambda r: (-int(r.severity), r.rule, r.subject)  # noqa: E731
    new = sorted((r for k, r in current.items() if k not in earlier), key=order)
    gone = sorted((r for k, r in earlier.items() if k not in current), key=order)
    return tuple(map(_change, new)), tuple(map(_change, gone))


def _teams(
    inventory: Inventory, models: list[Record], series: tuple[MetricSeries, ...]
) -> tuple[TeamReview, ...]:
    """The models by team (teams by name), each with its three headline figures."""
    by_key = {(s.model, s.metric): s for s in series if s.source == DECLARED}
    grouped: dict[str, list[ModelReview]] = {}
    for model in models:
        headlines = tuple(
            Headline(metric, LABELS.get(metric, metric), by_key[(model.id, metric)])
            for metric in HEADLINE
            if (model.id, metric) in by_key
        )
        line, _ = model.position()
        grouped.setdefault(str(model.get("ownership.team") or "no team"), []).append(
            ModelReview(
                id=model.id,
                name=str(model.data.get("name") or model.id),
                tier=str(model.get("risk.tier") or "unknown"),
                rotation=model.get("operations.oncall"),
                headlines=headlines,
                path=model.path,
                line=line,
            )
        )
    teams = []
    for team_id, reviews in grouped.items():
        record = inventory.record(Kind.TEAM, team_id)
        name = str(record.data.get("name") or team_id) if record else team_id
        teams.append(TeamReview(team_id, name, tuple(reviews)))
    return tuple(sorted(teams, key=lambda t: t.name.lower()))


def _incidents(
    inventory: Inventory,
    previous: dt.date,
    as_of: dt.date,
    obligations: tuple[Obligation, ...],
    models: set[str],
) -> tuple[IncidentLine, ...]:
    """Incidents opened or closed in the period, and those still open, with their review."""
    reviews = {o.record_id: o for o in obligations if o.kind == "post-incident-review"}
    pending = {o.record_id for o in obligations if o.record_kind is Kind.INCIDENT}
    lines = []
    for incident in inventory.records(Kind.INCIDENT):
        affected = tuple(str(m) for m in incident.data.get("models") or ())
        if models and not set(affected) & models:
            continue
        detected = parse_datetime(incident.data.get("detected_at"))
        resolved = parse_datetime(incident.data.get("resolved_at"))
        opened = detected is not None and previous < detected.date() <= as_of
        closed = resolved is not None and previous < resolved.date() <= as_of
        if not (opened or closed or resolved is None or incident.id in pending):
            continue
        review, late = _review_state(incident, reviews.get(incident.id))
        lines.append(
            IncidentLine(
                id=incident.id,
                title=str(incident.data.get("title") or ""),
                severity=str(incident.data.get("severity") or ""),
                models=affected,
                detected_at=str(incident.data.get("detected_at")),
                resolved_at=str(incident.data["resolved_at"]) if resolved else None,
                opened=opened,
                closed=closed,
                review=review,
                review_late=late,
                path=incident.path,
            )
        )
    return tuple(sorted(lines, key=lambda i: (i.severity, i.detected_at, i.id)))


def _review_state(incident: Record, due: Obligation | None) -> tuple[str, bool]:
    if incident.data.get("postmortem"):
        completed = incident.data.get("postmortem_completed")
        done = f", completed {completed}" if completed else ""
        return f"recorded ({incident.data['postmortem']}{done})", False
    if due is None:
        return "none recorded", False
    if due.overdue:
        return f"overdue since {due.date}", True
    return f"due by {due.date}", False


def _due(
    inventory: Inventory, as_of: dt.date, within: dt.timedelta, team: str | None
) -> tuple[Obligation, ...]:
    return due(inventory, as_of, within=within, team=team).obligations


def _handovers(
    inventory: Inventory,
    models: list[Record],
    team: str | None,
    as_of: dt.date,
    until: dt.date,
) -> tuple[tuple[Handover, ...], tuple[CoverGap, ...]]:
    """The hand-overs of the coming period (those ``due`` lists) on the rotations of the
    pack's models (and the team's own rotations) whose schedule the record states, in each
    rotation's local time, and the stretches in which nobody is on call (a hand-over into
    a gap is one of them)."""
    names = {str(m.get("operations.oncall")) for m in models if m.get("operations.oncall")}
    rotations = sorted(
        (
            r
            for r in inventory.records(Kind.ROTATION)
            if r.id in names or (team is not None and r.data.get("team") == team)
        ),
        key=lambda r: r.id,
    )
    chosen = {r.id for r in rotations}
    changes = due_handovers(inventory, People(inventory), as_of, until - dt.timedelta(days=1))
    lines = tuple(_handover(inventory, h) for h in changes if h.rotation in chosen)
    start = dt.datetime(as_of.year, as_of.month, as_of.day, tzinfo=dt.UTC)
    end = dt.datetime(until.year, until.month, until.day, tzinfo=dt.UTC)
    holes: list[CoverGap] = []
    for rotation in rotations:
        try:
            schedule = parse_schedule(rotation)
        except ValueError:  # validate reports it; the pack lists what it can
            continue
        found = gaps(schedule, start, end) if schedule is not None else []
        if schedule is not None and found:
            holes.append(CoverGap(rotation.id, len(found), describe_gap(schedule, *found[0])))
    return lines, tuple(holes)


def _handover(inventory: Inventory, change: DueHandover) -> Handover:
    person = inventory.record(Kind.PERSON, change.to_person.id)
    affiliation = (person.data.get("affiliation") or {}) if person else {}
    return Handover(
        rotation=change.rotation,
        at=change.at.isoformat(timespec="minutes"),
        from_person=change.from_person.id if change.from_person else None,
        to_person=change.to_person.id,
        to_name=change.to_person.name,
        to_external=affiliation.get("type") == "external",
        organisation=affiliation.get("organisation"),
    )


def _decisions(
    teams: tuple[TeamReview, ...],
    incidents: tuple[IncidentLine, ...],
    new: tuple[FindingChange, ...],
    obligations: tuple[Obligation, ...],
    until: dt.date,
) -> tuple[Decision, ...]:
    """What the meeting must decide, most urgent first: breached figures, incidents
    whose review is late, new high findings, overdue obligations, then what falls due
    before the next review."""
    decisions: list[Decision] = []
    for team in teams:
        for model in team.models:
            for headline in model.headlines:
                if headline.series.direction == "breached":
                    decisions.append(
                        Decision(
                            0,
                            None,
                            f"{model.id}: {headline.label} at {headline.series.latest:g}"
                            f" is beyond its threshold ({headline.series.threshold}):"
                            " act or accept",
                            model.rotation or team.id,
                            f"{model.path}:{model.line}",
                        )
                    )
    decisions += [
        Decision(1, None, f"{i.id}: post-incident review {i.review}", i.models[0], i.path)
        for i in incidents
        if i.review_late
    ]
    decisions += [
        Decision(
            2,
            None,
            f"new {f.severity} finding {f.rule} on {f.subject}: {f.message}",
            "",
            f"{f.path}:{f.line}",
        )
        for f in new
        if Severity.parse(f.severity) >= Severity.HIGH
    ]
    for obligation in obligations:
        if obligation.overdue or obligation.date <= until:
            decisions.append(
                Decision(
                    3 if obligation.overdue else 4,
                    obligation.date,
                    f"{obligation.title} ({'overdue since' if obligation.overdue else 'due'}"
                    f" {obligation.date})",
                    ", ".join(r.id for r in obligation.responsible),
                    obligation.location,
                )
            )
    return tuple(
        sorted(decisions, key=lambda d: (d.urgency, d.day or dt.date.min, d.where, d.text))
    )
