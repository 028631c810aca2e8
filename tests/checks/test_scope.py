"""Which results a check reports when it is given files (:mod:`compliance_tool.checks.scope`)."""

from __future__ import annotations

import pytest

from compliance_tool.checks.engine import CheckResult
from compliance_tool.checks.scope import is_within, restrict


@pytest.mark.parametrize(
    ("path", "wanted", "inside"),
    [
        ("inventory/people/cvendor.yaml", ["inventory/people/cvendor.yaml"], True),
        ("inventory/people/cvendor.yaml", ["inventory/people"], True),
        ("inventory/people/cvendor.yaml", ["inventory/people/"], True),
        ("inventory/people/cvendor.yaml", [""], True),
        ("inventory/people2/cvendor.yaml", ["inventory/people"], False),
        ("inventory/people/cvendor.yaml", ["inventory/people/cvendor.yml"], False),
        ("inventory/people/cvendor.yaml", [], False),
    ],
)
def test_a_path_is_within_the_files_and_folders_given(
    path: str, wanted: list[str], inside: bool
) -> None:
    assert is_within(path, wanted) is inside


def test_only_the_results_about_the_given_records_remain(checked: CheckResult) -> None:
    scoped = restrict(checked, ["inventory/people/cvendor.yaml"])
    assert scoped.results
    assert {r.path for r in scoped.results} == {"inventory/people/cvendor.yaml"}
    assert [(r.rule, r.subject) for r in scoped.failing()] == [
        ("EXT-01-contract-current", "cvendor")
    ]
    assert scoped.rules == checked.rules  # every rule ran; only the report is narrowed
    assert (scoped.as_of, scoped.commit) == (checked.as_of, checked.commit)


def test_a_given_rule_file_brings_every_result_of_that_rule(checked: CheckResult) -> None:
    rule = checked.rule("ONC-01-rotation-escalation")
    scoped = restrict(checked, [rule.path])
    assert scoped.results
    assert {r.rule for r in scoped.results} == {rule.id}
    assert {r.subject for r in scoped.results} == {
        r.subject for r in checked.results if r.rule == rule.id
    }


def test_nothing_given_reports_nothing_and_the_root_everything(checked: CheckResult) -> None:
    assert restrict(checked, []).results == ()
    assert restrict(checked, [""]).results == checked.results
