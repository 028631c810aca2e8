"""A value the schemas would refuse (a date or duration beyond the calendar) that still
reaches the engine is a failure of that record, at the field's line, not an error on the
rule that stops every check; the other records are checked as before."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from support.checks import run_engine
from support.repos import edit, position

from compliance_tool.checks.engine import CheckResult, Status
from compliance_tool.checks.facts import date_after, parse_duration

KLI = "inventory/people/kli.yaml"
RULE = "EXT-01-access-review"


def _outcomes(result: CheckResult) -> dict[tuple[str, str], str]:
    return {(r.rule, r.subject): r.status.value for r in result.results}


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("cadence: P90D", "cadence: P9999Y", "2026-10-06 plus the P9999Y cadence is after"),
        ("last: 2026-10-06", "last: 9999-12-31", "9999-12-31 plus the P90D cadence is after"),
        ("cadence: P90D", "cadence: P9999999999D", "no valid cadence in 'cadence'"),
    ],
    ids=["P9999Y", "9999-12-31", "beyond-timedelta"],
)
def test_a_value_beyond_the_calendar_fails_its_record(
    sample_copy: Path, old: str, new: str, message: str
) -> None:
    before = _outcomes(run_engine(sample_copy))
    edit(sample_copy / KLI, old, new)
    after = run_engine(sample_copy)
    (failure,) = [r for r in after.results if r.rule == RULE and r.subject == "kli"]
    assert failure.status is Status.FAIL
    assert failure.path == KLI
    line, _ = position(sample_copy / KLI, "last: ")
    details = {(d.field, d.line) for d in failure.details}
    assert ("access_review.last", line) in details
    assert any(message in d.message for d in failure.details), failure.details
    # every other record, and every other rule on kli, is checked as before
    changed = {key for key, status in _outcomes(after).items() if before.get(key) != status}
    assert changed <= {(RULE, "kli")}
    assert set(_outcomes(after)) == set(before)


def test_date_arithmetic_stops_at_the_calendar() -> None:
    assert date_after(dt.date(2026, 1, 1), dt.timedelta(days=1)) == dt.date(2026, 1, 2)
    assert date_after(dt.date(9999, 12, 31), dt.timedelta(days=1)) is None
    with pytest.raises(ValueError, match="longer than any duration"):
        parse_duration("P9999999999D")


def test_a_window_longer_than_the_calendar_is_no_limit(sample_copy: Path) -> None:
    """``within_days`` records the window a pass holds for; a window reaching past
    9999-12-31 ends there instead of stopping the run."""
    before = _outcomes(run_engine(sample_copy))
    rule = sample_copy / "policies/rules/TRN-01-ai-literacy.yaml"
    edit(rule, "within_days: 365}", "within_days: 1000000000000}")
    after = run_engine(sample_copy)
    trained = {k: v for k, v in _outcomes(after).items() if k[0] == "TRN-01-ai-literacy"}
    assert trained and set(trained.values()) == {"pass"}
    assert {k: v for k, v in _outcomes(after).items() if k[0] != "TRN-01-ai-literacy"} == {
        k: v for k, v in before.items() if k[0] != "TRN-01-ai-literacy"
    }
