"""GitLab Code Quality output: the shape GitLab documents for
``artifacts:reports:codequality``, and faithful to the unwaived failures."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Any

import jsonschema

from compliance_tool.checks.engine import CheckResult, Detail, Status
from compliance_tool.checks.frameworks import AppliesFrom
from compliance_tool.reporters import CHECK_REPORTERS, codequality

GITLAB_CODE_QUALITY = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "title": "GitLab Code Quality report (the Code Climate subset GitLab reads)",
    "type": "array",
    "items": {
        "type": "object",
        "required": ["description", "check_name", "fingerprint", "severity", "location"],
        "properties": {
            "type": {"const": "issue"},
            "description": {"type": "string", "minLength": 1},
            "check_name": {"type": "string", "minLength": 1},
            "fingerprint": {"type": "string", "minLength": 1},
            "severity": {"enum": ["info", "minor", "major", "critical", "blocker"]},
            "location": {
                "type": "object",
                "required": ["path", "lines"],
                "properties": {
                    "path": {"type": "string", "minLength": 1, "pattern": "^[^/]"},
                    "lines": {
                        "type": "object",
                        "required": ["begin"],
                        "properties": {"begin": {"type": "integer", "minimum": 1}},
                    },
                },
            },
            "content": {
                "type": "object",
                "required": ["body"],
                "properties": {"body": {"type": "string"}},
            },
        },
    },
}
"""GitLab's documented fields: description, check_name, fingerprint (unique per issue),
severity (one of five), location.path (relative to the repository) and location.lines.begin."""


def _issues(result: CheckResult) -> list[dict[str, Any]]:
    document = json.loads(CHECK_REPORTERS["codequality"](result))
    assert isinstance(document, list)
    return document


def test_the_report_has_gitlabs_documented_shape(checked: CheckResult) -> None:
    issues = _issues(checked)
    jsonschema.validate(issues, GITLAB_CODE_QUALITY)
    fingerprints = [issue["fingerprint"] for issue in issues]
    assert len(set(fingerprints)) == len(fingerprints)


def test_every_unwaived_failure_is_an_issue_at_its_lines(checked: CheckResult) -> None:
    issues = _issues(checked)
    expected = {
        (f.rule, f.path, d.line) for f in checked.failing() for d in f.details or [f]
    }  # a failure without details is one issue at the failure's line
    assert {
        (i["check_name"], i["location"]["path"], i["location"]["lines"]["begin"]) for i in issues
    } == expected
    waived = {f.rule for f in checked.findings if f.status is Status.WAIVED}
    assert waived and not waived & {i["check_name"] for i in issues}


def test_severities_map_onto_gitlabs_five(checked: CheckResult) -> None:
    by_rule = {i["check_name"]: i["severity"] for i in _issues(checked)}
    assert by_rule["EXT-01-contract-current"] == "critical"  # high
    assert by_rule["ONC-01-rotation-escalation"] == "major"  # medium
    assert by_rule["DAT-04-retention"] == "minor"  # low
    assert set(codequality.SEVERITIES.values()) == {"info", "minor", "major", "critical", "blocker"}


def test_the_description_names_the_record_the_field_and_the_problem(checked: CheckResult) -> None:
    issue = next(i for i in _issues(checked) if i["check_name"] == "EXT-01-contract-current")
    finding = next(f for f in checked.failing() if f.rule == "EXT-01-contract-current")
    assert issue["description"].startswith(f"Person cvendor: {finding.message}")
    assert finding.details[0].field in issue["description"]
    assert issue["content"]["body"].startswith("How to fix: ")


def test_a_fingerprint_survives_a_moved_line_and_tells_fields_apart(checked: CheckResult) -> None:
    finding = checked.failing()[0]
    moved = dataclasses.replace(
        finding,
        line=finding.line + 7,
        details=tuple(dataclasses.replace(d, line=d.line + 7) for d in finding.details),
    )
    twice = dataclasses.replace(
        finding, details=(Detail("a", "is missing", 3, 1), Detail("a", "is wrong", 4, 1))
    )
    before = _issues(dataclasses.replace(checked, results=(finding,)))
    after = _issues(dataclasses.replace(checked, results=(moved,)))
    assert [i["fingerprint"] for i in before] == [i["fingerprint"] for i in after]
    assert [i["location"]["lines"]["begin"] for i in after] == [
        i["location"]["lines"]["begin"] + 7 for i in before
    ]
    repeated = _issues(dataclasses.replace(checked, results=(twice,)))
    assert len({i["fingerprint"] for i in repeated}) == 2


def test_nothing_failing_is_an_empty_list(checked: CheckResult) -> None:
    passing = tuple(r for r in checked.results if r.status is Status.PASS)
    assert _issues(dataclasses.replace(checked, results=passing)) == []


def test_paths_are_from_the_top_of_the_git_repository(checked: CheckResult) -> None:
    """A governance root in a subfolder: GitLab reads paths from the project's top."""
    plain = _issues(checked)
    nested = _issues(dataclasses.replace(checked, git_prefix="governance/"))
    assert [i["location"]["path"] for i in nested] == [
        "governance/" + i["location"]["path"] for i in plain
    ]
    assert [i["fingerprint"] for i in nested] == [i["fingerprint"] for i in plain]


def test_an_upcoming_result_is_an_info_issue_saying_from_when(checked: CheckResult) -> None:
    failure = next(f for f in checked.failing() if f.rule == "EXT-01-contract-current")
    upcoming = dataclasses.replace(
        failure, status=Status.UPCOMING, applies_from=AppliesFrom(dt.date(2027, 12, 2))
    )
    (issue,) = _issues(dataclasses.replace(checked, results=(upcoming,)))
    jsonschema.validate([issue], GITLAB_CODE_QUALITY)
    assert issue["severity"] == "info"
    assert issue["description"].startswith("Upcoming, enforced from 2027-12-02: Person cvendor")
    (failing,) = _issues(dataclasses.replace(checked, results=(failure,)))
    assert issue["fingerprint"] != failing["fingerprint"]  # a new issue once it is enforced
