"""On-call schedules as data: who is on call when, computed from a Rotation's ``schedule``.

A schedule has a time zone, layers and overrides, as in PagerDuty and Opsgenie. A layer
hands over from one member of its ``order`` to the next every ``handover`` (an ISO 8601
duration) from its local ``start``, at the local wall-clock time, so a weekly Monday 09:00
hand-over stays at 09:00 across daylight-saving changes. A layer with ``restrictions`` has
someone only inside them (business hours, out of hours; a window whose ``to`` is earlier
than its ``from`` crosses midnight and belongs to the day it starts on). Where two layers
both have someone, the later layer wins; an override wins over every layer.

Everything here is pure: instants are aware datetimes, and nothing reads the clock.
"""

from __future__ import annotations

import datetime as dt
import difflib
import itertools
import re
import zoneinfo
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from compliance_tool.checks.facts import parse_duration

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
"""Day names of restrictions, Monday first (``datetime.weekday()`` order)."""

_TIME = re.compile(r"^(?:[01][0-9]|2[0-3]):[0-5][0-9]$|^24:00$")
_LONGEST_SHIFT = dt.timedelta(days=400)
"""How far ``on_call_at`` and ``next_handover`` look for the ends of a shift."""


@dataclass(frozen=True, slots=True)
class Restriction:
    """A daily window on some days of the week, in minutes after local midnight;
    ``end <= start`` crosses midnight into the next day."""

    days: frozenset[int]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Layer:
    """Members in hand-over order, from a local start, every ``handover``."""

    name: str
    start: dt.datetime
    """Local wall-clock time of the first hand-over (naive)."""
    handover: dt.timedelta
    order: tuple[str, ...]
    restrictions: tuple[Restriction, ...] = ()


@dataclass(frozen=True, slots=True)
class Override:
    """Someone on call instead of the layers, from ``start`` until ``end``."""

    person: str
    start: dt.datetime
    end: dt.datetime
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Schedule:
    """The computable schedule of one rotation."""

    rotation: str
    time_zone: zoneinfo.ZoneInfo
    layers: tuple[Layer, ...]
    overrides: tuple[Override, ...] = ()
    note: str = ""

    @property
    def zone_name(self) -> str:
        return self.time_zone.key


@dataclass(frozen=True, slots=True)
class Shift:
    """One person on call without interruption, from one layer or from an override."""

    person: str
    start: dt.datetime
    end: dt.datetime
    layer: str
    """The layer's name, or ``override`` for an override."""
    override: bool = False


@dataclass(frozen=True, slots=True)
class Handover:
    """The moment on-call passes from one person to another (None: nobody)."""

    at: dt.datetime
    from_person: str | None
    to_person: str | None
    layer: str
    """The layer (or ``override``) of the person who takes over, or of the one who
    leaves when nobody takes over."""


def minutes_of(text: Any) -> int | None:
    """``HH:MM`` (``24:00`` allowed) as minutes after midnight, None when malformed."""
    if not isinstance(text, str) or not _TIME.match(text):
        return None
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


