"""What falls due: every dated obligation of the inventory before it becomes a finding.

A rule that checks a date (``within_days``, ``within_cadence``, ``not_past``,
``within_days_of``) says, for each record it selects, the last day on which it still
passes: a validation's ``next_due`` or its last date plus the tier's window, the last
retraining plus its cadence, a waiver's expiry, the contract end of a specialist on a
rotation, the last access review plus its cadence, the AI-literacy training plus a year,
the post-incident review of a resolved incident that has none, and the Art. 73 report of
a serious incident not yet reported. The windows are read from the rule files themselves
(a repository that changes a window changes its due dates), and the records each rule
selects are those its ``when`` selects, evaluated as ``check`` evaluates it. Failures of a
rule that applies from a later date (``applies_from``) fall due on that date.

Each obligation has a stable id (its kind, its record and what is due, never the date), so
that a calendar entry moves when the date moves. The date is the last day the rule still
passes: an obligation is *overdue* when that day is before the evaluation date, and is
listed all the same.

Who is responsible, by kind of obligation:

- ``validation``: the model's validator and its operator;
- ``retraining``: the model's operator;
- ``waiver-expiry``: the approver and the requester of the waiver;
- ``contract-end``: the person, the leads of their teams and the leads of the teams that
  run the rotations they are on;
- ``access-review`` and ``training``: the person and the leads of their teams;
- ``post-incident-review`` and ``art73-report``: the incident's commander and the
  operators of its models;
- ``rule-applies``: the people accountable for the record (a model's owner and operator,
  a dataset's owner, a waiver's approver and requester, ...).
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from compliance_tool.checks.engine import CompiledRule, Engine
from compliance_tool.checks.facts import (
    date_after,
    parse_date,
    parse_datetime,
    parse_duration,
)
from compliance_tool.errors import InventoryError
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Inventory, Record

if TYPE_CHECKING:
    from compliance_tool.checks.due_handovers import DueHandover

VALIDATION = "validation"
RETRAINING = "retraining"
WAIVER_EXPIRY = "waiver-expiry"
CONTRACT_END = "contract-end"
ACCESS_REVIEW = "access-review"
TRAINING = "training"
POST_INCIDENT_REVIEW = "post-incident-review"
ART73_REPORT = "art73-report"
RULE_APPLIES = "rule-applies"

KINDS = (
    VALIDATION,
    RETRAINING,
    WAIVER_EXPIRY,
    CONTRACT_END,
    ACCESS_REVIEW,
    TRAINING,
    POST_INCIDENT_REVIEW,
    ART73_REPORT,
    RULE_APPLIES,
)
"""Every kind of obligation, as the JSON output and the calendar's CATEGORIES name them."""


@dataclass(frozen=True, slots=True)
class _Check:
    """Where a rule file states a dated obligation: the custom rule ``check`` on the field
    ``field`` of records of ``applies_to``."""

    kind: str
    applies_to: Kind
    field: tuple[str, ...]
    check: str


CHECKS = (
    _Check(VALIDATION, Kind.MODEL, ("validation", "next_due"), "not_past"),
    _Check(VALIDATION, Kind.MODEL, ("validation", "last"), "within_days"),
    _Check(RETRAINING, Kind.MODEL, ("operations", "retraining", "last_trained"), "within_cadence"),
    _Check(WAIVER_EXPIRY, Kind.WAIVER, ("expires",), "not_past"),
    _Check(CONTRACT_END, Kind.PERSON, ("affiliation", "contract_end"), "not_past"),
    _Check(ACCESS_REVIEW, Kind.PERSON, ("access_review", "last"), "within_cadence"),
    _Check(TRAINING, Kind.PERSON, ("training", "ai_literacy"), "within_days"),
    _Check(POST_INCIDENT_REVIEW, Kind.INCIDENT, ("postmortem_completed",), "within_days_of"),
    _Check(ART73_REPORT, Kind.INCIDENT, ("serious_incident", "reported_at"), "within_days_of"),
)
"""The dated checks of the rules (VAL-01, RET-01, WAV-01, EXT-01, TRN-01, INC-02, INC-01 in
the starter catalogue), found in any rule file by field and custom rule, whatever its id."""


