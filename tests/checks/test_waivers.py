"""Waivers on copies of the sample: only a valid waiver waives, and only what it names.

W-2026-014 (rule VAL-01-validation-current, Model fraud-scoring, requested by lwu, approved
by okarimi on 2026-10-15, expires 2026-12-31) is the sample's valid waiver; each test breaks
one of its conditions and checks that the waiver becomes a finding and stops waiving.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.checks import PLANTED, check_json, findings
from support.cli import invoke
from support.repos import AS_OF, edit

DATE = ("--as-of", AS_OF.isoformat())
FRAUD_WAIVED = ("VAL-01-validation-current", "Model", "fraud-scoring", "waived")
FRAUD_FAILS = ("VAL-01-validation-current", "Model", "fraud-scoring", "fail")
W14 = "inventory/waivers/W-2026-014.yaml"


def _waiver_findings(document: dict, waiver: str = "W-2026-014") -> dict[str, list[str]]:
    """Rule -> detail messages of every finding on the waiver."""
    return {
        f["rule"]: [d["message"] for d in f["details"]]
        for f in document["findings"]
        if f["kind"] == "Waiver" and f["subject"] == waiver
    }


def _broken(root: Path, old: str, new: str) -> tuple[int, dict, set]:
    edit(root / W14, old, new)
    result, document = check_json(root, *DATE)
    found = findings(document)
    # the waiver no longer waives: fraud-scoring fails, everything else is as planted
    assert FRAUD_WAIVED not in found
    assert FRAUD_FAILS in found
    others = {f for f in found if f[2] != "W-2026-014"}
    assert others == (PLANTED - {FRAUD_WAIVED}) | {FRAUD_FAILS}
    return result.exit_code, document, found


def test_expired_waiver_is_a_finding_and_does_not_waive(sample_copy: Path) -> None:
    code, document, _ = _broken(sample_copy, "expires: 2026-12-31", "expires: 2026-11-25")
    assert code == 1
    assert _waiver_findings(document) == {
        "WAV-01-waiver-unexpired": ["2026-11-25 is before 2026-11-26"]
    }


def test_a_waiver_is_valid_on_its_last_day(sample_copy: Path) -> None:
    edit(sample_copy / W14, "expires: 2026-12-31", "expires: 2026-11-26")
    result, document = check_json(sample_copy, *DATE)
    assert result.exit_code == 1
    assert findings(document) == PLANTED
    assert next(f for f in document["findings"] if f["status"] == "waived")["waiver_expires"] == (
        "2026-11-26"
    )


def test_self_approved_waiver_is_a_finding_and_does_not_waive(sample_copy: Path) -> None:
    # okarimi holds the model-risk role: only the four-eyes principle is broken
    code, document, _ = _broken(sample_copy, "requested_by: lwu", "requested_by: okarimi")
    assert code == 1
    assert _waiver_findings(document) == {
        "WAV-01-waiver-independent-approval": ["'okarimi' is also named in requested_by"]
    }


def test_approver_without_an_approving_role_is_a_finding(sample_copy: Path) -> None:
    code, document, _ = _broken(sample_copy, "approved_by: okarimi", "approved_by: tbauer")
    assert code == 1
    assert _waiver_findings(document) == {
        "WAV-01-waiver-independent-approval": [
            "'tbauer' holds none of the roles head-of-mlops, model-risk, risk-officer"
        ]
    }


def test_approver_who_left_is_a_finding(sample_copy: Path) -> None:
    edit(sample_copy / "inventory/people/okarimi.yaml", "roles:", "status: left\nroles:")
    result, document = check_json(sample_copy, *DATE)
    assert result.exit_code == 1
    assert FRAUD_FAILS in findings(document)
    assert _waiver_findings(document)["WAV-01-waiver-independent-approval"] == [
        "'okarimi' is not an active person"
    ]


@pytest.mark.parametrize(
    ("expires", "valid"),
    [("2027-01-13", True), ("2027-01-14", False)],  # 90 and 91 days after 2026-10-15
)
def test_waiver_longer_than_90_days_is_a_finding(
    sample_copy: Path, expires: str, valid: bool
) -> None:
    edit(sample_copy / W14, "expires: 2026-12-31", f"expires: {expires}")
    result, document = check_json(sample_copy, *DATE)
    if valid:
        assert findings(document) == PLANTED
        return
    assert FRAUD_FAILS in findings(document)
    assert _waiver_findings(document) == {
        "WAV-01-waiver-time-boxed": [f"{expires} is 91 days after approved_at, more than 90"]
    }
    assert result.exit_code == 1


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (
            "rule: VAL-01-validation-current",
            "rule: MON-01-drift-thresholds",
            "rule 'MON-01-drift-thresholds' does not fail for Model 'fraud-scoring': "
            "nothing to waive",
        ),
        (
            "rule: VAL-01-validation-current",
            "rule: VAL-99-nope",
            "rule 'VAL-99-nope' does not exist",
        ),
        (
            "  id: fraud-scoring",
            "  id: fraud-scoring-v2",
            "subject Model 'fraud-scoring-v2' does not exist",
        ),
    ],
    ids=["rule-passes", "unknown-rule", "unknown-subject"],
)
def test_waiver_that_waives_nothing_is_a_finding_not_a_crash(
    sample_copy: Path, old: str, new: str, message: str
) -> None:
    code, document, _ = _broken(sample_copy, old, new)
    assert code == 1
    assert _waiver_findings(document) == {"WAV-01-waiver-matches-failure": [message]}


def test_waiver_naming_unknown_things_is_still_a_validation_problem(sample_copy: Path) -> None:
    edit(sample_copy / W14, "rule: VAL-01-validation-current", "rule: VAL-99-nope")
    result = invoke("--repo", sample_copy, "validate", "--no-cache")
    assert result.exit_code == 1
    assert "inventory/waivers/W-2026-014.yaml:" in result.stdout
    assert "unknown rule 'VAL-99-nope'" in result.stdout


NEW_WAIVER = """\
apiVersion: governance/v1
kind: Waiver
id: W-2026-020
rule: CONT-01-two-operators
subject:
  kind: Model
  id: churn-propensity
