"""Files that records link to (runbooks, DPIAs, reviews, model cards) are files of the
repository: never inside ``.git/``, never reached through a symlink that leads out of it
or into ``.git/``. The finding is at the record's line and reads the same in the working
tree, which pre-commit and CI validate, and at the commit, which the report reads."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.cli import Invoke
from support.git import commit_all
from support.repos import edit, position

from compliance_tool.checks.validate import validate
from compliance_tool.repository.session import Where, open_inventory

MODEL = "inventory/models/m1.yaml"
RUNBOOK = "runbook: runbooks/m1.md"


def _problems(root: Path, ref: str | None) -> list[tuple[str, int, int, str, str]]:
    result = validate(open_inventory(Where(root, ref, use_cache=False)))
    return [(p.path, p.line, p.column, p.code, p.message) for p in result.problems]


def _link_to(root: Path, runbook: str) -> tuple[int, int]:
    """Point m1's runbook at ``runbook``, commit, and return where the value is."""
    edit(root / MODEL, RUNBOOK, f"runbook: {runbook}")
    commit_all(root, f"m1's runbook is {runbook}")
    line, column = position(root / MODEL, f"runbook: {runbook}")
    return line, column + len("runbook: ")


@pytest.mark.parametrize("runbook", [".git/config", "runbooks/../.git/config", ".git/HEAD"])
def test_a_runbook_inside_git_is_a_finding_everywhere(gitrepo: Path, runbook: str) -> None:
    line, column = _link_to(gitrepo, runbook)
    expected = (
        MODEL,
        line,
        column,
        "file",
        f"runbook '{runbook}' is inside .git/, which is git's own folder, "
        "not a file of the repository",
    )
    assert _problems(gitrepo, None) == [expected]
    assert _problems(gitrepo, "HEAD") == [expected]


def test_a_symlink_into_git_is_a_finding_everywhere(gitrepo: Path) -> None:
    link = gitrepo / "runbooks" / "m1.md"
    link.unlink()
    link.symlink_to("../.git/config")
    commit_all(gitrepo, "the runbook is git's configuration")
    line, column = position(gitrepo / MODEL, RUNBOOK)
    expected = (
        MODEL,
        line,
        column + len("runbook: "),
        "file",
        "runbook 'runbooks/m1.md' is a symlink to ../.git/config, which leads into .git/",
    )
    assert _problems(gitrepo, None) == [expected]
    assert _problems(gitrepo, "HEAD") == [expected]


def test_a_symlink_out_of_the_repository_is_a_finding_everywhere(
    gitrepo: Path, tmp_path: Path
) -> None:
    outside = tmp_path / "outside.md"
    outside.write_text("# not the repository's\n", encoding="utf-8")
    link = gitrepo / "runbooks" / "m1.md"
    link.unlink()
    link.symlink_to(outside)
    commit_all(gitrepo, "the runbook lives elsewhere")
    for ref in (None, "HEAD"):
        problems = _problems(gitrepo, ref)
        assert [p[:4] for p in problems] == [
            (MODEL, *position(gitrepo / MODEL, "runbooks/m1.md"), "file")
        ]
        assert "leads outside the repository" in problems[0][4]


def test_validate_and_check_fail_on_a_runbook_inside_git(gitrepo: Path, run_cli: Invoke) -> None:
    _link_to(gitrepo, ".git/config")
    for args in (("validate",), ("validate", "--ref", "HEAD")):
        result = run_cli("--repo", gitrepo, *args)
        assert result.exit_code == 1, result.output
        assert "runbook '.git/config' is inside .git/" in result.stdout
    for args in (("check",), ("check", "--ref", "HEAD")):
        result = run_cli("--repo", gitrepo, *args, "--as-of", "2026-03-01")
        assert result.exit_code == 2, result.output
        assert "1 validation problem(s)" in result.stderr