@dataclass(frozen=True, slots=True)
class Responsible:
    """A person responsible for an obligation, and in which capacities."""

    id: str
    name: str
    email: str | None
    roles: tuple[str, ...]
    """Why they are responsible: ``validator``, ``operator``, ``approver``, ``team lead``..."""


@dataclass(frozen=True, slots=True)
class Obligation:
    """One dated obligation: what falls due, on which record, for whom, and when."""

    id: str
    """Stable across date changes: ``KIND:RecordKind/record-id`` (and ``:what``)."""
    kind: str
    title: str
    record_kind: Kind
    record_id: str
    path: str
    line: int
    field: str
    """The dotted field the date is computed from (or the rule id of ``rule-applies``)."""
    date: dt.date
    """The last day on which the rule still passes."""
    days_left: int
    rule: str
    """The rule that fails once the date has passed."""
    responsible: tuple[Responsible, ...]
    teams: tuple[str, ...]
    """The teams concerned: the record's own and the responsible people's."""

    @property
    def overdue(self) -> bool:
        return self.days_left < 0

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class Due:
    """What falls due at one date, filtered as asked."""

    as_of: dt.date
    until: dt.date | None
    """The last day listed (``as_of`` plus ``--within``), or None for every date."""
    within: str | None
    person: str | None
    team: str | None
    obligations: tuple[Obligation, ...]
    handovers: tuple[DueHandover, ...] = ()
    """The on-call hand-overs of the listed period, on rotations with a structured schedule."""
    file_url: str | None = None
    """``links.files`` of compliance-tool.yaml: a record's web address, ``{path}`` and
    ``{line}`` filled in (calendar entries link to it)."""

    @property
    def overdue(self) -> tuple[Obligation, ...]:
        return tuple(o for o in self.obligations if o.overdue)

    @property
    def passed(self) -> bool:
        """Whether nothing listed is overdue."""
        return not self.overdue


# -- who is who ---------------------------------------------------------------------------


class People:
    """People, teams and rotations of the inventory, by id."""

    def __init__(self, inventory: Inventory) -> None:
        self.people = {r.id: r for r in inventory.records(Kind.PERSON)}
        self.teams = {r.id: r for r in inventory.records(Kind.TEAM)}
        self.models = {r.id: r for r in inventory.records(Kind.MODEL)}
        self.rotations = {r.id: r for r in inventory.records(Kind.ROTATION)}
        self.members: dict[str, set[str]] = {t: set() for t in self.teams}
        for team in self.teams.values():
            for member in [team.data.get("lead"), *(team.data.get("members") or ())]:
                if member:
                    self.members[team.id].add(str(member))
        for person in self.people.values():
            for team_id in person.data.get("teams") or ():
                self.members.setdefault(str(team_id), set()).add(person.id)

    def teams_of(self, person_id: str) -> list[str]:
        return sorted(t for t, members in self.members.items() if person_id in members)

    def lead(self, team_id: Any) -> str | None:
        team = self.teams.get(str(team_id))
        lead = team.data.get("lead") if team is not None else None
        return str(lead) if lead else None

    def rotations_of(self, person_id: str) -> list[Record]:
        return [
            r for r in self.rotations.values() if person_id in map(str, r.data.get("members") or ())
        ]

    def responsible(self, named: Iterable[tuple[str, Any]]) -> tuple[Responsible, ...]:
        """The people ``named`` as (capacity, person id), each once with every capacity."""
        roles: dict[str, list[str]] = {}
        for role, person_id in named:
            if person_id:
                found = roles.setdefault(str(person_id), [])
                if role not in found:
                    found.append(role)
        return tuple(self.person(p, tuple(r)) for p, r in roles.items())

    def person(self, person_id: str, roles: tuple[str, ...]) -> Responsible:
        record = self.people.get(person_id)
        if record is None:
            return Responsible(person_id, person_id, None, roles)
        email = record.data.get("email")
        return Responsible(person_id, record.name, str(email) if email else None, roles)


