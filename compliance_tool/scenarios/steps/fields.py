"""Assertions over the selection: whether it is empty, which records it includes, and
what each selected record holds at a field (a value, a number within bounds, a date
within a window)."""

from __future__ import annotations

import re

from compliance_tool.checks.facts import parse_date, parse_datetime
from compliance_tool.repository.loader import Record
from compliance_tool.scenarios.steps.catalogue import ASSERTING
from compliance_tool.scenarios.steps.vocabulary import OTHER, PATH
from compliance_tool.scenarios.steps.world import (
    World,
    check_each,
    fail,
    is_present,
    noun_for,
    record_at,
    yaml_value,
)


@ASSERTING.step("Then", "the selection is not empty", r"the selection is not empty")
def assert_not_empty(scenario_world: World) -> None:
    """At least one record is selected (guards against a scenario that checks nothing).
    Example: Then the selection is not empty
    """
    selection = scenario_world.current()
    if not selection.records:
        fail(f"no {selection.noun} are selected")


@ASSERTING.step("Then", "the selection is empty", r"the selection is empty")
def assert_empty(scenario_world: World) -> None:
    """No record is selected: states that something must not exist.
    Example: Then the selection is empty
    """
    selection = scenario_world.current()
    if selection.records:
        lines = [f"  {record_at(r)}  {r.id}" for r in selection.records]
        fail(f"{len(lines)} {selection.noun} are selected, none expected:\n" + "\n".join(lines))


@ASSERTING.step(
    "Then", "the selection includes <id>, <id> and <id>", r"the selection includes (?P<ids>.+)"
)
def assert_includes(scenario_world: World, ids: str) -> None:
    """Each of the named records is in the selection (ids separated by commas or 'and').
    Example: Then the selection includes core-banking-transactions-raw and credit-features
    """
    selection = scenario_world.current()
    wanted = [i.strip() for i in re.split(r",|\band\b", ids) if i.strip()]
    present = {r.id for r in selection.records}
    missing = [i for i in wanted if i not in present]
    if missing:
        fail(
            f"{', '.join(missing)} {noun_for(len(missing), 'is', 'are')} not among the "
            f"{len(present)} {selection.noun}: {', '.join(sorted(present)) or 'none'}"
        )


@ASSERTING.step("Then", "each has a field <path>", rf"each has a field {PATH}")
def assert_field(scenario_world: World, path: str) -> None:
    """Each selected record has a non-empty value at the field (dotted path; list items
    by number, e.g. escalation.0.to).
    Example: Then each has a field monitoring.thresholds.data_drift.page
    """
    check_each(
        scenario_world,
        lambda r: None if is_present(r.get(path)) else (path, f"{path} is missing"),
    )


@ASSERTING.step(
    "Then",
    "each has <path> of at <most | least> <number>",
    rf"each has {PATH} of at (?P<bound>most|least) (?P<number>-?\d+(?:\.\d+)?)",
)
def assert_bound(scenario_world: World, path: str, bound: str, number: str) -> None:
    """Each selected record has a number at the field, at most (or at least) the given one.
    Example: Then each has monitoring.logging.retention_days of at least 183
    """
    limit = float(number)

    def check(record: Record) -> tuple[str, str] | None:
        value = record.get(path)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return (
                path,
                f"{path} is {'missing' if value is None else repr(value) + ', not a number'}",
            )
        if (bound == "most" and value > limit) or (bound == "least" and value < limit):
            return path, f"{path} is {value}, {'above' if bound == 'most' else 'below'} {number}"
        return None

    check_each(scenario_world, check)


@ASSERTING.step(
    "Then",
    "each has <path> of at <most | least> its <other path>",
    rf"each has {PATH} of at (?P<bound>most|least) its {OTHER}",
)
def assert_bound_field(scenario_world: World, path: str, bound: str, other: str) -> None:
    """Each selected record has a number at the field, at most (or at least) the number
    at another field of the same record (a measured figure against its budget).
    Example: Then each has operations.metrics.latency_p99_ms of at most its monitoring.thresholds.latency_p99_ms.max
    """

    def check(record: Record) -> tuple[str, str] | None:
        value, limit = record.get(path), record.get(other)
        for name, number in ((path, value), (other, limit)):
            if isinstance(number, bool) or not isinstance(number, int | float):
                return name, f"{name} is {'missing' if number is None else 'not a number'}"
        assert isinstance(value, int | float) and isinstance(limit, int | float)
        if (bound == "most" and value > limit) or (bound == "least" and value < limit):
            side = "above" if bound == "most" else "below"
            return path, f"{path} is {value}, {side} {other} {limit}"
        return None

    check_each(scenario_world, check)


