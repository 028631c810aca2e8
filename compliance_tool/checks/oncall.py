"""The answer of ``compliance-tool oncall``: who is on call for a rotation (or a model's
rotation) at an instant, until when, the next hand-over, the escalation chain with the
time each level is reached, and the shifts of a period for a calendar export."""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from compliance_tool.checks.facts import parse_duration
from compliance_tool.checks.schedule import (
    Handover,
    Schedule,
    Shift,
    local_datetime,
    next_handover,
    on_call_at,
    parse_schedule,
    shifts,
)
from compliance_tool.errors import InventoryError
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Inventory, Record

DEFAULT_PERIOD = dt.timedelta(weeks=8)
"""The period of the calendar export when no --until is given."""


@dataclass(frozen=True, slots=True)
class Person:
    """What the on-call answer shows of a person."""

    id: str
    name: str
    external: bool
    organisation: str
    email: str = ""

    @property
    def label(self) -> str:
        """``Ravi Patel (external, Lattice MLOps Ltd)``."""
        kind = "external" if self.external else "staff"
        return f"{self.name} ({kind}, {self.organisation})" if self.organisation else self.name


@dataclass(frozen=True, slots=True)
class Escalation:
    """One level of the chain: who is paged and when, if nobody acknowledges."""

    level: int
    to: str
    """``rotation`` or the Person id the record names."""
    person: str | None
    """The Person id paged (the one on call for ``rotation``), None when nobody."""
    at: dt.datetime


@dataclass(frozen=True, slots=True)
class OnCall:
    """Who answers a rotation's pages at ``at`` and the shifts of ``period``."""

    rotation: str
    rotation_name: str
    model: str | None
    schedule: Schedule
    at: dt.datetime
    at_reading: str
    """How ``--at`` was read, e.g. ``local time in Europe/Berlin``."""
    shift: Shift | None
    next_handover: Handover | None
    escalation: tuple[Escalation, ...]
    people: dict[str, Person]
    period: tuple[dt.datetime, dt.datetime]
    shifts: tuple[Shift, ...]

    @property
    def zone(self) -> str:
        return self.schedule.zone_name


def parse_instant(text: str, zone: ZoneInfo) -> tuple[dt.datetime, str]:
    """``--at``: an ISO 8601 date-time with an offset or ``Z``, or a local date-time
    (``2026-11-29T03:00``) read in ``zone``; with how it was read. ValueError otherwise."""
    found = local_datetime(text.strip(), zone) if "T" in text.upper() else None
    if found is None:
        raise ValueError(
            f"'{text}' is not an ISO 8601 date-time: give e.g. 2026-11-29T03:00:00Z, "
            "2026-11-29T03:00+01:00, or 2026-11-29T03:00 for local time in the rotation's "
            "time zone"
        )
    explicit = found.tzinfo is not zone
    return found, "as given" if explicit else f"local time in {zone.key}"


def _people(inventory: Inventory) -> dict[str, Person]:
    found = {}
    for record in inventory.records(Kind.PERSON):
        affiliation = record.data.get("affiliation") or {}
        found[record.id] = Person(
            record.id,
            str(record.data.get("name") or record.id),
            affiliation.get("type") == "external",
            str(affiliation.get("organisation") or ""),
            str(record.data.get("email") or ""),
        )
    return found


def resolve(inventory: Inventory, name: str) -> tuple[Record, str | None]:
    """The Rotation ``name`` names, directly or as a model's ``operations.oncall``, and the
    model; InventoryError with the closest ids when it names neither."""
    rotation = inventory.record(Kind.ROTATION, name)
    if rotation is not None:
        return rotation, None
    model = inventory.record(Kind.MODEL, name)
    if model is not None:
        oncall = (model.data.get("operations") or {}).get("oncall")
        rotation = inventory.record(Kind.ROTATION, str(oncall)) if oncall else None
        if rotation is None:
            raise InventoryError(
                f"model '{name}' names no rotation that exists (operations.oncall: {oncall})",
                where=model.path,
                hint="set operations.oncall to a rotation of inventory/rotations/",
            )
        return rotation, model.id
    known = sorted(inventory.ids[Kind.ROTATION]) + sorted(inventory.ids[Kind.MODEL])
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
    raise InventoryError(
        f"'{name}' is neither a rotation nor a model of the inventory",
        hint=f"did you mean {', '.join(repr(c) for c in close)}?"
        if close
        else "give a Rotation id (inventory/rotations/) or a Model id",
    )


def schedule_of(rotation: Record) -> Schedule:
    """The rotation's computable schedule; InventoryError when it has none."""
    try:
        schedule = parse_schedule(rotation)
    except ValueError as error:
        raise InventoryError(
            f"the schedule of rotation '{rotation.id}' cannot be computed: {error}",
            where=rotation.path,
            hint="run 'compliance-tool validate' for each problem with its line",
        ) from None
    if schedule is None:
        raise InventoryError(
            f"rotation '{rotation.id}' states no structured schedule",
            where=rotation.path,
            hint="state schedule: with time_zone and layers (see schemas/rotation.schema.json)",
        )
    return schedule


def _escalation(rotation: Record, at: dt.datetime, on_call: str | None) -> tuple[Escalation, ...]:
    chain = []
    for step in rotation.data.get("escalation") or ():
        to = str(step.get("to"))
        try:
            after = parse_duration(str(step.get("after") or "PT0S"))
        except ValueError:
            after = dt.timedelta(0)
        person = on_call if to == "rotation" else to
        chain.append(Escalation(int(step.get("level") or 0), to, person, at + after))
    return tuple(sorted(chain, key=lambda e: (e.at, e.level)))


def oncall(
    inventory: Inventory,
    name: str,
    now: dt.datetime,
    at: str | None = None,
    start: dt.date | None = None,
    until: dt.date | None = None,
) -> OnCall:
    """Who is on call for ``name`` (a rotation or a model) at ``at`` (``now`` without
    it; see :func:`parse_instant`), and the shifts from local midnight of ``start``
    (default: the day of the instant) until local midnight of ``until`` (default: eight
    weeks later). ValueError for an ``at`` that is not a date-time."""
    rotation, model = resolve(inventory, name)
    schedule = schedule_of(rotation)
    zone = schedule.time_zone
    instant, reading = parse_instant(at, zone) if at else (now, "now")
    first = start or instant.astimezone(zone).date()
    begin = dt.datetime.combine(first, dt.time(), zone)
    end = dt.datetime.combine(until, dt.time(), zone) if until else begin + DEFAULT_PERIOD
    if end <= begin:
        raise InventoryError(f"--until {until} is not after --from {first}", hint="swap them")
    shift = on_call_at(schedule, instant)
    return OnCall(
        rotation.id,
        str(rotation.data.get("name") or rotation.id),
        model,
        schedule,
        instant,
        reading,
        shift,
        next_handover(schedule, instant),
        _escalation(rotation, instant, shift.person if shift else None),
        _people(inventory),
        (begin, end),
        tuple(shifts(schedule, begin, end)),
    )