def _model_people(model: Record | None, *roles: str) -> list[tuple[str, Any]]:
    """A model's people in ``roles``: ``validator`` or a field of ``ownership``."""
    if model is None:
        return []
    ownership = model.data.get("ownership") or {}
    validation = model.data.get("validation") or {}
    return [
        (role, validation.get(role) if role == "validator" else ownership.get(role))
        for role in roles
    ]


def _named(people: People, kind: str, record: Record) -> list[tuple[str, Any]]:
    """Who is responsible for an obligation of ``kind`` on ``record`` (see the module)."""
    data = record.data
    if record.kind is Kind.MODEL:
        if kind == VALIDATION:
            return _model_people(record, "validator", "operator")
        if kind == RETRAINING:
            return _model_people(record, "operator")
        return _model_people(record, "owner", "operator")
    if record.kind is Kind.WAIVER:
        return [("approver", data.get("approved_by")), ("requester", data.get("requested_by"))]
    if record.kind is Kind.PERSON:
        named: list[tuple[str, Any]] = [("person", record.id)]
        named += [("team lead", people.lead(t)) for t in people.teams_of(record.id)]
        if kind == CONTRACT_END:
            rotations = people.rotations_of(record.id)
            named += [("rotation owner", people.lead(r.data.get("team"))) for r in rotations]
        return named
    if record.kind is Kind.INCIDENT:
        named = [("commander", data.get("commander"))]
        for model_id in data.get("models") or ():
            named += _model_people(people.models.get(str(model_id)), "operator")
        return named
    if record.kind is Kind.DATASET:
        return [("owner", data.get("owner"))]
    if record.kind is Kind.ROTATION:
        return [("rotation owner", people.lead(data.get("team")))]
    if record.kind is Kind.TEAM:
        return [("team lead", data.get("lead"))]
    if record.kind is Kind.CONTROL:
        return [("team lead", people.lead(data.get("owner")))]
    return []


def _record_teams(people: People, record: Record) -> set[str]:
    """The teams a record belongs to: a model's team, the models' teams of an incident or
    a waiver's subject, a person's teams, the team that runs a rotation."""
    data = record.data
    if record.kind is Kind.MODEL:
        team = (data.get("ownership") or {}).get("team")
        return {str(team)} if team else set()
    if record.kind is Kind.INCIDENT:
        models = [people.models.get(str(m)) for m in data.get("models") or ()]
        return {t for m in models if m is not None for t in _record_teams(people, m)}
    if record.kind is Kind.WAIVER:
        subject = data.get("subject") or {}
        model = (
            people.models.get(str(subject.get("id"))) if subject.get("kind") == "Model" else None
        )
        return _record_teams(people, model) if model is not None else set()
    if record.kind is Kind.PERSON:
        return set(people.teams_of(record.id))
    if record.kind is Kind.ROTATION and data.get("team"):
        return {str(data["team"])}
    return set()


# -- dates from rules ---------------------------------------------------------------------


def rule_constraint(rule: dict[str, Any], field: tuple[str, ...], check: str) -> Any:
    """The argument of the custom rule ``check`` on ``field`` in a rule file's
    ``require`` (nested fields through ``schema``), or None when the rule has none."""
    node: Any = rule.get("require")
    for depth, part in enumerate(field):
        rules = node.get(part) if isinstance(node, dict) else None
        if not isinstance(rules, dict):
            return None
        if depth == len(field) - 1:
            return rules.get(check)
        node = rules.get("schema")
    return None


def _value(data: Any, path: Iterable[str]) -> Any:
    for part in path:
        if not isinstance(data, dict):
            return None
        data = data.get(part)
    return data


