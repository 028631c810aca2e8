"""GitHub Actions workflow commands, which show as annotations on a pull request's files."""

from __future__ import annotations

from compliance_tool.validate import ValidationResult


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
            p.path,
            p.line,
            p.column,
            p.subject,
            f"{p.message} ({p.hint})" if p.hint else p.message,
        )
        for p in result.problems
    )
