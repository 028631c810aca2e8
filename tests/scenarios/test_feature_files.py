"""Which feature files a run reads, asked of the source being read: the working tree (paths
on disk) or a commit (repository paths), with the same errors from the same place."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.cli import Invoke
from support.git import commit_all
from support.repos import AS_OF

from compliance_tool.errors import NoFeaturesError, ScenarioError
from compliance_tool.repository.session import Where, open_inventory
from compliance_tool.scenarios.runner import run_features
from compliance_tool.scenarios.steps import Governance

FEATURE = """\
Feature: Rotations
  @OPS-01
  Scenario: The rotation has two members
    Given all rotations
    Then no rotation has fewer than 2 members
"""


@pytest.fixture
def with_feature(gitrepo: Path) -> Path:
    (gitrepo / "features").mkdir()
    (gitrepo / "features" / "rotations.feature").write_text(FEATURE, encoding="utf-8")
    commit_all(gitrepo, "a feature")
    return gitrepo


@pytest.mark.parametrize("ref", [None, "HEAD"])
def test_the_default_folder_and_a_named_file(with_feature: Path, ref: str | None) -> None:
    # FEATURE names: paths on disk for the working tree, repository paths at a commit
    name = "features/rotations.feature" if ref else str(with_feature / "features")
    default = run_features(with_feature, ref, AS_OF)
    named = run_features(with_feature, ref, AS_OF, [name])
    for run in (default, named):
        assert [(r.feature, r.name, r.passed) for r in run.results] == [
            ("features/rotations.feature", "The rotation has two members", True)
        ]


def test_a_missing_name_in_the_working_tree(with_feature: Path, run_cli: Invoke) -> None:
    missing = with_feature / "features" / "nope.feature"
    result = run_cli("--repo", with_feature, "scenarios", with_feature / "features", missing)
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: {missing}: no such file or folder (working tree)")
    with pytest.raises(ScenarioError, match="no such file or folder"):
        run_features(with_feature, None, AS_OF, [str(missing)])


def test_at_a_commit_a_name_may_not_exist_yet(with_feature: Path, run_cli: Invoke) -> None:
    # the same command across history: a folder added later is no error at older commits
    run = run_features(with_feature, "HEAD", AS_OF, ["features", "features/later"])
    assert len(run.results) == 1
    result = run_cli("--repo", with_feature, "scenarios", "--ref", "HEAD", "features/later")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: features/later: no such file or folder (")
    assert "git ls-tree" in result.stderr


@pytest.mark.parametrize("ref", [None, "HEAD"])
def test_no_features_folder(gitrepo: Path, ref: str | None) -> None:
    with pytest.raises(NoFeaturesError, match="no features/ folder in "):
        run_features(gitrepo, ref, AS_OF)


@pytest.mark.parametrize("ref", [None, "HEAD"])
def test_example_records_see_the_linked_documents(gitrepo: Path, ref: str | None) -> None:
    governance = Governance(open_inventory(Where(gitrepo, ref, use_cache=False)), AS_OF)
    files = governance.example_files
    assert files["runbooks/m1.md"] == (gitrepo / "runbooks" / "m1.md").read_bytes()
    assert "inventory/models/m1.yaml" in files
