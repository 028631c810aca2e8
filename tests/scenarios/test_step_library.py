"""The step library as a scenario author meets it: the catalogue, scenarios written from the
catalogue alone, and what an unknown step says."""

from __future__ import annotations

from pathlib import Path

from support.cli import Invoke
from support.repos import AS_OF, REPO_ROOT
from support.scenarios import named_records

from compliance_tool.scenarios.runner import ScenarioResult, run_features
from compliance_tool.scenarios.steps import CATALOGUE

# Written from `compliance-tool scenarios steps` only, as proposed new continuity rules.
PROPOSED = """\
Feature: Proposed continuity rules
  Drafted by the risk office from the step catalogue, before any rule exists.

  @CONT-01
  Scenario: Every production model's rotation has active members from two organisations
    Given the production models
    And their on-call rotations
    Then each rotation has active members from at least 2 organisations

  @CONT-01 @RB-01
  Scenario: No external specialist is the only rollback deputy of a production model
    Given the production models
    Then each has at least one internal rollback deputy

  @EXT-01
  Scenario: External specialists on a rotation are reviewed like staff
    Given the external specialists on a rotation
    Then the selection is not empty
    And each has access_review.cadence equal to P90D
    And each has access_review.last within 90 days before the evaluation date

  @EXT-01
  Scenario: Extending the ended contract would satisfy the contract rule
    Given a person record:
      | field                    | value             |
      | id                       | mvoss             |
      | affiliation.type         | external          |
      | affiliation.organisation | Lattice MLOps Ltd |
      | affiliation.contract_end | 2027-06-30        |
    When the rules are checked
    Then rule EXT-01-contract-current passes for it

  @EXT-01
  Scenario: A specialist on no rotation is not held to the contract rule
    Given a person record:
      \"\"\"yaml
      id: new-specialist
      affiliation: {type: external, organisation: Quantile Partners GmbH, contract_end: 2026-01-31}
      \"\"\"
    When the rules are checked
    Then rule EXT-01-contract-current does not apply to it

  @MON-01
  Scenario: A wrong expectation about a rule is reported
    Given a model record:
      \"\"\"yaml
      lifecycle: production
      monitoring: {thresholds: {data_drift: {metric: psi, warn: 0.1, window: P7D}}}
      \"\"\"
    When the rules are checked
    Then rule MON-01-drift-thresholds passes for it
"""

TYPOS = """\
Feature: Steps that do not exist

  @ONC-01
  Scenario: A misspelt rotation step
    Given all rotations
    Then no rotation has less than 2 members

  @DAT-03
  Scenario: An assertion written as a selection
    Given the datasets with personal data
    Given each has a DPIA on file
"""


