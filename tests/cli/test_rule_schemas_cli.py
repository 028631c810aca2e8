"""`validate` compiles every rule file's ``when`` and ``require`` Cerberus schemas, so a
bad rule fails where it is written (exit 1, the rule file's line), not first in ``check``."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from support.cli import invoke
from support.repos import copy_sample, edit, position

RULE = "policies/rules/MON-01-drift-thresholds.yaml"
EXT = "policies/rules/EXT-01-contract-current.yaml"
METRIC = "metric: {required: true}"
PAGE = "page: {required: true, type: number}"


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    return copy_sample(tmp_path / "sample")


@pytest.mark.parametrize(
    ("path", "old", "new", "needle", "message"),
    [
        (
            RULE,
            METRIC,
            'metric: {required: true, regex: "("}',
            '"("',
            "Rule.require.monitoring.schema.thresholds.schema.data_drift.schema.metric.regex: "
            "invalid require schema: regex '(' does not compile",
        ),
        (
            RULE,
            PAGE,
            "page: {required: true, type: numbr}",
            "numbr",
            "data_drift.schema.page.type: invalid require schema: Unsupported types: numbr",
        ),
        (
            RULE,
            PAGE,
            "page: {required: true, pages_someone: true}",
            "true}",
            "data_drift.schema.page.pages_someone: invalid require schema: unknown rule "
            "(use a Cerberus rule or a custom rule (compliance-tool rules custom))",
        ),
        (
            EXT,
            "id: {on_rotation: true}",
            "id: {on_rota: true}",
            "true}",
            "Rule.when.id.on_rota: invalid when schema: unknown rule",
        ),
        (
            "policies/rules/EXT-01-access-review.yaml",
            "max_duration: P90D",
            "max_duration: 90 days",
            "90 days",
            "access_review.schema.cadence.max_duration: invalid require schema: "
            "'90 days' is not an ISO 8601 duration",
        ),
    ],
    ids=[
        "bad-regex",
        "unknown-type",
        "unknown-custom-rule",
        "unknown-rule-in-when",
        "bad-duration",
    ],
)
def test_validate_reports_a_bad_rule_schema_at_its_line(
    sample_copy: Path, path: str, old: str, new: str, needle: str, message: str
) -> None:
    edit(sample_copy / path, old, new)
    line, column = position(sample_copy / path, new)
    result = invoke("--repo", sample_copy, "validate", "--no-cache")
    assert result.exit_code == 1, result.output
    (problem,) = result.stdout.splitlines()
    assert problem.startswith(f"{path}:{line}:"), problem
    found_column = int(problem.split(":")[2])
    assert column <= found_column < column + len(new), problem
    assert message in problem
    assert "Traceback" not in result.output


def test_the_problem_is_in_the_json_output_too(sample_copy: Path) -> None:
    edit(sample_copy / RULE, METRIC, 'metric: {required: true, regex: "("}')
    result = invoke("--repo", sample_copy, "validate", "--no-cache", "--format", "json")
    assert result.exit_code == 1
    (problem,) = json.loads(result.stdout)["problems"]
    line, _ = position(sample_copy / RULE, '"("')
    assert (problem["path"], problem["line"]) == (RULE, line), problem
    assert "does not compile" in problem["message"]
    assert problem["code"] == "rule-schema"


def test_the_cached_validation_sees_a_rule_broken_later(sample_copy: Path) -> None:
    """With the cache on: a first, clean validation is remembered; breaking a rule after it
    is still reported."""
    assert invoke("--repo", sample_copy, "validate", cache=True).exit_code == 0
    edit(sample_copy / RULE, METRIC, 'metric: {required: true, regex: "("}')
    result = invoke("--repo", sample_copy, "validate", cache=True)
    assert result.exit_code == 1
    assert "does not compile" in result.stdout


def test_the_sample_rules_all_compile() -> None:
    result = invoke("validate", "--no-cache")
    assert result.exit_code == 0, result.output
