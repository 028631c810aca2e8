"""The repository the reporter tests share gives exactly the results they rely on."""

from __future__ import annotations

from support.reporter_repo import RULES

from compliance_tool.checks.engine import CheckResult, Status
from compliance_tool.reporters import CHECK_REPORTERS
from compliance_tool.repository.kinds import Severity


def test_repository_fails_high_medium_low_and_waives_one(checked: CheckResult) -> None:
    outcome = {(r.rule, r.subject): (r.status, r.severity) for r in checked.findings}
    assert outcome == {
        ("EXT-01-contract-current", "cvendor"): (Status.FAIL, Severity.HIGH),
        ("ONC-01-rotation-escalation", "ml-oncall"): (Status.FAIL, Severity.MEDIUM),
        ("DAT-04-retention", "events-raw"): (Status.FAIL, Severity.LOW),
        ("MON-01-drift-thresholds", "m1"): (Status.WAIVED, Severity.HIGH),
    }
    waived = next(r for r in checked.findings if r.status is Status.WAIVED)
    assert (waived.waiver, waived.waiver_expires) == ("W-2026-014", "2026-12-31")
    assert sorted(rule.id for rule in checked.rules) == sorted(RULES)
    assert any(r.status is Status.PASS for r in checked.results)


def test_every_format_is_registered_text_and_json_first() -> None:
    assert list(CHECK_REPORTERS) == [
        "text",
        "json",
        "sarif",
        "junit",
        "github",
        "markdown",
        "codequality",
    ]


def test_every_format_renders_the_same_result_identically(checked: CheckResult) -> None:
    for name, render in CHECK_REPORTERS.items():
        first = render(checked)
        assert first, name
        assert render(checked) == first, name