justification: A second retail SRE starts on 2026-12-01.
requested_by: dhughes
approved_by: hlindqvist
approved_at: 2026-11-20
ticket: GOV-330
expires: 2027-01-31
"""


def test_valid_waiver_suppresses_exactly_one_result(sample_copy: Path, tmp_path: Path) -> None:
    (sample_copy / "inventory/waivers/W-2026-020.yaml").write_text(NEW_WAIVER, encoding="utf-8")
    sarif_path = tmp_path / "out" / "check.sarif"
    result = invoke(
        "--repo",
        sample_copy,
        "check",
        "--no-cache",
        *DATE,
        "--format",
        "json",
        "--format",
        f"sarif={sarif_path}",
    )
    document = json.loads(result.stdout)
    waived_now = ("CONT-01-two-operators", "Model", "churn-propensity", "waived")
    failing_before = ("CONT-01-two-operators", "Model", "churn-propensity", "fail")
    assert findings(document) == (PLANTED - {failing_before}) | {waived_now}
    # the same rule on the other model on that rotation still fails
    assert ("CONT-01-two-operators", "Model", "demand-forecast", "fail") in findings(document)
    assert result.exit_code == 1
    entry = next(
        f for f in document["findings"] if f["status"] == "waived" and f["rule"].startswith("CONT")
    )
    assert (entry["waiver"], entry["waiver_expires"]) == ("W-2026-020", "2027-01-31")

    sarif = json.loads(sarif_path.read_text(encoding="utf-8"))
    results = sarif["runs"][0]["results"]
    # the findings (P1-P14 and two waived), then RISK-02's upcoming result as a note
    assert len(document["findings"]) == 28
    assert len(results) == len(document["findings"]) + len(document["upcoming"]) == 29
    assert [(r["ruleId"], r["level"]) for r in results[28:]] == [("RISK-02-fria", "note")]
    suppressed = {
        (r["ruleId"], r["properties"]["subject"]): r["suppressions"]
        for r in results
        if "suppressions" in r
    }
    assert suppressed == {
        ("CONT-01-two-operators", "churn-propensity"): [
            {
                "kind": "external",
                "status": "accepted",
                "justification": "Waiver W-2026-020 until 2027-01-31",
            }
        ],
        ("VAL-01-validation-current", "fraud-scoring"): [
            {
                "kind": "external",
                "status": "accepted",
                "justification": "Waiver W-2026-014 until 2026-12-31",
            }
        ],
    }


def test_two_waivers_for_one_failure_one_broken(sample_copy: Path) -> None:
    # a second, self-approved waiver for the same failure does not undo the valid one
    broken = (
        (sample_copy / W14)
        .read_text(encoding="utf-8")
        .replace("id: W-2026-014", "id: W-2026-015")
        .replace("approved_by: okarimi", "approved_by: lwu")
    )
    (sample_copy / "inventory/waivers/W-2026-015.yaml").write_text(broken, encoding="utf-8")
    result, document = check_json(sample_copy, *DATE)
    assert result.exit_code == 1
    found = findings(document)
    assert FRAUD_WAIVED in found
    entry = next(f for f in document["findings"] if f["status"] == "waived")
    assert entry["waiver"] == "W-2026-014"
    assert set(_waiver_findings(document, "W-2026-015")) == {"WAV-01-waiver-independent-approval"}