def due_date(data: dict[str, Any], field: tuple[str, ...], check: str, argument: Any) -> Any:
    """The last day on which ``check`` with ``argument`` still passes on ``field`` of a
    record's ``data``, as the custom rule of that name decides it; None when the record
    states nothing to date (a missing value is a finding already, not a date ahead), and
    for ``within_days_of`` when the field is filled in (the obligation is met)."""
    value = _value(data, field)
    if check == "within_days_of":
        if value is not None or not isinstance(argument, dict):
            return None
        start = parse_datetime(_value(data, str(argument.get("field", "")).split(".")))
        if start is None:
            return None
        return date_after(start.date(), dt.timedelta(days=int(argument.get("days", 0))))
    day = parse_date(value)
    if day is None or argument in (None, False):
        return None
    if check == "not_past":
        return day
    if check == "within_days":
        limit = argument
        if isinstance(argument, dict):
            key = _value(data, str(argument.get("by", "")).split("."))
            limit = (argument.get("days") or {}).get(str(key))
        return None if limit is None else date_after(day, dt.timedelta(days=int(limit)))
    if check == "within_cadence":
        try:
            cadence = parse_duration(str(_value(data, (*field[:-1], str(argument)))))
        except ValueError:
            return None
        return date_after(day, cadence)
    return None


def _title(people: People, kind: str, record: Record, argument: Any) -> str:
    data, name = record.data, record.name
    if kind == VALIDATION:
        return f"Revalidate model {name} ({record.id})"
    if kind == RETRAINING:
        cadence = _value(data, ("operations", "retraining", "cadence"))
        return f"Retrain model {name} ({record.id}), every {cadence}"
    if kind == WAIVER_EXPIRY:
        subject = data.get("subject") or {}
        return (
            f"Waiver {record.id} of {data.get('rule')} for {subject.get('kind')}"
            f" {subject.get('id')} expires"
        )
    if kind == CONTRACT_END:
        organisation = _value(data, ("affiliation", "organisation"))
        rotations = ", ".join(r.id for r in people.rotations_of(record.id))
        return f"Contract of {name} ({organisation}) ends; on rotation {rotations}"
    if kind == ACCESS_REVIEW:
        return f"Access review of {name} ({record.id})"
    if kind == TRAINING:
        return f"AI-literacy training of {name} ({record.id}) to renew"
    if kind == POST_INCIDENT_REVIEW:
        return f"Post-incident review of {record.id}: {name}"
    days = argument.get("days") if isinstance(argument, dict) else "?"
    return f"Report serious incident {record.id} to the authority (Art. 73, {days} days)"


def _obligation(
    people: People,
    as_of: dt.date,
    kind: str,
    record: Record,
    where: tuple[str | int, ...],
    what: str,
    day: dt.date,
    rule: str,
    title: str,
    what_in_id: bool = False,
) -> Obligation:
    responsible = people.responsible(_named(people, kind, record))
    teams = _record_teams(people, record)
    for person in responsible:
        teams.update(people.teams_of(person.id))
    suffix = f":{what}" if what_in_id else ""
    return Obligation(
        id=f"{kind}:{record.kind.value}/{record.id}{suffix}",
        kind=kind,
        title=title,
        record_kind=record.kind,
        record_id=record.id,
        path=record.path,
        line=record.position(where)[0],
        field=what,
        date=day,
        days_left=(day - as_of).days,
        rule=rule,
        responsible=responsible,
        teams=tuple(sorted(teams)),
    )


def _selects(rule: CompiledRule, record: Record) -> bool:
    """Whether the rule's ``when`` selects the record, as the engine decides it."""
    return rule.when is None or bool(rule.when.validate(record.data, normalize=False))


