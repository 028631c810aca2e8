"""Git as the repository subsystem meets it: an answer of "nothing found" is an answer, a
failing git command is a :class:`GitError` (exit 2, what failed and what git said), never
a traceback."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.cli import Invoke
from support.git import commit_all, git

from compliance_tool.errors import GitError
from compliance_tool.repository.session import Where, changed_paths, git_changes


def _drop_object(root: Path, spec: str) -> str:
    """Delete the loose object ``spec`` names (``HEAD:path``) from the object database, as
    a damaged or partial clone would lack it; return its id."""
    sha = git(root, "rev-parse", spec).strip()
    loose = root / ".git" / "objects" / sha[:2] / sha[2:]
    assert loose.is_file(), f"{spec} is not a loose object"
    loose.unlink()
    return sha


@pytest.fixture
def incident_deleted(gitrepo: Path) -> str:
    """The minimal repository with inc-001 (an id no other file names) deleted in a second
    commit; returns the first commit."""
    base = git(gitrepo, "rev-parse", "HEAD").strip()
    git(gitrepo, "rm", "-q", "inventory/incidents/inc-001.yaml")
    commit_all(gitrepo, "inc-001 was recorded by mistake")
    return base


def test_a_deleted_file_whose_id_nothing_names(gitrepo: Path, incident_deleted: str) -> None:
    assert changed_paths(Where(gitrepo), incident_deleted) == set()
    assert changed_paths(Where(gitrepo, "HEAD"), incident_deleted) == set()


def test_changed_since_a_deleted_file_whose_id_nothing_names(
    gitrepo: Path, incident_deleted: str, run_cli: Invoke
) -> None:
    for ref in ([], ["--ref", "HEAD"]):
        result = run_cli("--repo", gitrepo, "validate", *ref, "--changed-since", incident_deleted)
        assert (result.exit_code, result.stdout) == (0, "")
        assert result.stderr.startswith("ok: 0 files valid")


def test_git_grep_failing_is_a_git_error(
    gitrepo: Path, incident_deleted: str, run_cli: Invoke
) -> None:
    # git grep cannot read a file it searches: it exits 1, as for "no match", but says why
    sha = _drop_object(gitrepo, "HEAD:inventory/people/asmith.yaml")
    with pytest.raises(GitError, match="looking for the files that name 'inc-001'") as caught:
        changed_paths(Where(gitrepo, "HEAD"), incident_deleted)
    assert sha in caught.value.message
    result = run_cli("--repo", gitrepo, "validate", "--ref", "HEAD", "--changed-since", "HEAD~1")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(
        "error: git failed while looking for the files that name 'inc-001': "
    )
    assert "unable to read" in result.stderr
    assert "Traceback" not in result.stderr


def test_git_diff_failing_is_a_git_error(gitrepo: Path, run_cli: Invoke) -> None:
    (gitrepo / ".git" / "index").write_bytes(b"not an index")
    with pytest.raises(GitError, match=r"listing the changes since HEAD: fatal: .*index"):
        git_changes(gitrepo, "HEAD", None)
    result = run_cli("--repo", gitrepo, "validate", "--changed-since", "HEAD")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: git failed while listing the changes since HEAD: ")
    assert "git fsck" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_object_is_a_git_error(gitrepo: Path, run_cli: Invoke) -> None:
    sha = _drop_object(gitrepo, "HEAD:inventory/models/m1.yaml")
    result = run_cli("--repo", gitrepo, "validate", "--ref", "HEAD", "--no-cache")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"error: git object {sha} of commit ")
    assert "is missing" in result.stderr
    assert "Traceback" not in result.stderr