def local_datetime(value: Any, zone: zoneinfo.ZoneInfo) -> dt.datetime | None:
    """An ISO 8601 date-time as an aware datetime: with its offset (or ``Z``) as given,
    without one as local time in ``zone``; None when it is not a date-time."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, str) and len(value) >= 16 and "T" in value.upper():
        try:
            parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace("z", "+00:00"))
        except ValueError:
            return None
    else:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=zone)


def zone_of(name: Any) -> zoneinfo.ZoneInfo | None:
    """The IANA time zone ``name`` (e.g. Europe/Berlin), None when there is none."""
    if not isinstance(name, str) or not name or name.startswith("/") or ".." in name:
        return None
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return None


def _restriction(raw: dict[str, Any]) -> Restriction:
    days = raw.get("days") or DAYS
    start, end = minutes_of(raw.get("from")), minutes_of(raw.get("to"))
    if start is None or end is None or start == 24 * 60:
        raise ValueError(f"restriction times '{raw.get('from')}'-'{raw.get('to')}' are malformed")
    return Restriction(frozenset(DAYS.index(str(d)) for d in days), start, end)


def _layer(raw: dict[str, Any], index: int, zone: zoneinfo.ZoneInfo) -> Layer:
    start = local_datetime(raw.get("start"), zone)
    if start is None:
        raise ValueError(f"layer {index + 1} has no start date-time")
    local = start.astimezone(zone).replace(tzinfo=None)
    handover = parse_duration(str(raw.get("handover")))
    order = tuple(str(p) for p in raw.get("order") or ())
    if handover <= dt.timedelta(0) or not order:
        raise ValueError(f"layer {index + 1} needs a positive handover and an order")
    restrictions = tuple(_restriction(r) for r in raw.get("restrictions") or ())
    return Layer(str(raw.get("name") or f"layer {index + 1}"), local, handover, order, restrictions)


def parse_schedule(rotation: Any) -> Schedule | None:
    """The schedule of a Rotation record (its data, or a loaded record), or None when
    it has none or states it as free text. Raises ValueError on a structured schedule
    that cannot be computed (validation reports each such problem with its line)."""
    data = getattr(rotation, "data", rotation)
    raw = data.get("schedule") if isinstance(data, dict) else None
    if not isinstance(raw, dict):
        return None
    zone = zone_of(raw.get("time_zone"))
    if zone is None:
        raise ValueError(f"unknown time zone '{raw.get('time_zone')}'")
    layers = tuple(_layer(layer, i, zone) for i, layer in enumerate(raw.get("layers") or ()))
    overrides = []
    for item in raw.get("overrides") or ():
        start, end = local_datetime(item.get("from"), zone), local_datetime(item.get("to"), zone)
        if start is None or end is None:
            raise ValueError(f"override of {item.get('person')} has no valid from/to")
        overrides.append(Override(str(item.get("person")), start, end, str(item.get("reason", ""))))
    return Schedule(
        str(data.get("id", "")), zone, layers, tuple(overrides), str(raw.get("note", ""))
    )


def _at(local: dt.datetime, zone: zoneinfo.ZoneInfo) -> dt.datetime:
    """The instant of a local wall-clock time, normalised to UTC (a time skipped by a
    spring-forward change falls an hour later, as a wall clock shows it)."""
    return local.replace(tzinfo=zone).astimezone(dt.UTC)


def _handover_index(layer: Layer, zone: zoneinfo.ZoneInfo, instant: dt.datetime) -> int:
    """The number of hand-overs of ``layer`` at or before ``instant`` minus one."""
    local = instant.astimezone(zone).replace(tzinfo=None)
    index = (local - layer.start) // layer.handover
    while _at(layer.start + (index + 1) * layer.handover, zone) <= instant:
        index += 1
    while index > -1 and _at(layer.start + index * layer.handover, zone) > instant:
        index -= 1
    return index


def _windows(
    layer: Layer, zone: zoneinfo.ZoneInfo, day: dt.date
) -> Iterator[tuple[dt.datetime, dt.datetime]]:
    """The restriction windows of ``layer`` that start on local ``day``."""
    midnight = dt.datetime.combine(day, dt.time())
    for window in layer.restrictions:
        if day.weekday() not in window.days:
            continue
        end = window.end if window.end > window.start else window.end + 24 * 60
        yield (
            _at(midnight + dt.timedelta(minutes=window.start), zone),
            _at(midnight + dt.timedelta(minutes=end), zone),
        )


def _in_restrictions(layer: Layer, zone: zoneinfo.ZoneInfo, instant: dt.datetime) -> bool:
    if not layer.restrictions:
        return True
    day = instant.astimezone(zone).date()
    return any(
        start <= instant < end
        for d in (day - dt.timedelta(days=1), day)
        for start, end in _windows(layer, zone, d)
    )


def layer_person(layer: Layer, zone: zoneinfo.ZoneInfo, instant: dt.datetime) -> str | None:
    """Who ``layer`` has on call at ``instant``, None before its start or outside its
    restrictions."""
    index = _handover_index(layer, zone, instant)
    if index < 0 or not _in_restrictions(layer, zone, instant):
        return None
    return layer.order[index % len(layer.order)]


def _who(schedule: Schedule, instant: dt.datetime) -> tuple[str, str, bool] | None:
    """(person, layer, override) at ``instant``: the last override that holds it, else
    the last layer with someone."""
    for override in reversed(schedule.overrides):
        if override.start <= instant < override.end:
            return override.person, "override", True
    for layer in reversed(schedule.layers):
        person = layer_person(layer, schedule.time_zone, instant)
        if person is not None:
            return person, layer.name, False
    return None


def _boundaries(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> list[dt.datetime]:
    """Every instant in (start, end) at which who is on call may change."""
    zone = schedule.time_zone
    points = {start, end}
    first_day = start.astimezone(zone).date() - dt.timedelta(days=1)
    days = (end.astimezone(zone).date() - first_day).days + 1
    for layer in schedule.layers:
        index = max(_handover_index(layer, zone, start), 0)
        while (at := _at(layer.start + index * layer.handover, zone)) < end:
            points.add(at)
            index += 1
        for offset in range(days):
            for window in _windows(layer, zone, first_day + dt.timedelta(days=offset)):
                points.update(window)
    for override in schedule.overrides:
        points.update((override.start, override.end))
    return sorted(p for p in points if start <= p <= end)


def _segments(
    schedule: Schedule, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime, tuple[str, str, bool] | None]]:
    """[start, end) cut where the person on call changes (or an override starts or
    ends): adjacent pieces of one person merged, the names of their layers joined."""
    points = _boundaries(schedule, start.astimezone(dt.UTC), end.astimezone(dt.UTC))
    merged: list[tuple[dt.datetime, dt.datetime, tuple[str, str, bool] | None]] = []
    for left, right in itertools.pairwise(points):
        who = _who(schedule, left)
        last = merged[-1][2] if merged else None
        if not merged or _holder(last) != _holder(who):
            merged.append((left, right, who))
            continue
        if who is not None and last is not None and who[1] not in last[1].split(", "):
            last = (last[0], f"{last[1]}, {who[1]}", last[2])
        merged[-1] = (merged[-1][0], right, last)
    return merged


def _holder(who: tuple[str, str, bool] | None) -> tuple[str, bool] | None:
    """Who holds a piece for merging: the person, and whether by an override."""
    return None if who is None else (who[0], who[2])


def shifts(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> list[Shift]:
    """The shifts in [start, end), clipped to it, in time order: one for each stretch
    of one person without interruption (an override is a shift of its own); ``layer``
    names the layers of the stretch, joined by ``, `` when it spans several."""
    return [
        Shift(who[0], left, right, who[1], who[2])
        for left, right, who in _segments(schedule, start, end)
        if who is not None
    ]


def gaps(
    schedule: Schedule, start: dt.datetime, end: dt.datetime
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The stretches of [start, end) with nobody on call."""
    return [(left, right) for left, right, who in _segments(schedule, start, end) if who is None]


