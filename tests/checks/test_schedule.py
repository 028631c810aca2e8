"""On-call schedules computed from a Rotation's structured schedule: hand-overs at the local
wall-clock time across both daylight-saving changes of Europe/Berlin, restrictions across
midnight, later layers over earlier ones, overrides over all, gaps and their words."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from compliance_tool.checks.schedule import (
    Schedule,
    describe_gap,
    gaps,
    handovers,
    next_handover,
    on_call_at,
    parse_schedule,
    schedule_problems,
    shifts,
    week_gaps,
)

BERLIN = ZoneInfo("Europe/Berlin")
UTC = dt.UTC
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"]


def rotation(*layers: dict[str, Any], **schedule: Any) -> dict[str, Any]:
    return {
        "id": "r",
        "members": ["ann", "bob", "cem", "dan"],
        "schedule": {"time_zone": "Europe/Berlin", "layers": list(layers), **schedule},
    }


def layer(order: list[str], handover: str = "P7D", **extra: Any) -> dict[str, Any]:
    base = {"name": "weekly", "start": "2026-01-05T09:00", "handover": handover, "order": order}
    return base | extra


def parsed(*layers: dict[str, Any], **schedule: Any) -> Schedule:
    found = parse_schedule(rotation(*layers, **schedule))
    assert found is not None
    return found


def berlin(*parts: int) -> dt.datetime:
    return dt.datetime(*parts, tzinfo=BERLIN)


def who(schedule: Schedule, instant: dt.datetime) -> str | None:
    shift = on_call_at(schedule, instant)
    return shift.person if shift else None


def test_free_text_or_absent_schedules_are_not_computed() -> None:
    assert parse_schedule({"id": "r", "schedule": "Weekly hand-over Monday 09:00 CET"}) is None
    assert parse_schedule({"id": "r"}) is None
    with pytest.raises(ValueError, match="unknown time zone 'Mars/Olympus'"):
        parse_schedule(rotation(layer(["ann"]), time_zone="Mars/Olympus"))


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # spring forward: Sunday 2026-03-29 02:00 CET becomes 03:00 CEST
        ((2026, 3, 23, 8), (2026, 3, 30, 7)),
        # fall back: Sunday 2026-10-25 03:00 CEST becomes 02:00 CET
        ((2026, 10, 19, 7), (2026, 10, 26, 8)),
    ],
)
def test_weekly_hand_overs_stay_at_nine_local_across_daylight_saving_changes(
    before: tuple[int, ...], after: tuple[int, ...]
) -> None:
    schedule = parsed(layer(["ann", "bob"]))
    first = dt.datetime(*before, tzinfo=UTC)
    second = dt.datetime(*after, tzinfo=UTC)
    found = handovers(schedule, first - dt.timedelta(hours=1), second + dt.timedelta(hours=1))
    assert [h.at for h in found] == [first, second]
    assert all(h.at.astimezone(BERLIN).hour == 9 for h in found)
    # the week between is an hour shorter or longer than 168 hours, as the clocks moved
    week = on_call_at(schedule, first + dt.timedelta(days=3))
    assert week is not None and (week.start, week.end) == (first, second)
    assert abs((second - first) - dt.timedelta(days=7)) == dt.timedelta(hours=1)


def test_twelve_hour_hand_overs_follow_the_wall_clock_through_the_short_night() -> None:
    schedule = parsed(layer(["ann", "bob"], handover="PT12H", start="2026-03-28T21:00"))
    night = on_call_at(schedule, berlin(2026, 3, 29, 4))
    assert night is not None
    assert night.start.astimezone(BERLIN).hour == 21 and night.end.astimezone(BERLIN).hour == 9
    assert night.end - night.start == dt.timedelta(hours=11)  # the night of 29 March


def test_a_restriction_whose_end_is_before_its_start_crosses_midnight() -> None:
    nights = layer(["cem"], restrictions=[{"days": ["fri"], "from": "22:00", "to": "06:00"}])
    schedule = parsed(nights)
    assert who(schedule, berlin(2026, 11, 27, 23)) == "cem"  # Friday night
    assert who(schedule, berlin(2026, 11, 28, 5, 59)) == "cem"  # Saturday morning
    assert who(schedule, berlin(2026, 11, 28, 6)) is None
    assert who(schedule, berlin(2026, 11, 27, 5)) is None  # Thursday night is not Friday's


def test_a_later_layer_wins_where_both_have_someone() -> None:
    day = layer(["ann", "bob"])
    london = layer(["cem"], name="london", restrictions=[{"from": "18:00", "to": "08:00"}])
    schedule = parsed(day, london)
    assert who(schedule, berlin(2026, 11, 25, 12)) == "ann"
    assert who(schedule, berlin(2026, 11, 25, 3)) == "cem"
    shift = on_call_at(schedule, berlin(2026, 11, 25, 3))
    assert shift is not None and shift.layer == "london"
    assert (shift.start, shift.end) == (berlin(2026, 11, 24, 18), berlin(2026, 11, 25, 8))


def test_an_override_wins_over_every_layer_and_is_a_shift_of_its_own() -> None:
    swap = {"person": "dan", "from": "2026-11-25T10:00", "to": "2026-11-25T12:00Z"}
    schedule = parsed(layer(["ann"]), overrides=[swap])
    pieces = shifts(schedule, berlin(2026, 11, 25), berlin(2026, 11, 26))
    assert [(s.person, s.start.astimezone(BERLIN).hour, s.override) for s in pieces] == [
        ("ann", 0, False),
        ("dan", 10, True),
        ("ann", 13, False),
    ]
    assert next_handover(schedule, berlin(2026, 11, 25, 9)) is not None
    assert [
        h.to_person for h in handovers(schedule, berlin(2026, 11, 25), berlin(2026, 11, 26))
    ] == [
        "dan",
        "ann",
    ]


def test_shifts_of_one_person_across_layers_merge() -> None:
    schedule = parsed(
        layer(["ann"]),
        layer(["ann"], name="nights", restrictions=[{"from": "18:00", "to": "08:00"}]),
    )
    (whole,) = shifts(schedule, berlin(2026, 11, 25), berlin(2026, 11, 27))
    assert (whole.person, whole.layer) == (
        "ann",
        "nights, weekly",
    )  # from midnight: the night first


def test_gaps_and_the_week_wrapping_gap_in_local_words() -> None:
    weekend = [
        {"days": WEEKDAYS, "from": "18:00", "to": "09:00"},
        {"days": ["sat"], "from": "09:00", "to": "24:00"},
        {"days": ["sun"], "from": "00:00", "to": "22:00"},
    ]
    schedule = parsed(
        layer(["bob"], name="out-of-hours", restrictions=weekend),
        layer(
            ["ann"],
            name="business",
            restrictions=[{"days": WEEKDAYS, "from": "09:00", "to": "18:00"}],
        ),
    )
    (gap,) = week_gaps(schedule, dt.date(2026, 11, 26))
    assert describe_gap(schedule, *gap) == "Sun 22:00–Mon 09:00 Europe/Berlin"
    assert gaps(schedule, berlin(2026, 11, 29, 12), berlin(2026, 11, 30, 12)) == [
        (berlin(2026, 11, 29, 22), berlin(2026, 11, 30, 9))
    ]
    assert on_call_at(schedule, berlin(2026, 11, 30, 3)) is None
    assert week_gaps(parsed(layer(["ann"])), dt.date(2026, 11, 26)) == []


def test_nobody_is_on_call_before_a_layer_starts() -> None:
    schedule = parsed(layer(["ann"], start="2026-12-01T09:00"))
    assert who(schedule, berlin(2026, 12, 1, 8, 59)) is None
    assert who(schedule, berlin(2026, 12, 1, 9)) == "ann"


def test_problems_say_what_is_wrong_and_how_to_fix_it() -> None:
    overlapping = [
        {"person": "ann", "from": "2026-12-24T09:00", "to": "2026-12-27T09:00"},
        {"person": "bob", "from": "2026-12-26T08:00Z", "to": "2026-12-28T09:00"},
    ]
    bad = rotation(
        layer(["ann", "zed"], restrictions=[{"from": "9", "to": "24:00"}]), overrides=overlapping
    )
    found = {
        ".".join(map(str, path)): (message, hint) for path, message, hint in schedule_problems(bad)
    }
    assert found["schedule.layers.0.order.1"][0] == (
        "'zed' is in the schedule but not a member of the rotation"
    )
    assert "add 'zed' to members" in found["schedule.layers.0.order.1"][1]
    assert found["schedule.layers.0.restrictions.0.from"][0] == (
        "restriction time '9' is not a time of day"
    )
    assert "overlaps override 1" in found["schedule.overrides.1.from"][0]
    assert len(found) == 3
    zone = schedule_problems(rotation(layer(["ann"]), time_zone="Europe/Berlim"))
    assert zone == [
        (
            ("schedule", "time_zone"),
            "unknown time zone 'Europe/Berlim'",
            "did you mean 'Europe/Berlin'? give an IANA time zone name, e.g. Europe/Berlin, "
            "Europe/London or UTC",
        )
    ]
    assert schedule_problems({"schedule": "free text"}) == []
