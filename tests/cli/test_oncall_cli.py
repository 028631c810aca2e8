"""``oncall`` on the sample: who is on call at an instant, the escalation chain with its
times, bad input, and the acceptance of issue 16: the iCalendar export, expanded by an
independent reader (recurring-ical-events), agrees with the schedule on 100 instants,
including both daylight-saving changes of Europe/Berlin."""

from __future__ import annotations

import datetime as dt
import json
import random
from zoneinfo import ZoneInfo

import icalendar
import recurring_ical_events
from support.cli import invoke
from support.repos import REPO_ROOT

from compliance_tool.checks.schedule import on_call_at, parse_schedule
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.session import Where, open_inventory

BERLIN = ZoneInfo("Europe/Berlin")


def oncall(*args: str) -> tuple[int, str, str]:
    result = invoke("--repo", REPO_ROOT, "oncall", *args)
    return result.exit_code, result.stdout, result.stderr


def test_who_is_on_call_on_a_sunday_night_and_the_escalation_times() -> None:
    code, out, _ = oncall("ml-sre-payments", "--at", "2026-11-29T03:00")
    assert code == 0
    assert "at Sun 2026-11-29 03:00 CET (local time in Europe/Berlin;" in out
    assert "on call: Ravi Patel (external, Lattice MLOps Ltd) [rpatel]" in out
    assert "until Mon 2026-11-30 09:00 CET" in out
    assert "next hand-over: Mon 2026-11-30 09:00 CET, Ravi Patel" in out
    assert "to Mara Voss (external, Lattice MLOps Ltd) [mvoss]" in out
    assert "level 2 at Sun 2026-11-29 03:15 CET: Anna Smith (staff, Northmoor Bank)" in out
    assert "level 3 at Sun 2026-11-29 03:45 CET:" in out


def test_a_model_answers_with_its_rotation_and_an_offset_is_taken_as_given() -> None:
    code, out, _ = oncall("credit-scoring", "--at", "2026-11-25T11:00Z", "--format", "json")
    assert code == 0
    document = json.loads(out)
    assert (document["rotation"], document["model"]) == ("ml-sre-credit", "credit-scoring")
    assert document["at"] == "2026-11-25T11:00:00+00:00"
    assert document["on_call"]["affiliation"] in ("internal", "external")
    assert [e["at"] for e in document["escalation"]] == [
        "2026-11-25T11:00:00+00:00",
        "2026-11-25T11:15:00+00:00",
        "2026-11-25T11:30:00+00:00",
    ]
    # P14: nobody on Sunday night
    code, out, _ = oncall("ml-sre-credit", "--at", "2026-11-29T23:30")
    assert code == 0 and "on call: no one (a gap in the schedule)" in out


def test_bad_input_exits_2_with_a_message_that_helps() -> None:
    code, _, err = oncall("ml-sre-payment")
    assert code == 2
    assert "'ml-sre-payment' is neither a rotation nor a model" in err
    assert "did you mean 'ml-sre-payments'" in err
    code, _, err = oncall("ml-sre-payments", "--at", "next sunday")
    assert code == 2
    assert "--at" in err and "'next sunday' is not an ISO 8601 date-time" in err
    code, _, err = oncall("ml-sre-payments", "--from", "2026-12-10", "--until", "2026-12-01")
    assert code == 2 and "is not after --from" in err


def test_the_calendar_and_the_schedule_agree_on_100_instants() -> None:
    code, out, _ = oncall(
        "ml-sre-payments", "--format", "ics", "--from", "2026-03-01", "--until", "2026-11-30"
    )
    assert code == 0
    calendar = icalendar.Calendar.from_ical(out)
    events = calendar.walk("VEVENT")
    assert len({str(e["UID"]) for e in events}) == len(events)
    assert all(e["DTSTART"].params["TZID"] == "Europe/Berlin" for e in events)
    assert calendar.walk("VTIMEZONE")[0]["TZID"] == "Europe/Berlin"
    assert {str(e["DTSTAMP"].to_ical(), "ascii") for e in events} == {"20260228T230000Z"}
    assert "mailto:tobias.bauer@northmoorbank.eu" in out
    inventory = open_inventory(Where(REPO_ROOT, None, use_cache=False))
    schedule = parse_schedule(inventory.record(Kind.ROTATION, "ml-sre-payments"))
    assert schedule is not None
    names = {p.id: p.data["name"] for p in inventory.records(Kind.PERSON)}
    around_changes = [
        dt.datetime(2026, 3, 29, 1, 30, tzinfo=BERLIN),
        dt.datetime(2026, 3, 29, 3, 30, tzinfo=BERLIN),
        dt.datetime(2026, 3, 30, 8, 59, tzinfo=BERLIN),
        dt.datetime(2026, 3, 30, 9, 0, tzinfo=BERLIN),
        dt.datetime(2026, 10, 25, 2, 30, tzinfo=BERLIN),
        dt.datetime(2026, 10, 25, 2, 30, fold=1, tzinfo=BERLIN),
        dt.datetime(2026, 10, 26, 8, 0, tzinfo=BERLIN),
        dt.datetime(2026, 10, 26, 9, 0, tzinfo=BERLIN),
    ]
    draw = random.Random(16)
    first = dt.datetime(2026, 3, 1, tzinfo=BERLIN).timestamp()
    last = dt.datetime(2026, 11, 29, tzinfo=BERLIN).timestamp()
    instants = around_changes + [
        dt.datetime.fromtimestamp(draw.uniform(first, last) // 60 * 60, dt.UTC)
        for _ in range(100 - len(around_changes))
    ]
    expanded = [
        (e["DTSTART"].dt, e["DTEND"].dt, str(e["SUMMARY"]))
        for e in recurring_ical_events.of(calendar).between((2026, 3, 1), (2026, 11, 30))
    ]
    for instant in instants:
        found = [summary for start, end, summary in expanded if start <= instant < end]
        shift = on_call_at(schedule, instant)
        assert shift is not None, instant
        assert found == [f"On call: {names[shift.person]} (ml-sre-payments)"], instant
    # and the command itself, at a few of them, in its own words
    for instant in instants[:6]:
        code, out, _ = oncall("ml-sre-payments", "--at", instant.isoformat(), "--format", "json")
        shift = on_call_at(schedule, instant)
        assert code == 0 and shift is not None
        assert json.loads(out)["on_call"]["id"] == shift.person, instant