@ASSERTING.step(
    "Then",
    "each has <path> within <N> days before the evaluation date",
    rf"each has {PATH} within (?P<days>\d+) days before the evaluation date",
)
def assert_recent(scenario_world: World, path: str, days: str) -> None:
    """Each selected record has a date at the field that is at most N days before the
    evaluation date, and not after it.
    Example: Then each has access_review.last within 90 days before the evaluation date
    """
    as_of, limit = scenario_world.governance.as_of, int(days)

    def check(record: Record) -> tuple[str, str] | None:
        value = record.get(path)
        day = parse_date(value)
        if day is None:
            return path, f"{path} is {'missing' if value is None else repr(value) + ', not a date'}"
        age = (as_of - day).days
        if age < 0:
            return path, f"{path} {value} is after the evaluation date {as_of}"
        if age > limit:
            return path, f"{path} {value} is {age} days before {as_of}, more than {limit}"
        return None

    check_each(scenario_world, check)


@ASSERTING.step(
    "Then",
    "each has <path> on or after the evaluation date",
    rf"each has {PATH} on or after the evaluation date",
)
def assert_not_past(scenario_world: World, path: str) -> None:
    """Each selected record has a date at the field that is the evaluation date or later
    (an expiry, a contract end, a due date).
    Example: Then each has affiliation.contract_end on or after the evaluation date
    """
    as_of = scenario_world.governance.as_of

    def check(record: Record) -> tuple[str, str] | None:
        value = record.get(path)
        day = parse_date(value)
        if day is None:
            return path, f"{path} is {'missing' if value is None else repr(value) + ', not a date'}"
        if day < as_of:
            return path, f"{path} {value} is before the evaluation date {as_of}"
        return None

    check_each(scenario_world, check)


@ASSERTING.step(
    "Then",
    "each has <path> within <N> days after <other path>",
    rf"each has {PATH} within (?P<days>\d+) days after {OTHER}",
)
def assert_within_days_of(scenario_world: World, path: str, days: str, other: str) -> None:
    """Each selected record has a date (or date-time) at the field that is at most N days
    after the date at another field of the same record, and not before it.
    Example: Then each has postmortem_completed within 10 days after resolved_at
    """
    limit = int(days)

    def check(record: Record) -> tuple[str, str] | None:
        start, end = parse_datetime(record.get(other)), parse_datetime(record.get(path))
        if end is None:
            return path, f"{path} is missing or not a date"
        if start is None:
            return other, f"{other} is missing or not a date"
        gap = (end - start).total_seconds() / 86400
        if gap > limit:
            return (
                path,
                f"{path} {record.get(path)} is {gap:.0f} days after {other}, more than {limit}",
            )
        if gap < 0:
            return path, f"{path} {record.get(path)} is before {other} {record.get(other)}"
        return None

    check_each(scenario_world, check)


@ASSERTING.step(
    "Then",
    "<each | none> has <path> equal to <value>",
    rf"(?P<which>each|none) has {PATH} equal to (?P<value>.+)",
)
def assert_equal(scenario_world: World, which: str, path: str, value: str) -> None:
    """Each (or no) selected record has the value at the field; the value is read as YAML,
    so true, 90 and P90D mean a boolean, a number and a text.
    Example: Then each has access_review.cadence equal to P90D
    """
    expected = yaml_value(value)

    def check(record: Record) -> tuple[str, str] | None:
        actual = record.get(path)
        if which == "each" and actual != expected:
            shown = "missing" if actual is None else repr(actual)
            return path, f"{path} is {shown}, not {value}"
        if which == "none" and actual == expected:
            return path, f"{path} is {value}"
        return None

    check_each(scenario_world, check)
