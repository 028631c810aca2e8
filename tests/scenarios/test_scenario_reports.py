"""Cucumber JSON and JUnit XML of a run, bad input, and scenarios as control evidence."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

from support.cli import Invoke
from support.repos import REPO_ROOT
from support.scenarios import CliRun, expected_outcomes

from compliance_tool.scenarios.runner import ScenarioRun


def test_the_command_prints_every_scenario_and_exits_1(
    sample_cli: CliRun, sample_run: ScenarioRun
) -> None:
    assert sample_cli.exit_code == 1
    for result in sample_run.results:
        mark = "✓" if result.passed else "✗"
        tags = " ".join(f"@{t}" for t in result.tags)
        assert f"  {mark} {result.name}  {tags}\n" in sample_cli.stdout
    assert (
        "      features/continuity.feature:13: And no rotation has fewer than 2 active members\n"
        "      1 of 4 on-call rotations of the production models breaks it:\n"
        "        inventory/rotations/ml-sre-retail.yaml:9:3  ml-sre-retail: 1 active member "
        "(ljohansson), needs 2  (via churn-propensity, demand-forecast)\n"
    ) in sample_cli.stdout
    total, failed = len(sample_run.results), len(sample_run.failed)
    assert f"{total} scenarios: {total - failed} passed, {failed} failed" in sample_cli.stderr
    assert "warning" not in sample_cli.stderr


def test_cucumber_json_has_one_element_per_scenario(
    sample_cli: CliRun, expected: dict[str, Any]
) -> None:
    features = json.loads(sample_cli.cucumber.read_text(encoding="utf-8"))
    wanted = expected_outcomes(expected)
    assert {f["uri"] for f in features} == set(expected["scenarios"])
    elements = [(f["uri"], e) for f in features for e in f["elements"]]
    assert len(elements) == len(wanted)
    for uri, element in elements:
        entry = wanted[(uri, element["name"])]
        statuses = {step["result"]["status"] for step in element["steps"]}
        assert ("failed" in statuses) == (entry["outcome"] == "fail"), element["name"]
        assert element["tags"] and all(t["name"] for t in element["tags"])


def test_junit_has_one_test_case_per_scenario(sample_cli: CliRun, expected: dict[str, Any]) -> None:
    root = ET.parse(sample_cli.junit).getroot()
    wanted = expected_outcomes(expected)
    cases = root.findall("./testsuite/testcase")
    assert len(cases) == len(wanted)
    assert {s.get("name") for s in root.findall("testsuite")} == set(expected["scenarios"])
    for case in cases:
        entry = wanted[(case.get("classname"), case.get("name"))]
        failure = case.find("failure")
        assert (failure is not None) == (entry["outcome"] == "fail"), case.get("name")
        if failure is not None:
            for record in entry["records"]:
                assert record in (failure.text or "")
    failing = [e for e in wanted.values() if e["outcome"] == "fail"]
    assert root.get("tests") == str(len(wanted)) and root.get("failures") == str(len(failing))


def test_an_unknown_step_is_failed_in_cucumber_json(run_cli: Invoke, tmp_path: Path) -> None:
    feature = tmp_path / "checks" / "typo.feature"
    feature.parent.mkdir()
    feature.write_text(
        "Feature: Typo\n  @ONC-01\n  Scenario: Misspelt\n    Given all rotations\n"
        "    Then every rotation has two members\n",
        encoding="utf-8",
    )
    report = tmp_path / "cucumber.json"
    result = run_cli("--repo", REPO_ROOT, "scenarios", feature, "--cucumber-json", report)
    assert result.exit_code == 1
    [document] = json.loads(report.read_text(encoding="utf-8"))
    assert document["uri"] == "checks/typo.feature"
    steps = document["elements"][0]["steps"]
    assert [s["result"]["status"] for s in steps] == ["passed", "failed"]
    assert "unknown step" in steps[1]["result"]["error_message"]


def test_a_repository_without_features_is_bad_input(run_cli: Invoke, minirepo: Path) -> None:
    result = run_cli("--repo", minirepo, "scenarios")
    assert result.exit_code == 2
    assert "no features/ folder" in result.stderr
    (minirepo / "features").mkdir()
    result = run_cli("--repo", minirepo, "scenarios")
    assert result.exit_code == 2
    assert "no .feature files" in result.stderr


def test_invalid_gherkin_is_bad_input(run_cli: Invoke, minirepo: Path) -> None:
    broken = minirepo / "features" / "broken.feature"
    broken.parent.mkdir()
    broken.write_text(
        "Feature: Broken\n  Scenario: No steps yet\n    Given the production models\n"
        "    this line is not a step\n",
        encoding="utf-8",
    )
    result = run_cli("--repo", minirepo, "scenarios")
    assert result.exit_code == 2
    assert "features/broken.feature:4" in result.stderr


CONTROL_SCENARIO = """\
Feature: Runbooks and deputies
  @OPS-01
  Scenario: Every production model has a staff member as rollback deputy
    Given the production models
    Then each has at least one internal rollback deputy
"""


def test_coverage_counts_a_failing_scenario_against_its_control(
    run_cli: Invoke, minirepo: Path
) -> None:
    without = run_cli("--repo", minirepo, "coverage", "--as-of", "2026-06-30")
    assert without.exit_code == 0
    assert "  OPS-01   pass " in without.stdout
    assert "scenario" not in without.stdout

    (minirepo / "features").mkdir()
    (minirepo / "features" / "deputies.feature").write_text(CONTROL_SCENARIO, encoding="utf-8")
    with_scenario = run_cli("--repo", minirepo, "coverage", "--as-of", "2026-06-30")
    assert with_scenario.exit_code == 0
    assert "  OPS-01   fail " in with_scenario.stdout
    assert (
        "scenario FAILED: Every production model has a staff member as rollback deputy"
        in with_scenario.stdout
    )
