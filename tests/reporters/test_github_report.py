"""GitHub Actions annotations for check results."""

from __future__ import annotations

import dataclasses

import pytest

from compliance_tool.checks.engine import CheckResult, Status
from compliance_tool.reporters import github
from compliance_tool.repository.kinds import Severity


def test_one_annotation_per_finding(checked: CheckResult) -> None:
    fix = {rule.id: rule.remediation for rule in checked.rules}
    message = {f.rule: f.message for f in checked.findings}
    expected = [
        "::notice file=inventory/datasets/events-raw.yaml,line=1,col=1,"
        f"title=DAT-04-retention (low)::Dataset events-raw: {message['DAT-04-retention']}"
        f"%0Aline 1: retention: is missing%0AFix: {fix['DAT-04-retention']}",
        "::notice file=inventory/models/m1.yaml,line=19,col=7,"
        "title=MON-01-drift-thresholds (waived)::"
        f"Model m1: {message['MON-01-drift-thresholds']}"
        "%0Aline 19: monitoring.thresholds.data_drift.page: is missing"
        "%0AWaived by W-2026-014 until 2026-12-31.",
        "::error file=inventory/people/cvendor.yaml,line=8,col=17,"
        "title=EXT-01-contract-current (high)::"
        f"Person cvendor: {message['EXT-01-contract-current']}"
        "%0Aline 8: affiliation.contract_end: 2026-06-30 is before 2026-11-26"
        f"%0AFix: {fix['EXT-01-contract-current']}",
        "::warning file=inventory/rotations/ml-oncall.yaml,line=8,col=3,"
        "title=ONC-01-rotation-escalation (medium)::"
        f"Rotation ml-oncall: {message['ONC-01-rotation-escalation']}"
        "%0Aline 8: escalation: has 2 item(s), needs at least 3"
        f"%0AFix: {fix['ONC-01-rotation-escalation']}",
    ]
    assert github.render_check(checked).splitlines() == expected


@pytest.mark.parametrize(
    ("severity", "level"),
    [
        (Severity.CRITICAL, "error"),
        (Severity.HIGH, "error"),
        (Severity.MEDIUM, "warning"),
        (Severity.LOW, "notice"),
        (Severity.INFO, "notice"),
    ],
)
def test_level_follows_severity_and_waived_is_a_notice(
    checked: CheckResult, severity: Severity, level: str
) -> None:
    failing = next(f for f in checked.findings if f.status is Status.FAIL)
    as_severity = dataclasses.replace(failing, severity=severity)
    waived = dataclasses.replace(
        as_severity, status=Status.WAIVED, waiver="W-1", waiver_expires="2027-01-01"
    )
    (line,) = github.render_check(dataclasses.replace(checked, results=(as_severity,))).splitlines()
    assert line.startswith(f"::{level} ")
    assert f"title={failing.rule} ({severity.label})::" in line
    (line,) = github.render_check(dataclasses.replace(checked, results=(waived,))).splitlines()
    assert line.startswith("::notice ")
    assert f"title={failing.rule} (waived)::" in line
    assert line.endswith("%0AWaived by W-1 until 2027-01-01.")


def test_data_cannot_break_the_command(checked: CheckResult) -> None:
    failing = next(f for f in checked.findings if f.status is Status.FAIL)
    odd = dataclasses.replace(
        failing, path="inventory/a,b:c.yaml", message="100% done\n::error::forged"
    )
    (line,) = github.render_check(dataclasses.replace(checked, results=(odd,))).splitlines()
    assert "file=inventory/a%2Cb%3Ac.yaml," in line
    assert "100%25 done%0A::error::forged" in line
