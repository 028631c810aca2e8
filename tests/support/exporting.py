"""Exports in tests: a committed copy of the sample to export from, and one export run
through the command into a file of the test's own."""

from __future__ import annotations

import os
from pathlib import Path

from click.testing import Result

from support.cli import invoke
from support.git import commit_all, git, identity, isolated_config
from support.repos import AS_OF_TEXT, copy_sample

AUTHOR = ("Export Tester", "export.tester@example.com")


def committed_sample(folder: Path) -> tuple[Path, str]:
    """A copy of the sample with compliance-tool.yaml in a git repository of its own,
    committed: its root and the commit."""
    root = copy_sample(folder / "repo", config=True)
    env = {**os.environ, **identity(AUTHOR), **isolated_config(folder / "git-home")}
    git(root, "init", "-q", env=env)
    return root, commit_all(root, "Sample governance repository", env=env)


def export_to(root: Path, format_name: str, target: Path, *args: str) -> Result:
    """``compliance-tool export FORMAT --ref HEAD --as-of AS_OF --output TARGET`` on
    ``root``; fails the test unless it exits 0 and writes the file."""
    result = invoke(
        "--repo", root, "export", format_name, "--ref", "HEAD", "--as-of", AS_OF_TEXT,
        "--output", target, *args,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert target.is_file()
    return result
