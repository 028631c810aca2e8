"""A rule file that cannot be compiled stops the run with exit 2, its file and line, before
any rule is evaluated; never a traceback, never a partial result."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.cli import invoke
from support.repos import AS_OF, edit, position

RULE = "policies/rules/MON-01-drift-thresholds.yaml"
PAGE = "page: {required: true, type: number}"


def _check(root: Path, *formats: str) -> tuple[int, str, str]:
    args = ["--repo", root, "check", "--no-cache", "--as-of", AS_OF.isoformat()]
    for name in formats:
        args += ["--format", name]
    result = invoke(*args)
    return result.exit_code, result.stdout, result.stderr


@pytest.mark.parametrize(
    ("old", "new", "needle", "offset", "message"),
    [
        (
            PAGE,
            "page: {required: maybe, type: number}",
            "maybe",
            0,
            "Rule.require.monitoring.schema.thresholds.schema.data_drift.schema.page.required: "
            "invalid require schema: must be of boolean type",
        ),
        (
            PAGE,
            "page: {required: true, pages_someone: true}",
            "pages_someone: true",
            len("pages_someone: "),
            "data_drift.schema.page.pages_someone: invalid require schema: unknown rule "
            "(use a Cerberus rule or a custom rule (compliance-tool rules custom))",
        ),
        (
            "lifecycle: {required: true, allowed: [production]}",
            "lifecycle: {required: true, in_production: true}",
            "in_production: true",
            len("in_production: "),
            "Rule.when.lifecycle.in_production: invalid when schema: unknown rule",
        ),
        (
            "controls: [MON-01]",
            "controls: [MON-99]",
            "MON-99",
            0,
            "Rule.controls[0]: unknown control 'MON-99'",
        ),
        (
            "applies_to: Model",
            "applies_to: Modle",
            "Modle",
            0,
            "Rule.applies_to: 'Modle' is not one of Model, Dataset, Person, Team, Rotation, "
            "Incident, Waiver, Observation, Role (did you mean 'Model'?)",
        ),
    ],
    ids=[
        "invalid-cerberus",
        "unknown-custom-rule",
        "unknown-rule-in-when",
        "unknown-control",
        "unknown-kind",
    ],
)
@pytest.mark.parametrize("output", ["text", "json"])
def test_broken_rule_file_stops_the_run(
    sample_copy: Path, old: str, new: str, needle: str, offset: int, message: str, output: str
) -> None:
    edit(sample_copy / RULE, old, new)
    line, column = position(sample_copy / RULE, needle)
    code, stdout, stderr = _check(sample_copy, output)
    assert code == 2
    assert f"{RULE}:{line}:{column + offset}: " in stderr
    assert message in stderr
    assert stderr.startswith("error: 1 ")
    assert "not evaluated" in stderr or "nothing was evaluated" in stderr
    # nothing was evaluated: no findings, no summary, no traceback
    assert stdout == ""
    assert "failing," not in stderr
    assert "Traceback" not in stderr
    assert "internal error" not in stderr


def test_every_broken_rule_file_is_reported_at_once(sample_copy: Path) -> None:
    edit(sample_copy / RULE, PAGE, "page: {required: true, pages_someone: true}")
    other = "policies/rules/MON-02-performance-floor.yaml"
    edit(sample_copy / other, "metric: {required: true}", "metric: {required: true, type: texte}")
    code, stdout, stderr = _check(sample_copy)
    assert code == 2
    assert stdout == ""
    # validation compiles the rule files first: both are reported by it, at their lines
    assert stderr.startswith("error: 2 validation problem(s) in working tree; rules were not")
    line, column = position(sample_copy / other, "texte")
    assert f"{other}:{line}:{column}: " in stderr
    assert "Unsupported types: texte" in stderr
    assert f"{RULE}:" in stderr


def test_broken_rules_stop_the_other_commands_too(sample_copy: Path) -> None:
    edit(sample_copy / RULE, PAGE, "page: {required: maybe}")
    line, column = position(sample_copy / RULE, "maybe")
    for command in (["coverage"], ["check", "--format", "sarif"]):
        result = invoke("--repo", sample_copy, *command, "--as-of", AS_OF.isoformat())
        assert result.exit_code == 2, command
        assert result.stdout == ""
        assert f"{RULE}:{line}:{column}: " in result.stderr


@pytest.mark.parametrize(
    ("old", "new", "needle"),
    [
        ("metric: {required: true}", 'metric: {required: true, regex: "("}', '"("'),
        (PAGE, "page: {required: true, dependencies: 5}", "5}"),
        (PAGE, "page: {required: true, excludes: [[1]]}", "[[1]]"),
    ],
    ids=["invalid-regex", "non-string-dependency", "unhashable-exclude"],
)
def test_schema_that_only_fails_when_evaluated_is_a_rule_error(
    sample_copy: Path, old: str, new: str, needle: str
) -> None:
    edit(sample_copy / RULE, old, new)
    line, _ = position(sample_copy / RULE, needle)
    code, stdout, stderr = _check(sample_copy)
    assert "internal error" not in stderr
    assert code == 2
    assert stdout == ""
    assert f"{RULE}:{line}:" in stderr
