"""GitHub Actions workflow commands, which show as annotations on a pull request's files."""

from __future__ import annotations

import dataclasses

from compliance_tool.checks.engine import CheckResult, Result, Status
from compliance_tool.checks.validate import ValidationResult
from compliance_tool.repository.kinds import Severity

LEVELS: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "notice",
    Severity.INFO: "notice",
}
"""The annotation level of an unwaived failure; a waived or upcoming one is always a notice."""


def escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def annotation(level: str, path: str, line: int, column: int, title: str, message: str) -> str:
    """One ``::error file=...,line=...::message`` command."""
    return (
        f"::{level} file={escape_property(path)},line={line},col={column},"
        f"title={escape_property(title)}::{escape_data(message)}\n"
    )


def render_validation(result: ValidationResult) -> str:
    return "".join(
        annotation(
            "error",
            result.git_prefix + p.path,  # from the top of the git repository
            p.line,
            p.column,
            p.subject,
            f"{p.message} ({p.hint})" if p.hint else p.message,
        )
        for p in result.problems
    )


def _check_annotation(finding: Result, remediation: str) -> str:
    lines = [f"{finding.kind.value} {finding.subject}: {finding.message}"]
    lines += [f"line {d.line}: {d.field}: {d.message}" for d in finding.details]
    if finding.status is Status.WAIVED:
        lines.append(f"Waived by {finding.waiver} until {finding.waiver_expires}.")
        level, title = "notice", f"{finding.rule} (waived)"
    elif finding.status is Status.UPCOMING:
        when = finding.applies_from.describe() if finding.applies_from else "from a later date"
        lines.append(f"Not yet mandatory: a failure {when}.")
        if remediation:
            lines.append(f"Fix: {remediation}")
        day = finding.applies_from.date.isoformat() if finding.applies_from else "later"
        level, title = "notice", f"{finding.rule} (upcoming, from {day})"
    else:
        if remediation:
            lines.append(f"Fix: {remediation}")
        level, title = LEVELS[finding.severity], f"{finding.rule} ({finding.severity.label})"
    return annotation(level, finding.path, finding.line, finding.column, title, "\n".join(lines))


def render_check(result: CheckResult) -> str:
    """One annotation per failure or waived failure, on the line of the first problem; then
    one ``::notice`` per upcoming result, soonest date first."""
    remediation = {rule.id: rule.remediation for rule in result.rules}
    findings = [
        dataclasses.replace(f, path=result.git_prefix + f.path)
        for f in [*result.findings, *result.upcoming]
    ]
    return "".join(
        _check_annotation(finding, remediation.get(finding.rule, "")) for finding in findings
    )
