"""The on-call hand-overs that ``due`` lists beside the obligations: every change of who
is on call on a rotation whose ``schedule`` the record states, in the rotation's time
zone, from the evaluation date to the end of the listed period."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from compliance_tool.checks.due import People, Responsible
from compliance_tool.checks.schedule import handovers, parse_schedule
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Inventory, Record

HORIZON = dt.timedelta(days=30)
"""How far ahead hand-overs are listed when ``due`` is given no ``--within``."""


@dataclass(frozen=True, slots=True)
class DueHandover:
    """One hand-over: who takes over a rotation, from whom, and when."""

    id: str
    """Stable: ``handover:Rotation/ID:UTC-instant`` (a hand-over is its moment)."""
    rotation: str
    at: dt.datetime
    """In the rotation's time zone."""
    layer: str
    from_person: Responsible | None
    """None after a stretch with nobody on call."""
    to_person: Responsible
    path: str
    line: int
    team: str | None

    @property
    def people(self) -> tuple[Responsible, ...]:
        return (self.to_person,) if self.from_person is None else (self.from_person, self.to_person)

    @property
    def location(self) -> str:
        return f"{self.path}:{self.line}"


def _of(
    people: People, rotation: Record, start: dt.datetime, end: dt.datetime
) -> list[DueHandover]:
    try:
        schedule = parse_schedule(rotation)
    except ValueError:  # validate names the problem; nothing to list
        return []
    if schedule is None:
        return []
    line, _ = rotation.position(("schedule",))
    found = []
    for change in handovers(schedule, start, end):
        if change.to_person is None:  # into a gap: ONC-01-schedule-covers-week reports it
            continue
        moment = change.at.astimezone(dt.UTC).strftime("%Y%m%dT%H%MZ")
        found.append(
            DueHandover(
                id=f"handover:Rotation/{rotation.id}:{moment}",
                rotation=rotation.id,
                at=change.at.astimezone(schedule.time_zone),
                layer=change.layer,
                from_person=people.person(change.from_person, ("hands over",))
                if change.from_person
                else None,
                to_person=people.person(change.to_person, ("takes over",)),
                path=rotation.path,
                line=line,
                team=str(rotation.data["team"]) if rotation.data.get("team") else None,
            )
        )
    return found


def due_handovers(
    inventory: Inventory,
    people: People,
    as_of: dt.date,
    until: dt.date | None,
    *,
    person: str | None = None,
    team: str | None = None,
) -> tuple[DueHandover, ...]:
    """The hand-overs from ``as_of`` (00:00 UTC) to the end of ``until`` (or
    :data:`HORIZON`), where ``person`` hands over or takes over, or that concern ``team``
    (its rotation, or one of its members hands over or takes over); every one without
    ``person`` and ``team``."""
    start = dt.datetime(as_of.year, as_of.month, as_of.day, tzinfo=dt.UTC)
    last = until if until is not None else as_of + HORIZON
    end = dt.datetime(last.year, last.month, last.day, tzinfo=dt.UTC) + dt.timedelta(days=1)
    members = people.members.get(team, set()) if team else set()
    listed = []
    for rotation in sorted(inventory.records(Kind.ROTATION), key=lambda r: r.id):
        for item in _of(people, rotation, start, end):
            ids = {p.id for p in item.people}
            if person is not None and person not in ids:
                continue
            if team is not None and item.team != team and not ids & members:
                continue
            listed.append(item)
    return tuple(sorted(listed, key=lambda h: (h.at.astimezone(dt.UTC), h.rotation)))
