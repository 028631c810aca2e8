"""JUnit XML output: well-formed, one suite per rule, one uniquely named case per result."""

from __future__ import annotations

import dataclasses
import xml.etree.ElementTree as ET

from compliance_tool.checks.engine import CheckResult, Status
from compliance_tool.reporters import junit


def _parse(result: CheckResult) -> ET.Element:
    return ET.fromstring(junit.render_check(result).encode("utf-8"))


def test_junit_is_well_formed_with_a_suite_per_rule(checked: CheckResult) -> None:
    text = junit.render_check(checked)
    assert text.startswith("<?xml")
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag == "testsuites"
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == sorted(rule.id for rule in checked.rules)
    cases = root.findall("testsuite/testcase")
    assert len(cases) == len(checked.results)
    for suite in suites:
        names = {case.get("classname") for case in suite.findall("testcase")}
        assert names <= {suite.get("name")}


def test_case_names_are_unique(checked: CheckResult) -> None:
    pairs = [(c.get("classname"), c.get("name")) for c in _parse(checked).iter("testcase")]
    assert len(pairs) == len(set(pairs))
    assert ("EXT-01-contract-current", "Person cvendor") in pairs
    assert ("DAT-04-retention", "Dataset events-features") in pairs  # passes are cases too


def test_failure_and_skipped_counts_match(checked: CheckResult) -> None:
    root = _parse(checked)
    failing = len(checked.failing())
    waived = sum(r.status is Status.WAIVED for r in checked.results)
    assert (failing, waived) == (3, 1)
    assert len(root.findall(".//failure")) == failing
    assert len(root.findall(".//skipped")) == waived
    assert root.get("tests") == str(len(checked.results))
    assert root.get("failures") == str(failing)
    assert root.get("skipped") == str(waived)
    assert root.get("errors") == "0"
    for suite in root.findall("testsuite"):
        assert suite.get("tests") == str(len(suite.findall("testcase")))
        assert suite.get("failures") == str(len(suite.findall("testcase/failure")))
        assert suite.get("skipped") == str(len(suite.findall("testcase/skipped")))


def test_failure_carries_severity_details_fix_and_position(checked: CheckResult) -> None:
    root = _parse(checked)
    case = root.find("testsuite[@name='EXT-01-contract-current']/testcase")
    assert case is not None
    failure = case.find("failure")
    assert failure is not None
    finding = next(f for f in checked.findings if f.rule == "EXT-01-contract-current")
    assert failure.get("type") == "high"
    assert failure.get("message") == finding.message
    text = failure.text or ""
    assert "line 8: affiliation.contract_end: 2026-06-30 is before 2026-11-26" in text
    assert f"fix: {checked.rule('EXT-01-contract-current').remediation}" in text
    assert text.endswith("at inventory/people/cvendor.yaml:8:17")


def test_waived_result_is_skipped_with_the_waiver(checked: CheckResult) -> None:
    case = _parse(checked).find("testsuite[@name='MON-01-drift-thresholds']/testcase")
    assert case is not None
    assert case.find("failure") is None
    skipped = case.find("skipped")
    assert skipped is not None
    assert skipped.get("message") == "waived by W-2026-014 until 2026-12-31"


def test_passing_case_has_no_result_and_rule_without_records_an_empty_suite(
    checked: CheckResult,
) -> None:
    root = _parse(checked)
    case = root.find("testsuite[@name='ONC-01-model-on-call']/testcase")
    assert case is not None
    assert list(case) == []
    empty = root.find("testsuite[@name='INC-01-serious-incident-reported']")
    assert empty is not None
    assert empty.get("tests") == "0"


def test_text_xml_cannot_hold_is_replaced(checked: CheckResult) -> None:
    finding = next(f for f in checked.findings if f.status is Status.FAIL)
    odd = dataclasses.replace(finding, message="bad \x01 byte & <tag>")
    others = tuple(r for r in checked.results if r is not finding)
    failure = _parse(dataclasses.replace(checked, results=(*others, odd))).find(
        f"testsuite[@name='{finding.rule}']/testcase/failure"
    )
    assert failure is not None
    assert failure.get("message") == "bad \ufffd byte & <tag>"


def test_same_subject_in_two_files_gets_two_names(checked: CheckResult) -> None:
    finding = next(f for f in checked.findings if f.rule == "DAT-04-retention")
    twin = dataclasses.replace(finding, path="inventory/datasets/copy/events-raw.yaml")
    root = _parse(dataclasses.replace(checked, results=(*checked.results, twin)))
    names = [c.get("name") for c in root.findall("testsuite[@name='DAT-04-retention']/testcase")]
    assert len(names) == len(set(names)) == 3
