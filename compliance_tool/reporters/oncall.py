"""Who is on call, as text, as JSON, and the shifts of a period as an RFC 5545 calendar."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from compliance_tool.checks.oncall import OnCall
from compliance_tool.checks.schedule import Shift

SCHEMA_VERSION = 1
PRODID = "-//compliance-tool//oncall//EN"


def _local(result: OnCall, instant: dt.datetime) -> str:
    """``Mon 2026-11-30 09:00 CET``, in the rotation's time zone."""
    return f"{instant.astimezone(result.schedule.time_zone):%a %Y-%m-%d %H:%M %Z}"


def _name(result: OnCall, person: str | None) -> str:
    if person is None:
        return "no one"
    found = result.people.get(person)
    return f"{found.label} [{person}]" if found else person


def render_text(result: OnCall) -> str:
    """The answer a person paged at 03:00 wants: who, until when, then whom, and when each
    escalation level is reached."""
    model = f" (on call for model {result.model})" if result.model else ""
    lines = [
        f"{result.rotation_name} [{result.rotation}]{model}",
        f"at {_local(result, result.at)} ({result.at_reading}; times in {result.zone})",
        "",
    ]
    shift = result.shift
    if shift is None:
        lines.append("on call: no one (a gap in the schedule)")
    else:
        kind = "override" if shift.override else f"layer {shift.layer}"
        lines.append(f"on call: {_name(result, shift.person)}, {kind}")
        lines.append(f"  since {_local(result, shift.start)}, until {_local(result, shift.end)}")
    following = result.next_handover
    if following is not None:
        lines.append(
            f"next hand-over: {_local(result, following.at)}, "
            f"{_name(result, following.from_person)} to {_name(result, following.to_person)}"
        )
    lines += ["", "escalation if nobody acknowledges:"]
    for step in result.escalation:
        who = _name(result, step.person)
        via = " (the person on call)" if step.to == "rotation" else ""
        lines.append(f"  level {step.level} at {_local(result, step.at)}: {who}{via}")
    return "\n".join(lines) + "\n"


def _shift(result: OnCall, shift: Shift) -> dict[str, Any]:
    return {
        "person": shift.person,
        "start": shift.start.isoformat(),
        "end": shift.end.isoformat(),
        "layer": shift.layer,
        "override": shift.override,
    }


def _person(result: OnCall, person: str | None) -> dict[str, Any] | None:
    found = result.people.get(person) if person else None
    if found is None:
        return None if person is None else {"id": person}
    return {
        "id": found.id,
        "name": found.name,
        "affiliation": "external" if found.external else "internal",
        "organisation": found.organisation,
    }


def render_json(result: OnCall) -> str:
    """The same answer for scripts, instants in UTC, with the shifts of the period."""
    following = result.next_handover
    document = {
        "schema_version": SCHEMA_VERSION,
        "rotation": result.rotation,
        "model": result.model,
        "time_zone": result.zone,
        "at": result.at.astimezone(dt.UTC).isoformat(),
        "on_call": _person(result, result.shift.person) if result.shift else None,
        "shift": _shift(result, result.shift) if result.shift else None,
        "next_handover": None
        if following is None
        else {
            "at": following.at.isoformat(),
            "from": following.from_person,
            "to": following.to_person,
            "layer": following.layer,
        },
        "escalation": [
            {"level": e.level, "to": e.to, "person": e.person, "at": e.at.isoformat()}
            for e in result.escalation
        ],
        "period": {"start": result.period[0].isoformat(), "end": result.period[1].isoformat()},
        "shifts": [_shift(result, s) for s in result.shifts],
    }
    return json.dumps(document, indent=2) + "\n"


def render_ics(result: OnCall) -> str:
    """The shifts of the period as an iCalendar (RFC 5545): one VEVENT per shift, times
    with the rotation's TZID and its VTIMEZONE, a UID stable across exports (rotation,
    person, start) and a DTSTAMP fixed by the period, so the same input gives the same
    bytes."""
    import icalendar

    zone = result.schedule.time_zone
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", f"On call: {result.rotation_name}")
    stamp = result.period[0].astimezone(dt.UTC)
    for shift in result.shifts:
        event = icalendar.Event()
        start = shift.start.astimezone(dt.UTC)
        event.add("uid", f"{result.rotation}-{shift.person}-{start:%Y%m%dT%H%M%SZ}@compliance-tool")
        event.add("dtstamp", stamp)
        event.add("dtstart", shift.start.astimezone(zone))
        event.add("dtend", shift.end.astimezone(zone))
        person = result.people.get(shift.person)
        name = person.name if person else shift.person
        event.add("summary", f"On call: {name} ({result.rotation})")
        kind = "override" if shift.override else f"layer {shift.layer}"
        event.add("description", f"{_name(result, shift.person)}, {kind}")
        if person is not None and person.email:
            attendee = icalendar.vCalAddress(f"mailto:{person.email}")
            attendee.params["cn"] = icalendar.vText(person.name)
            event.add("attendee", attendee, encode=False)
        calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical().decode("utf-8")