def handovers(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> list[Handover]:
    """Every change of the person on call in (start, end), a gap counting as nobody."""
    found = []
    pieces = _segments(schedule, start, end)
    for before, after in itertools.pairwise(pieces):
        leaving = before[2][0] if before[2] else None
        taking = after[2][0] if after[2] else None
        if leaving != taking:
            layer = (after[2] or before[2] or ("", "", False))[1]
            found.append(Handover(after[0], leaving, taking, layer))
    return found


def on_call_at(schedule: Schedule, instant: dt.datetime) -> Shift | None:
    """The whole shift that holds ``instant`` (looking up to 400 days either way for
    its ends), or None when nobody is on call then."""
    instant = instant.astimezone(dt.UTC)
    reach = dt.timedelta(days=8)
    while True:
        found = [
            s
            for s in shifts(schedule, instant - reach, instant + reach)
            if s.start <= instant < s.end
        ]
        if not found:
            return None
        shift = found[0]
        inner = instant - reach < shift.start and shift.end < instant + reach
        if inner or reach >= _LONGEST_SHIFT:
            return shift
        reach = min(reach * 4, _LONGEST_SHIFT)


def next_handover(schedule: Schedule, instant: dt.datetime) -> Handover | None:
    """The first hand-over after ``instant``, within 400 days."""
    reach = dt.timedelta(days=8)
    while True:
        found = handovers(schedule, instant, instant + reach)
        if found or reach >= _LONGEST_SHIFT:
            return found[0] if found else None
        reach = min(reach * 4, _LONGEST_SHIFT)


def coming_shifts(
    rotation: dict[str, Any], day: dt.date, period: dt.timedelta
) -> list[tuple[str, str, str, dt.date]]:
    """(person, when in local words, layer, last local day) of each shift of a Rotation
    record from local midnight of ``day`` for ``period``; none without a computable
    schedule (validation says why)."""
    try:
        schedule = parse_schedule(rotation)
    except ValueError:
        return []
    if schedule is None:
        return []
    zone = schedule.time_zone
    start = dt.datetime.combine(day, dt.time(), zone)
    found = []
    for shift in shifts(schedule, start, start + period):
        left, right = shift.start.astimezone(zone), shift.end.astimezone(zone)
        words = f"{left:%a %Y-%m-%d %H:%M}–{right:%a %Y-%m-%d %H:%M} {zone.key}"
        last = (right - dt.timedelta(microseconds=1)).date()
        found.append((shift.person, words, shift.layer, last))
    return found


def week_gaps(schedule: Schedule, day: dt.date) -> list[tuple[dt.datetime, dt.datetime]]:
    """The gaps of the local week (Monday 00:00 to Monday 00:00) that holds ``day``,
    a gap across the week's end told as one (Sunday night into Monday)."""
    monday = day - dt.timedelta(days=day.weekday())
    start = _at(dt.datetime.combine(monday, dt.time()), schedule.time_zone)
    end = _at(dt.datetime.combine(monday + dt.timedelta(days=7), dt.time()), schedule.time_zone)
    found = gaps(schedule, start, end)
    if len(found) > 1 and found[0][0] == start and found[-1][1] == end:
        wrapped = (found[-1][0], found[0][1] + (end - start))
        found = [wrapped, *found[1:-1]]
    return sorted(found)


def describe_gap(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> str:
    """A gap in local words, e.g. ``Sun 22:00–Mon 06:00 Europe/Berlin``; a whole week
    reads ``all week``."""
    zone = schedule.time_zone
    if end - start >= dt.timedelta(days=7):
        return f"all week {zone.key}"
    left, right = start.astimezone(zone), end.astimezone(zone)
    return f"{left:%a %H:%M}–{right:%a %H:%M} {zone.key}"


Path = tuple[str | int, ...]


def _list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


def _member_problems(raw: dict[str, Any], members: set[str]) -> Iterator[tuple[Path, str, str]]:
    """People the layers or overrides name who are not members of the rotation."""
    named: list[tuple[Path, Any]] = []
    for i, layer in enumerate(_list(raw.get("layers"))):
        if isinstance(layer, dict):
            named += [
                (("layers", i, "order", j), p) for j, p in enumerate(_list(layer.get("order")))
            ]
    for i, item in enumerate(_list(raw.get("overrides"))):
        if isinstance(item, dict):
            named.append((("overrides", i, "person"), item.get("person")))
    for path, person in named:
        if isinstance(person, str) and person not in members:
            yield (
                path,
                f"'{person}' is in the schedule but not a member of the rotation",
                f"add '{person}' to members, or name one of: {', '.join(sorted(members))}",
            )


def _time_problems(raw: dict[str, Any]) -> Iterator[tuple[Path, str, str]]:
    """Restriction times that are not HH:MM."""
    for i, layer in enumerate(_list(raw.get("layers"))):
        for j, window in enumerate(
            _list(layer.get("restrictions") if isinstance(layer, dict) else None)
        ):
            for end in ("from", "to") if isinstance(window, dict) else ():
                value = window.get(end)
                if minutes_of(value) is None or (end == "from" and value == "24:00"):
                    yield (
                        ("layers", i, "restrictions", j, end),
                        f"restriction time '{value}' is not a time of day",
                        'write HH:MM in 24-hour local time, e.g. "09:00" (to may be "24:00"); '
                        "quote it, or YAML may read it as a number",
                    )


def _override_problems(
    raw: dict[str, Any], zone: zoneinfo.ZoneInfo
) -> Iterator[tuple[Path, str, str]]:
    """Overrides whose from/to cannot be read, end before they start, or overlap."""
    seen: list[tuple[int, dt.datetime, dt.datetime]] = []
    for i, item in enumerate(_list(raw.get("overrides"))):
        if not isinstance(item, dict):
            continue
        start, end = local_datetime(item.get("from"), zone), local_datetime(item.get("to"), zone)
        if start is None or end is None or end <= start:
            yield (
                ("overrides", i, "to"),
                f"override from '{item.get('from')}' to '{item.get('to')}' is not a period",
                'give two ISO 8601 date-times, to after from, e.g. from: "2026-12-24T09:00", '
                'to: "2026-12-27T09:00"',
            )
            continue
        for j, other_start, other_end in seen:
            if start < other_end and other_start < end:
                yield (
                    ("overrides", i, "from"),
                    f"override {i + 1} ({item.get('person')}, {item.get('from')} to "
                    f"{item.get('to')}) overlaps override {j + 1}",
                    "make one end where the other starts, or merge them into one",
                )
        seen.append((i, start, end))


def schedule_problems(rotation: dict[str, Any]) -> list[tuple[Path, str, str]]:
    """What makes a Rotation's structured schedule wrong, each as (path in the record,
    what is wrong, how to fix it); empty for a free-text or absent schedule."""
    raw = rotation.get("schedule")
    if not isinstance(raw, dict):
        return []
    found: list[tuple[Path, str, str]] = []
    zone = zone_of(raw.get("time_zone"))
    if zone is None:
        name = str(raw.get("time_zone"))
        close = difflib.get_close_matches(name, sorted(zoneinfo.available_timezones()), n=1)
        hint = f"did you mean '{close[0]}'? " if close else ""
        found.append(
            (
                ("time_zone",),
                f"unknown time zone '{name}'",
                f"{hint}give an IANA time zone name, e.g. Europe/Berlin, Europe/London or UTC",
            )
        )
    members = {str(m) for m in _list(rotation.get("members"))}
    found += _member_problems(raw, members)
    found += _time_problems(raw)
    if zone is not None:
        found += _override_problems(raw, zone)
    return [(("schedule", *path), message, hint) for path, message, hint in found]