def _dated(engine: Engine, people: People) -> Iterator[Obligation]:
    """The obligations that the dated checks of the rules state, one per rule and record."""
    as_of = engine.facts.as_of
    for rule in sorted(engine.rules, key=lambda r: r.id):
        for check in CHECKS:
            if rule.applies_to is not check.applies_to:
                continue
            argument = rule_constraint(rule.source, check.field, check.check)
            if argument is None:
                continue
            for record in engine.inventory.records(check.applies_to):
                day = due_date(record.data, check.field, check.check, argument)
                if day is None or not _selects(rule, record):
                    continue
                where: tuple[str | int, ...] = check.field
                if check.check == "within_days_of":  # not filled in: point at the anchor
                    where = tuple(str(argument.get("field", "")).split("."))
                title = _title(people, check.kind, record, argument)
                what = ".".join(check.field)
                yield _obligation(
                    people, as_of, check.kind, record, where, what, day, rule.id, title
                )


def _upcoming(engine: Engine, people: People) -> Iterator[Obligation]:
    """Failures of rules that apply from a later date (law, not a proposal): due then."""
    check = engine.run(engine.inventory.source.commit)
    for result in check.upcoming:
        applies = result.applies_from
        record = engine.inventory.record(result.kind, result.subject)
        if applies is None or applies.legal_status == "proposal" or record is None:
            continue
        rule = check.rule(result.rule)
        title = f"{rule.title}: {result.kind.value} {result.subject} ({applies.describe()})"
        found = _obligation(
            people,
            engine.facts.as_of,
            RULE_APPLIES,
            record,
            (),
            result.rule,
            applies.date,
            result.rule,
            title,
            what_in_id=True,
        )
        yield replace(found, line=result.line)


def obligations(inventory: Inventory, as_of: dt.date) -> list[Obligation]:
    """Every dated obligation of the inventory at ``as_of``, overdue ones included, sorted
    by date then id. Where two rules date the same obligation (a validation's
    ``next_due`` and its last date plus the window), the earlier date is kept."""
    engine = Engine(inventory, as_of)
    people = People(inventory)
    found: dict[str, Obligation] = {}
    for obligation in [*_dated(engine, people), *_upcoming(engine, people)]:
        known = found.get(obligation.id)
        if known is None or (obligation.date, obligation.rule) < (known.date, known.rule):
            found[obligation.id] = obligation
    return sorted(found.values(), key=lambda o: (o.date, o.id))


def _unknown(what: str, given: str, known: Iterable[str]) -> InventoryError:
    close = difflib.get_close_matches(given, sorted(known), n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    return InventoryError(
        f"--{what} '{given}' names no {what} of the inventory",
        hint=hint
        or f"give the id of a file in inventory/{'people' if what == 'person' else 'teams'}/",
    )


def due(
    inventory: Inventory,
    as_of: dt.date,
    *,
    within: dt.timedelta | None = None,
    within_text: str | None = None,
    person: str | None = None,
    team: str | None = None,
    file_url: str | None = None,
) -> Due:
    """What falls due at ``as_of``: every obligation up to ``as_of + within`` (every date
    without it; overdue ones always), where ``person`` is responsible or that concerns
    ``team`` (a member of it is responsible, or the record is the team's: its model, its
    member, its rotation). InventoryError, with the closest ids, for an unknown person or
    team, and when both are given."""
    if person is not None and team is not None:
        raise InventoryError("give --person or --team, not both")
    people = People(inventory)
    if person is not None and person not in people.people:
        raise _unknown("person", person, people.people)
    if team is not None and team not in people.teams:
        raise _unknown("team", team, people.teams)
    until = date_after(as_of, within) if within is not None else None
    listed = [
        o
        for o in obligations(inventory, as_of)
        if (until is None or o.date <= until or o.overdue)
        and (person is None or person in {r.id for r in o.responsible})
        and (team is None or team in o.teams)
    ]
    from compliance_tool.checks.due_handovers import due_handovers

    changes = due_handovers(inventory, people, as_of, until, person=person, team=team)
    return Due(as_of, until, within_text, person, team, tuple(listed), changes, file_url)