def write_features(folder: Path, name: str, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def by_name(results: tuple[ScenarioResult, ...]) -> dict[str, ScenarioResult]:
    return {r.name: r for r in results}


def test_every_catalogue_example_is_its_own_step_and_no_other() -> None:
    assert len(CATALOGUE) >= 25
    for entry in CATALOGUE:
        assert entry.description and entry.example, entry.shape
        assert entry.example.split(" ", 1)[0] in ("Given", "When", "Then", "And")
        assert entry.regex.fullmatch(entry.example_text), entry.example
        others = [
            e.shape
            for e in CATALOGUE
            if e is not entry
            and e.keyword == entry.keyword
            and e.regex.fullmatch(entry.example_text)
        ]
        assert others == [], f"{entry.example} also matches {others}"


def test_the_steps_command_prints_every_step_with_an_example(run_cli: Invoke) -> None:
    result = run_cli("scenarios", "steps")
    assert result.exit_code == 0
    for entry in CATALOGUE:
        assert f"  {entry.keyword} {entry.shape}\n" in result.stdout
        assert f"e.g.  {entry.example}\n" in result.stdout
    for required in (
        "Given the production models with risk tier high",
        "And the datasets they are trained on, directly or through lineage",
        "Then no rotation has fewer than 2 active members",
        "Then each has a DPIA on file",
        "Then rule MON-01-drift-thresholds fails for it",
    ):
        assert required in result.stdout


def test_scenarios_written_from_the_catalogue_run_as_predicted(
    run_cli: Invoke, tmp_path: Path
) -> None:
    folder = tmp_path / "proposals"
    write_features(folder, "continuity-proposals.feature", PROPOSED)
    result = run_cli("--repo", REPO_ROOT, "scenarios", "--as-of", AS_OF.isoformat(), folder)
    assert result.exit_code == 1
    out = result.stdout
    assert "✗ Every production model's rotation has active members from two organisations" in out
    assert "✗ No external specialist is the only rollback deputy of a production model" in out
    assert "✓ External specialists on a rotation are reviewed like staff  @EXT-01" in out
    assert "✓ Extending the ended contract would satisfy the contract rule" in out
    assert "✓ A specialist on no rotation is not held to the contract rule" in out
    assert "✗ A wrong expectation about a rule is reported" in out
    assert "6 scenarios: 3 passed, 3 failed" in result.stderr

    run = run_features(REPO_ROOT, None, AS_OF, [str(folder)])
    results = by_name(run.results)
    mix = results["Every production model's rotation has active members from two organisations"]
    assert named_records(mix.message) == {"inventory/rotations/ml-sre-retail.yaml"}
    assert (
        "Northmoor Bank" in mix.message and "(via churn-propensity, demand-forecast)" in mix.message
    )
    deputies = results["No external specialist is the only rollback deputy of a production model"]
    assert deputies.message.startswith("4 of 11 production models break it:")
    assert named_records(deputies.message) == {
        f"inventory/models/{m}.yaml"
        for m in (
            "aml-transaction-monitoring",
            "collections-prioritisation",
            "merchant-embeddings",
            "product-recommendations",
        )
    }
    assert "(rpatel), needs 1" in deputies.message
    wrong = results["A wrong expectation about a rule is reported"]
    assert wrong.step == "Then rule MON-01-drift-thresholds passes for it"
    assert (
        "rule MON-01-drift-thresholds fails for it, but the scenario says it passes"
        in wrong.message
    )
    assert "monitoring.thresholds.data_drift.page: is missing" in wrong.message
    assert {r.controls for r in run.results} == {
        ("CONT-01",),
        ("CONT-01", "RB-01"),
        ("EXT-01",),
        ("MON-01",),
    }


def test_an_unknown_step_fails_with_the_closest_known_steps(tmp_path: Path) -> None:
    path = write_features(tmp_path / "typos", "typos.feature", TYPOS)
    run = run_features(REPO_ROOT, None, AS_OF, [str(path)])
    assert not run.passed
    misspelt = by_name(run.results)["A misspelt rotation step"]
    assert misspelt.step == "Then no rotation has less than 2 members"
    assert misspelt.step_line == 6
    lines = misspelt.message.splitlines()
    assert lines[0] == 'unknown step: Then "no rotation has less than 2 members" (line 6)'
    start = lines.index("the closest known steps are:")
    suggestions = lines[start + 1 : start + 4]
    assert len(suggestions) == 3 and lines[start + 4].startswith("every step:")
    assert suggestions[0].startswith("  Then no rotation has fewer than 2 active members")
    misplaced = by_name(run.results)["An assertion written as a selection"]
    assert misplaced.step == "Given each has a DPIA on file"
    assert "this is a 'Then' step: move it under 'Then'" in misplaced.message
    assert "  Then each has a DPIA on file" in misplaced.message


PROMISED = [
    "Given the production models",
    "Given the production models with risk tier high",
    "Given the models that affect people",
    "Given all rotations",
    "Given the people on a rotation",
    "Given the external specialists on a rotation",
    "Given the datasets with personal data",
    "Given the datasets they are trained on, directly or through lineage",
    "Given their on-call rotations",
    "Given the members of those rotations",
    "Then each has a rollback authority who is an active person",
    "Then each has at least one rollback deputy",
    "Then no rotation has fewer than 2 members",
    "Then at least one member of each rotation is internal",
    "Then each has a field monitoring.thresholds.data_drift.page",
    "Then each has monitoring.logging.retention_days of at most 400",
    "Then each has access_review.last within 90 days before the evaluation date",
    "Then each has affiliation.contract_end on or after the evaluation date",
    "Then each has a DPIA on file",
    "Then the selection is not empty",
    "Given a model record:",
    "Given a dataset record:",
    "When the rules are checked",
    "Then rule MON-01-drift-thresholds fails for it",
    "Then rule MON-01-drift-thresholds passes for it",
    "Then rule MON-01-drift-thresholds does not apply to it",
]


def test_the_steps_of_the_issue_exist_exactly_once() -> None:
    for line in PROMISED:
        keyword, text = line.split(" ", 1)
        matching = [e for e in CATALOGUE if e.keyword == keyword and e.regex.fullmatch(text)]
        assert len(matching) == 1, f"{line}: {[e.shape for e in matching]}"


def test_a_run_where_every_scenario_passes_exits_0(run_cli: Invoke, minirepo: Path) -> None:
    write_features(
        minirepo / "features",
        "runbooks.feature",
        "Feature: Runbooks\n  @OPS-01\n  Scenario: Every production model has its runbook\n"
        "    Given the production models\n    Then the selection is not empty\n"
        "    And each has operations.runbook pointing to a file in the repository\n",
    )
    result = run_cli("--repo", minirepo, "scenarios", "--as-of", "2026-06-30")
    assert result.exit_code == 0, result.output
    assert "  ✓ Every production model has its runbook  @OPS-01\n" in result.stdout
    assert "1 scenario: 1 passed, 0 failed (working tree, as of 2026-06-30)" in result.stderr
