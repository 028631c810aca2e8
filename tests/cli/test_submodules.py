"""A git submodule under inventory/ whose path ends in .yaml: at a commit it is a gitlink
(another repository's commit, not a blob), in the working tree a folder holding ``.git``.
Neither is read: every command goes on, with a warning naming the path."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.cli import Invoke, process_env, run_tool
from support.git import commit_all, git
from support.repos import AS_OF_TEXT, GOVERNANCE_FILES, development_model

SUBMODULE = "inventory/models/vendored.yaml"

NOTE = f"warning: {SUBMODULE} is a git submodule: skipped"


@pytest.fixture
def with_submodule(gitrepo: Path, tmp_path: Path) -> Path:
    """The minimal repository with a second commit adding, at ``SUBMODULE``, a submodule
    whose own repository holds a model file (which must not be read as this one's)."""
    other = tmp_path / "vendor"
    other.mkdir()
    git(other, "init", "-q")
    (other / "m9.yaml").write_text(development_model("m9", "Vendored model"), encoding="utf-8")
    commit_all(other, "a model of another repository")
    git(
        gitrepo, "-c", "protocol.file.allow=always", "submodule", "add", "-q", str(other), SUBMODULE
    )
    commit_all(gitrepo, "vendor a repository")
    assert git(gitrepo, "ls-tree", "HEAD", SUBMODULE).startswith("160000 commit ")
    return gitrepo


@pytest.mark.parametrize(
    "args",
    [
        ("diff", "HEAD~1", "HEAD"),
        ("diff", "HEAD~1"),
        ("validate", "--ref", "HEAD"),
        ("validate",),
        ("check", "--ref", "HEAD", "--as-of", AS_OF_TEXT),
        ("history", "models/vendored"),
    ],
    ids=lambda args: " ".join(args),
)
def test_a_submodule_is_skipped_with_a_note(
    with_submodule: Path, run_cli: Invoke, args: tuple[str, ...]
) -> None:
    result = run_cli("--repo", with_submodule, *args)
    assert result.exit_code == 0, result.output
    assert NOTE in result.stderr
    assert "m9" not in result.output  # the submodule's own files are not this repository's


def test_validate_counts_only_this_repository(with_submodule: Path, run_cli: Invoke) -> None:
    at_commit = run_cli("--repo", with_submodule, "validate", "--ref", "HEAD")
    in_tree = run_cli("--repo", with_submodule, "validate")
    assert f"ok: {len(GOVERNANCE_FILES)} files valid (" in at_commit.stderr
    assert f"ok: {len(GOVERNANCE_FILES)} files valid (working tree)" in in_tree.stderr


def test_history_of_the_submodule_path_lists_no_commit(
    with_submodule: Path, run_cli: Invoke
) -> None:
    result = run_cli("--repo", with_submodule, "history", "models/vendored", "--format", "json")
    assert result.exit_code == 0, result.output
    assert '"revisions": []' in result.stdout


def test_report_skips_the_submodule(with_submodule: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "out" / "report.pdf"
    env = process_env(tmp_path / "home")
    args = ("report", "--unsigned", "--as-of", AS_OF_TEXT, "--output", pdf)
    done = run_tool(env, "--repo", with_submodule, *args)
    assert done.returncode == 0, done.stderr
    assert NOTE in done.stderr
    assert pdf.is_file()
    assert SUBMODULE not in pdf.with_name("report.manifest.json").read_text(encoding="utf-8")
