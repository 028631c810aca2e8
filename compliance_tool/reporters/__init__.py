"""Output formats. One module per format; the registries below are the only lists of them."""

from __future__ import annotations

from collections.abc import Callable

from compliance_tool.checks.engine import CheckResult
from compliance_tool.checks.validate import ValidationResult
from compliance_tool.reporters import github, json_format, junit, markdown, sarif, text

ValidationReporter = Callable[[ValidationResult], str]
CheckReporter = Callable[[CheckResult], str]

VALIDATION_REPORTERS: dict[str, ValidationReporter] = {
    "text": text.render_validation,
    "json": json_format.render_validation,
    "github": github.render_validation,
}

CHECK_REPORTERS: dict[str, CheckReporter] = {
    "text": text.render_check,
    "json": json_format.render_check,
    "sarif": sarif.render_check,
    "junit": junit.render_check,
    "github": github.render_check,
    "markdown": markdown.render_check,
}
