"""Plain text for people at a terminal or reading a CI log."""

from __future__ import annotations

from compliance_tool.checks.engine import CheckResult, Status
from compliance_tool.checks.validate import ValidationResult


def render_validation(result: ValidationResult) -> str:
    """One ``file:line:col: kind.field: message (hint)`` line per problem."""
    return "".join(problem.format() + "\n" for problem in result.problems)


def render_check(result: CheckResult) -> str:
    """Findings grouped by file, with line, severity, rule, message, details and the fix."""
    rules = {rule.id: rule for rule in result.rules}
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
    return "\n".join(lines).lstrip("\n") + ("\n" if lines else "")
