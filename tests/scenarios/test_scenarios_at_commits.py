"""Scenario results at past commits (--ref) follow the inventory and the features as they were
committed, not the working tree."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.cli import Invoke
from support.git import commit_all, git
from support.repos import AS_OF, copy_sample

RETAIL = "inventory/rotations/ml-sre-retail.yaml"
SINGLE_PERSON = "No production model can be operated by a single person"
NEW_FEATURE = """\
Feature: Added later
  @ONC-01
  Scenario: Every rotation has at least two active members
    Given all rotations
    Then no rotation has fewer than 2 active members
"""


@pytest.fixture
def history(tmp_path: Path, git_env: None) -> tuple[Path, str, str]:
    """A copy of the sample in git: the single-member retail rotation, then the fix."""
    root = copy_sample(tmp_path / "repo", features=True)
    git(root, "init", "-q")
    before = commit_all(root, "sample inventory")
    rotation = root / RETAIL
    text = rotation.read_text(encoding="utf-8")
    assert "  - ljohansson\n" in text
    rotation.write_text(text.replace("  - ljohansson\n", "  - ljohansson\n  - ijensen\n"), "utf-8")
    extra = root / "features" / "extra" / "added-later.feature"
    extra.parent.mkdir()
    extra.write_text(NEW_FEATURE, encoding="utf-8")
    after = commit_all(root, "second internal member for the retail rotation")
    # the working tree goes back to one member: --ref must not read it
    rotation.write_text(text, encoding="utf-8")
    return root, before, after


def scenarios_at(run_cli: Invoke, root: Path, ref: str) -> tuple[int, str]:
    result = run_cli(
        "--repo",
        root,
        "scenarios",
        "--ref",
        ref,
        "--as-of",
        AS_OF.isoformat(),
        "features/continuity.feature",
        "features/extra",
    )
    assert result.exit_code in (0, 1), result.output
    assert f"({ref[:12]}, as of {AS_OF})" in result.stderr
    return result.exit_code, result.stdout


def test_the_continuity_scenario_follows_the_rotation_through_history(
    run_cli: Invoke, history: tuple[Path, str, str]
) -> None:
    root, before, after = history
    _, at_before = scenarios_at(run_cli, root, before)
    assert f"✗ {SINGLE_PERSON}  @CONT-01 @ONC-01" in at_before
    assert "inventory/rotations/ml-sre-retail.yaml:9:3  ml-sre-retail: 1 active member" in at_before
    assert "added later" not in at_before.lower()  # the feature did not exist yet

    _, at_after = scenarios_at(run_cli, root, after)
    assert f"✓ {SINGLE_PERSON}  @CONT-01 @ONC-01" in at_after
    assert "✓ Every rotation has at least two active members  @ONC-01" in at_after
    # what did not change still fails: the ended contract of mvoss (P5)
    assert "✗ External specialists on a rotation hold a current contract" in at_after

    continuity = root / "features" / "continuity.feature"
    worktree = run_cli("--repo", root, "scenarios", "--as-of", AS_OF.isoformat(), continuity)
    assert f"✗ {SINGLE_PERSON}" in worktree.stdout


def test_an_unknown_ref_is_bad_input(run_cli: Invoke, history: tuple[Path, str, str]) -> None:
    root, _, _ = history
    result = run_cli("--repo", root, "scenarios", "--ref", "no-such-ref")
    assert result.exit_code == 2
    assert "unknown revision 'no-such-ref'" in result.stderr
    assert result.stdout == ""
