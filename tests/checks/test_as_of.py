"""``--as-of`` moves every time-based result, and nothing else reads the clock."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from support.checks import PLANTED, check_json, evaluate_at, findings, result_keys
from support.repos import REPO_ROOT, edit

FRAUD_VAL = ("VAL-01-validation-current", "Model", "fraud-scoring")
W14_MATCHES = ("WAV-01-waiver-matches-failure", "Waiver", "W-2026-014")
W14_UNEXPIRED = ("WAV-01-waiver-unexpired", "Waiver", "W-2026-014")


def _at(day: str) -> set[tuple[str, str, str, str]]:
    return result_keys(evaluate_at(REPO_ROOT, dt.date.fromisoformat(day)))


def test_same_date_same_findings_on_the_cli_and_in_the_engine() -> None:
    _, document = check_json(REPO_ROOT, "--as-of", "2026-11-26")
    assert findings(document) == PLANTED == _at("2026-11-26")


@pytest.mark.parametrize(
    ("day", "status"),
    [
        # validated 2025-10-20, high tier: 365 days and next_due 2026-10-20 hold that day...
        ("2026-10-20", None),
        # ...and not one day later, when W-2026-014 (approved 2026-10-15) waives it
        ("2026-10-21", "waived"),
        ("2026-11-26", "waived"),
        # the waiver's last day is 2026-12-31
        ("2026-12-31", "waived"),
        ("2027-01-01", "fail"),
    ],
)
def test_fraud_scoring_validation_goes_stale_then_loses_its_waiver(
    day: str, status: str | None
) -> None:
    found = _at(day)
    fraud = {f[3] for f in found if f[:3] == FRAUD_VAL}
    assert fraud == ({status} if status else set())
    # the waiver is a finding exactly when it does not waive: it waives nothing yet, or expired
    assert ((*W14_MATCHES, "fail") in found) == (status is None)
    assert ((*W14_UNEXPIRED, "fail") in found) == (status == "fail")


def test_expired_waiver_fails_the_run_on_the_cli() -> None:
    result, document = check_json(REPO_ROOT, "--as-of", "2027-01-01", "--fail-on", "high")
    assert (*FRAUD_VAL, "fail") in findings(document)
    assert (*W14_UNEXPIRED, "fail") in findings(document)
    assert result.exit_code == 1
    waived = [f for f in document["findings"] if f["status"] == "waived"]
    assert waived == []


@pytest.mark.parametrize(
    ("day", "failing"),
    [("2026-10-31", False), ("2026-11-01", True)],
)
def test_contract_end_is_the_last_active_day(day: str, failing: bool) -> None:
    found = _at(day)
    assert (("EXT-01-contract-current", "Person", "mvoss", "fail") in found) == failing
    # W-2026-007 expires the same day: it waives the missing performance floor until then
    floor = {
        f[3] for f in found if f[:3] == ("MON-02-performance-floor", "Model", "demand-forecast")
    }
    assert floor == ({"fail"} if failing else {"waived"})


def test_a_copy_validated_recently_passes_then_goes_stale(sample_copy: Path) -> None:
    model = sample_copy / "inventory/models/churn-propensity.yaml"
    key = ("VAL-01-validation-current", "Model", "churn-propensity")

    def details(day: str) -> list[str] | None:
        result = evaluate_at(sample_copy, dt.date.fromisoformat(day))
        mine = [r for r in result.results if (r.rule, r.kind.value, r.subject) == key]
        assert len(mine) == 1
        return None if mine[0].status.value == "pass" else [d.field for d in mine[0].details]

    # medium tier: 730 days; validated 2026-01-10, due again 2028-01-10
    edit(
        model,
        "  last: 2025-06-30\n  next_due: 2027-06-30",
        "  last: 2026-01-10\n  next_due: 2028-01-10",
    )
    assert details("2026-11-26") is None
    assert details("2028-01-10") is None
    assert details("2028-01-11") == ["validation.last", "validation.next_due"]
    # a validation dated after the evaluation date is not a validation yet
    assert details("2026-01-09") == ["validation.last"]
    # an earlier next_due makes it stale first
    edit(model, "next_due: 2028-01-10", "next_due: 2027-01-10")
    assert details("2027-01-10") is None
    assert details("2027-01-11") == ["validation.next_due"]
