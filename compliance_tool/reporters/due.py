"""What falls due as text, JSON (schemas/due-result.schema.json) and an RFC 5545 calendar.

The calendar has one all-day event per obligation. Its UID is the obligation's stable id
(kind, record, what; never the date), so a calendar that subscribes to the feed moves an
entry when its date moves instead of adding a second one; DTSTAMP is the evaluation date,
so the same inventory at the same date gives the same bytes. Other dated entries (the
on-call hand-overs of a rotation's structured schedule) join the same calendar through
:func:`calendar`'s ``extra``.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from compliance_tool import __version__
from compliance_tool.checks.due import Due, Obligation, Responsible

if TYPE_CHECKING:
    import icalendar

    from compliance_tool.checks.due_handovers import DueHandover

SCHEMA_VERSION = 1

UID_DOMAIN = "compliance-tool"
"""What follows ``@`` in every UID: the same on every clone, so UIDs stay stable."""

REMINDER = dt.timedelta(days=7)
"""How long before the due date a calendar reminds (VALARM)."""


def _when(obligation: Obligation) -> str:
    if obligation.overdue:
        return f"overdue by {-obligation.days_left} day(s)"
    if obligation.days_left == 0:
        return "due today"
    return f"in {obligation.days_left} day(s)"


def _person(person: Responsible) -> str:
    return f"{person.name} ({person.id}, {', '.join(person.roles)})"


def _who(obligation: Obligation) -> str:
    return "; ".join(_person(p) for p in obligation.responsible) or "nobody named"


def _scope(result: Due) -> str:
    parts = [f"as of {result.as_of.isoformat()}"]
    if result.until is not None:
        parts.append(f"until {result.until.isoformat()} ({result.within})")
    if result.person:
        parts.append(f"for person {result.person}")
    if result.team:
        parts.append(f"for team {result.team}")
    return ", ".join(parts)


def render_text(result: Due) -> str:
    lines = [
        f"{len(result.obligations)} obligation(s) due {_scope(result)},"
        f" {len(result.overdue)} overdue"
    ]
    for o in result.obligations:
        lines += [
            "",
            f"{o.date.isoformat()}  {_when(o)}  [{o.kind}]  {o.title}",
            f"  {o.location}  {o.record_kind.value} {o.record_id}, rule {o.rule}",
            f"  responsible: {_who(o)}",
        ]
    if result.handovers:
        lines += ["", f"{len(result.handovers)} on-call hand-over(s)"]
    for h in result.handovers:
        lines.append(f"  {h.at.isoformat(timespec='minutes')}  {h.rotation}: {_handing(h)}")
    return "\n".join(lines) + "\n"


def _handing(handover: DueHandover) -> str:
    giver = handover.from_person.name if handover.from_person else "nobody (after a gap)"
    return f"{giver} → {handover.to_person.name}"


def _people(people: Iterable[Responsible]) -> list[dict[str, Any]]:
    return [{"id": p.id, "name": p.name, "email": p.email, "roles": list(p.roles)} for p in people]


def _handover(handover: DueHandover) -> dict[str, Any]:
    return {
        "id": handover.id,
        "uid": f"{handover.id}@{UID_DOMAIN}",
        "rotation": handover.rotation,
        "at": handover.at.isoformat(),
        "time_zone": str(handover.at.tzinfo),
        "layer": handover.layer,
        "from": handover.from_person.id if handover.from_person else None,
        "to": handover.to_person.id,
        "people": _people(handover.people),
        "file": handover.path,
        "line": handover.line,
    }


def _obligation(obligation: Obligation) -> dict[str, Any]:
    return {
        "id": obligation.id,
        "uid": uid(obligation),
        "kind": obligation.kind,
        "title": obligation.title,
        "record": {"kind": obligation.record_kind.value, "id": obligation.record_id},
        "file": obligation.path,
        "line": obligation.line,
        "field": obligation.field,
        "date": obligation.date.isoformat(),
        "days_left": obligation.days_left,
        "overdue": obligation.overdue,
        "rule": obligation.rule,
        "responsible": _people(obligation.responsible),
        "teams": list(obligation.teams),
    }


def due_document(result: Due) -> dict[str, Any]:
    """The JSON document of a result (schemas/due-result.schema.json)."""
    return {
        "version": SCHEMA_VERSION,
        "as_of": result.as_of.isoformat(),
        "within": result.within,
        "until": result.until.isoformat() if result.until else None,
        "person": result.person,
        "team": result.team,
        "passed": result.passed,
        "summary": {
            "total": len(result.obligations),
            "overdue": len(result.overdue),
            "handovers": len(result.handovers),
        },
        "obligations": [_obligation(o) for o in result.obligations],
        "handovers": [_handover(h) for h in result.handovers],
    }


def render_json(result: Due) -> str:
    return json.dumps(due_document(result), indent=2, sort_keys=True) + "\n"


def uid(obligation: Obligation) -> str:
    """The UID of an obligation's calendar event."""
    return f"{obligation.id}@{UID_DOMAIN}"


