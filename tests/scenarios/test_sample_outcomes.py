"""The features of the repository against the sample inventory at 2026-11-26: the planted
problems P1-P9 fail exactly the scenarios features/expected-outcomes.yaml says, naming
exactly the planted records, and fail no control the rules alone pass."""

from __future__ import annotations

from typing import Any

from support.repos import AS_OF, REPO_ROOT
from support.scenarios import expected_outcomes, named_records

from compliance_tool.checks.coverage import compute_coverage
from compliance_tool.checks.pipeline import evaluate
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.session import Where, open_inventory
from compliance_tool.scenarios.runner import ScenarioRun

THEMES = {
    "features/ownership-and-accountability.feature",
    "features/monitoring-and-rollback.feature",
    "features/continuity.feature",
    "features/data-protection-and-lineage.feature",
    "features/incidents-and-escalation.feature",
    "features/waivers-and-exceptions.feature",
    "features/observed.feature",
}


def test_each_scenario_has_its_expected_outcome(
    sample_run: ScenarioRun, expected: dict[str, Any]
) -> None:
    wanted = {key: entry["outcome"] for key, entry in expected_outcomes(expected).items()}
    actual = {(r.feature, r.name): "pass" if r.passed else "fail" for r in sample_run.results}
    assert actual == wanted
    assert expected["as_of"] == AS_OF.isoformat()


def test_the_features_cover_every_theme_with_enough_scenarios(sample_run: ScenarioRun) -> None:
    assert {r.feature for r in sample_run.results} == THEMES
    assert len(sample_run.results) >= 22
    texts = "\n".join(
        p.read_text(encoding="utf-8") for p in (REPO_ROOT / "features").glob("*.feature")
    )
    assert texts.count("When the rules are checked") >= 5
    assert '"""yaml' in texts  # example records as YAML docstrings...
    assert "| field " in texts  # ...and as field/value tables


def test_every_scenario_is_tagged_with_existing_controls_only(sample_run: ScenarioRun) -> None:
    controls = set(open_inventory(Where(REPO_ROOT, use_cache=False)).ids[Kind.CONTROL])
    assert sample_run.warnings == ()
    for result in sample_run.results:
        assert result.controls, f"{result.name} evidences no control"
        assert set(result.controls) == set(result.tags) <= controls


def test_failures_name_exactly_the_planted_records(
    sample_run: ScenarioRun, expected: dict[str, Any]
) -> None:
    entries = expected_outcomes(expected)
    for result in sample_run.failed:
        entry = entries[(result.feature, result.name)]
        assert result.step.startswith(("Then ", "And ")), result.step
        assert result.step_line > result.line
        named = named_records(result.message)
        assert named == set(entry["records"]), result.message
        assert named <= set(expected["problems"][entry["problem"]]["files"])


def test_failing_scenarios_evidence_only_the_controls_their_problem_breaks(
    sample_run: ScenarioRun, expected: dict[str, Any]
) -> None:
    entries = expected_outcomes(expected)
    problems = {entries[(r.feature, r.name)]["problem"] for r in sample_run.failed}
    assert problems == {f"P{n}" for n in range(1, 13)}
    for result in sample_run.failed:
        broken = expected["problems"][entries[(result.feature, result.name)]["problem"]]
        assert set(result.controls) <= set(broken["controls"]), result.name


def test_scenarios_fail_the_same_controls_as_the_planted_problems(
    sample_run: ScenarioRun, expected: dict[str, Any]
) -> None:
    inventory = open_inventory(Where(REPO_ROOT, use_cache=False))
    check = evaluate(inventory, AS_OF).check
    rules_only = compute_coverage(inventory, check)
    with_scenarios = compute_coverage(inventory, check, [r.outcome() for r in sample_run.results])
    failing = {c.id for c in with_scenarios.controls if c.status.value == "fail"}
    planted = {c for p in expected["problems"].values() for c in p["controls"]}
    assert failing == planted
    assert failing == {c.id for c in rules_only.controls if c.status.value == "fail"}
    cont = with_scenarios.control("CONT-01")
    assert {s.name for s in cont.scenarios if not s.passed} == {
        "No production model can be operated by a single person"
    }
    assert with_scenarios.control("RB-01").scenarios  # a passing control with evidence
    assert all(s.passed for s in with_scenarios.control("RB-01").scenarios)


def test_the_readme_lists_every_scenario(sample_run: ScenarioRun) -> None:
    readme = (REPO_ROOT / "features" / "README.md").read_text(encoding="utf-8")
    for result in sample_run.results:
        assert f"| {result.name} |" in readme, result.name
    assert f"{len(sample_run.results)} scenarios" in readme
    assert f"{len(sample_run.failed)} fail" in readme
