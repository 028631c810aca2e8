"""Plain text for people at a terminal or reading a CI log."""

from __future__ import annotations

from compliance_tool.validate import ValidationResult


def render_validation(result: ValidationResult) -> str:
    """One ``file:line:col: kind.field: message (hint)`` line per problem."""
    return "".join(problem.format() + "\n" for problem in result.problems)
