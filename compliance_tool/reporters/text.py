"""Plain text for people at a terminal or reading a CI log."""

from __future__ import annotations

from compliance_tool.checks.engine import CheckResult, CompiledRule, Status
from compliance_tool.checks.validate import ValidationResult

UPCOMING_HEADING = "Upcoming: not yet mandatory"
"""Heading of the section of failures of rules not yet enforced (they do not fail the run)."""


def render_validation(result: ValidationResult) -> str:
    """One ``file:line:col: kind.field: message (hint)`` line per problem."""
    return "".join(problem.format() + "\n" for problem in result.problems)


def render_check(result: CheckResult) -> str:
    """Findings grouped by file, with line, severity, rule, message, details and the fix;
    then the upcoming results, soonest date first: failures of rules whose
    ``applies_from`` date has not come, which do not fail the run."""
    rules = {rule.id: rule for rule in result.rules}
    lines = _findings(result, rules)
    lines += _upcoming(result, rules)
    return "\n".join(lines).lstrip("\n") + ("\n" if lines else "")


def _findings(result: CheckResult, rules: dict[str, CompiledRule]) -> list[str]:
    lines: list[str] = []
    current = None
    for finding in result.findings:
        if finding.path != current:
            current = finding.path
            if lines:
                lines.append("")
            lines.append(finding.path)
        state = (
            f"waived by {finding.waiver} until {finding.waiver_expires}"
            if finding.status is Status.WAIVED
            else finding.severity.label
        )
        lines.append(
            f"  {finding.line}:{finding.column}  {state}  {finding.rule}  "
            f"{finding.kind.value} {finding.subject}: {finding.message}"
        )
        for detail in finding.details:
            lines.append(f"      line {detail.line}: {detail.field}: {detail.message}")
        remediation = rules[finding.rule].remediation if finding.rule in rules else ""
        if remediation and finding.status is Status.FAIL:
            lines.append(f"      fix: {remediation}")
    return lines


def _upcoming(result: CheckResult, rules: dict[str, CompiledRule]) -> list[str]:
    """``path:line:col  severity  rule  Kind subject: message``, then the date and what it
    is, the problems and the fix, under a heading of its own."""
    upcoming = result.upcoming
    if not upcoming:
        return []
    lines = ["", UPCOMING_HEADING]
    for item in upcoming:
        lines.append(
            f"  {item.path}:{item.line}:{item.column}  {item.severity.label}  {item.rule}  "
            f"{item.kind.value} {item.subject}: {item.message}"
        )
        if item.applies_from is not None:
            lines.append(f"      {item.applies_from.describe()}")
        for detail in item.details:
            lines.append(f"      line {detail.line}: {detail.field}: {detail.message}")
        remediation = rules[item.rule].remediation if item.rule in rules else ""
        if remediation:
            lines.append(f"      fix: {remediation}")
    return lines
