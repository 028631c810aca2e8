"""A cache is the tool's own, never the repository's: caches committed by a pull request,
files of another user and named pipes in the cache folder are ignored with a warning, so
that a forged "ok" never turns a failing gate green and no read of the cache can block."""

from __future__ import annotations

import marshal
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from support.cli import TOOL, Invoke, process_env
from support.git import commit_all, git
from support.repos import edit

from compliance_tool.repository.cache import CACHE_DIR

DATE = ("--as-of", "2026-11-26")
NOBODY = 65534


def _stored(path: Path) -> tuple[tuple[Any, ...], Any]:
    """The stamp and value of a cache file as the tool saved it."""
    stored = marshal.loads(path.read_bytes())
    return stored[:5], stored[5]


def _forge(root: Path, run_cli: Invoke) -> None:
    """What an attacker does once on a broken inventory: run the tool, then rewrite its
    validation memo to "no problems" and its check memo to "no results", keeping the
    exact stamp (and so the key) the tool wrote, as the tool's own save would."""
    assert run_cli("--repo", root, "validate").exit_code == 1
    folder = root / CACHE_DIR
    validation = folder / "validation.marshal"
    stamp, (linked, linked_key, problems, files_checked) = _stored(validation)
    assert problems  # the unknown owner
    validation.write_bytes(marshal.dumps((*stamp, (linked, linked_key, [], files_checked))))
    assert run_cli("--repo", root, "check", *DATE).exit_code in (0, 1)  # fills the check memo
    check = folder / "check.marshal"
    stamp, (files, files_key, _) = _stored(check)
    check.write_bytes(marshal.dumps((*stamp, (files, files_key, []))))
    forged = run_cli("--repo", root, "check", *DATE)
    assert forged.exit_code == 0 and "0 failing, 0 waived, 0 passing" in forged.stderr


@pytest.fixture
def broken(gitrepo: Path) -> Path:
    """The minimal repository with a model whose owner nobody is (validate 1, check 2)."""
    edit(gitrepo / "inventory/models/m1.yaml", "owner: asmith", "owner: asmth")
    commit_all(gitrepo, "a model owned by a typo")
    return gitrepo


def _verdicts(run_cli: Invoke, root: Path) -> tuple[int, int, str]:
    validate = run_cli("--repo", root, "validate")
    check = run_cli("--repo", root, "check", *DATE)
    return validate.exit_code, check.exit_code, validate.stderr + check.stderr


def test_a_committed_cache_is_not_served_in_a_fresh_clone(
    broken: Path, run_cli: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _forge(broken, run_cli)
    git(broken, "add", "-f", CACHE_DIR)
    commit_all(broken, "speed up CI")
    clone = tmp_path / "ci"
    git(tmp_path, "clone", "-q", str(broken), str(clone))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "ci-home-cache"))  # another machine
    assert (clone / CACHE_DIR / "validation.marshal").is_file()
    validate, check, said = _verdicts(run_cli, clone)
    assert (validate, check) == (1, 2)
    warning = [line for line in said.splitlines() if line.startswith("warning:")]
    assert len(warning) == 2  # once per command
    assert f"{CACHE_DIR}/check.marshal" in warning[0]
    assert f"{CACHE_DIR}/validation.marshal" in warning[0]
    assert f"git rm --cached -r {CACHE_DIR}" in warning[0]
    # and nothing was written over the tracked files
    assert git(clone, "status", "--porcelain") == ""
    git(clone, "rm", "-q", "--cached", "-r", CACHE_DIR)
    commit_all(clone, "the cache is not ours to commit")
    validate, check, said = _verdicts(run_cli, clone)
    assert (validate, check) == (1, 2)  # the forged files have no key of this content now
    assert "warning" not in said


def test_a_cache_folder_under_a_subfolder_of_the_git_repository(
    broken: Path, run_cli: Invoke, tmp_path: Path
) -> None:
    _forge(broken, run_cli)
    outer = tmp_path / "outer"
    shutil.copytree(broken, outer / "governance", ignore=shutil.ignore_patterns(".git"))
    git(outer, "init", "-q")
    git(outer, "add", "-A")
    git(outer, "add", "-f", f"governance/{CACHE_DIR}")
    git(outer, "commit", "-q", "--no-gpg-sign", "-m", "governance and a cache")
    validate, check, said = _verdicts(run_cli, outer / "governance")
    assert (validate, check) == (1, 2)
    assert f"{CACHE_DIR}/validation.marshal" in said


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_cache_files_of_another_user_are_ignored(broken: Path, run_cli: Invoke) -> None:
    _forge(broken, run_cli)
    folder = broken / CACHE_DIR
    for name in ("validation.marshal", "check.marshal"):
        os.chown(folder / name, NOBODY, NOBODY)
    validate, check, said = _verdicts(run_cli, broken)
    assert (validate, check) == (1, 2)
    assert f"{folder / 'validation.marshal'} belongs to another user (uid {NOBODY})" in said
    # the run replaced the foreign file by its own: the next run is quiet
    assert (folder / "validation.marshal").stat().st_uid == os.geteuid()

    _forge(broken, run_cli)
    os.chown(folder, NOBODY, NOBODY)
    validate, check, said = _verdicts(run_cli, broken)
    assert (validate, check) == (1, 2)
    assert f"cache folder {folder} belongs to another user (uid {NOBODY})" in said


def test_a_linked_cache_folder_is_not_used(broken: Path, run_cli: Invoke, tmp_path: Path) -> None:
    _forge(broken, run_cli)
    elsewhere = tmp_path / "elsewhere"
    (broken / CACHE_DIR).rename(elsewhere)
    (broken / CACHE_DIR).symlink_to(elsewhere)
    validate, check, said = _verdicts(run_cli, broken)
    assert (validate, check) == (1, 2)
    assert "is a symbolic link: caching is off" in said


PIPES = {
    "validation": ("validate", ()),
    "parse": ("validate", ("validation",)),
    "check": ("check", ()),
    "rules": ("check", ("check",)),
}
"""Each cache file, the command that reads it and the memos removed so that it is read."""


@pytest.mark.parametrize("name", list(PIPES))
def test_a_named_pipe_in_the_cache_never_blocks(
    gitrepo: Path, run_cli: Invoke, tmp_path: Path, name: str
) -> None:
    assert run_cli("--repo", gitrepo, "check", *DATE).exit_code == 0  # fills every cache
    command, shadows = PIPES[name]
    folder = gitrepo / CACHE_DIR
    for shadow in shadows:
        (folder / f"{shadow}.marshal").unlink()
    entry = folder / f"{name}.marshal"
    entry.unlink()
    os.mkfifo(entry)  # nobody ever writes to it: opening it for reading would wait forever
    done = subprocess.run(
        [str(TOOL), "--repo", str(gitrepo), command, *(DATE if command == "check" else ())],
        env=process_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"warning: cache file {entry} is not a regular file: ignored" in done.stderr