def _attendee(person: Responsible) -> icalendar.vCalAddress:
    import icalendar

    address = (
        f"mailto:{person.email}" if person.email else f"urn:x-compliance-tool:person:{person.id}"
    )
    attendee = icalendar.vCalAddress(address)
    attendee.params["CN"] = icalendar.vText(person.name)
    attendee.params["ROLE"] = icalendar.vText("REQ-PARTICIPANT")
    return attendee


def link(template: str | None, path: str, line: int) -> str | None:
    """The web address of a record's file (``links.files``), or None without one."""
    return template.replace("{path}", path).replace("{line}", str(line)) if template else None


def event(
    obligation: Obligation, stamp: dt.datetime, file_url: str | None = None
) -> icalendar.Event:
    """The all-day event of one obligation, with its reminder (and a link to the record's
    file where ``file_url`` is the repository's ``links.files``)."""
    import icalendar

    entry = icalendar.Event()
    entry.add("uid", uid(obligation))
    entry.add("dtstamp", stamp)
    entry.add("dtstart", obligation.date)
    entry.add("dtend", obligation.date + dt.timedelta(days=1))
    entry.add("summary", obligation.title)
    entry.add(
        "description",
        "\n".join(
            [
                f"{obligation.title} ({_when(obligation)} on {obligation.date.isoformat()}).",
                f"Rule: {obligation.rule}",
                f"Record: {obligation.record_kind.value} {obligation.record_id}",
                f"File: {obligation.location} ({obligation.field})",
                f"Responsible: {_who(obligation)}",
            ]
        ),
    )
    address = link(file_url, obligation.path, obligation.line)
    if address:
        entry.add("url", address)
    entry.add("categories", [obligation.kind])
    entry.add("transp", "TRANSPARENT")
    for person in obligation.responsible:
        entry.add("attendee", _attendee(person))
    alarm = icalendar.Alarm()
    alarm.add("action", "DISPLAY")
    alarm.add("description", f"Due {obligation.date.isoformat()}: {obligation.title}")
    alarm.add("trigger", -REMINDER)
    entry.add_component(alarm)
    return entry


def handover_event(
    handover: DueHandover, stamp: dt.datetime, file_url: str | None = None
) -> icalendar.Event:
    """The event of one on-call hand-over, at its local time in the rotation's zone."""
    import icalendar

    entry = icalendar.Event()
    entry.add("uid", f"{handover.id}@{UID_DOMAIN}")
    entry.add("dtstamp", stamp)
    entry.add("dtstart", handover.at)
    entry.add("summary", f"On-call hand-over ({handover.rotation}): {_handing(handover)}")
    entry.add(
        "description",
        "\n".join(
            [
                f"{handover.to_person.name} takes over {handover.rotation}"
                f" ({handover.layer}) at {handover.at.isoformat(timespec='minutes')}.",
                f"File: {handover.location} (schedule)",
            ]
        ),
    )
    address = link(file_url, handover.path, handover.line)
    if address:
        entry.add("url", address)
    entry.add("categories", ["handover"])
    entry.add("transp", "TRANSPARENT")
    for person in handover.people:
        entry.add("attendee", _attendee(person))
    return entry


def calendar(result: Due, extra: Iterable[icalendar.Event] = ()) -> icalendar.Calendar:
    """The calendar of a result: one event per obligation, one per on-call hand-over,
    then the ``extra`` events, in the order given."""
    import icalendar

    feed = icalendar.Calendar()
    feed.add("prodid", f"-//compliance-tool//due {__version__}//EN")
    feed.add("version", "2.0")
    feed.add("calscale", "GREGORIAN")
    feed.add("x-wr-calname", f"Due: {_scope(result)}")
    stamp = dt.datetime(result.as_of.year, result.as_of.month, result.as_of.day, tzinfo=dt.UTC)
    for obligation in result.obligations:
        feed.add_component(event(obligation, stamp, result.file_url))
    for handover in result.handovers:
        feed.add_component(handover_event(handover, stamp, result.file_url))
    for entry in extra:
        feed.add_component(entry)
    if result.handovers:
        feed.add_missing_timezones()  # a VTIMEZONE for each TZID the hand-overs use
    return feed


def render_ics(result: Due) -> str:
    return calendar(result).to_ical().decode("utf-8")
