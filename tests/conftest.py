"""Shared fixtures: a clean environment, git identity, the minimal repository, the CLI, and
the checked repository of the reporter tests."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from support.reporter_repo import build_repository, check_repository
from support.repos import Invoke, commit_all, git, write_minirepo

from compliance_tool.checks.engine import CheckResult
from compliance_tool.cli import cli

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No outside setting may change what the tool prints: CI markers, tool options, colour."""
    for name in list(os.environ):
        if name.startswith("COMPLIANCE_TOOL_") or name in ("GITHUB_ACTIONS", "NO_COLOR"):
            monkeypatch.delenv(name)


@pytest.fixture
def git_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A git identity and no user or system configuration, for commits made by tests."""
    home = tmp_path_factory.mktemp("git-home")
    config = home / "gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    for name, value in {
        "GIT_AUTHOR_NAME": "Test Author",
        "GIT_AUTHOR_EMAIL": "author@example.com",
        "GIT_COMMITTER_NAME": "Test Committer",
        "GIT_COMMITTER_EMAIL": "committer@example.com",
        "GIT_CONFIG_GLOBAL": str(config),
        "GIT_CONFIG_NOSYSTEM": "1",
    }.items():
        monkeypatch.setenv(name, value)


@pytest.fixture
def minirepo(tmp_path: Path) -> Path:
    """The minimal valid governance repository, written in a fresh folder."""
    return write_minirepo(tmp_path / "repo")


@pytest.fixture
def gitrepo(minirepo: Path, git_env: None) -> Path:
    """The minimal repository as a git repository with one commit."""
    git(minirepo, "init", "-q")
    commit_all(minirepo, "minimal repository")
    return minirepo


@pytest.fixture
def run_cli() -> Invoke:
    """``run_cli(*args)``: the compliance-tool command in-process, exceptions not caught."""

    def invoke(*args: str | Path) -> Result:
        runner = CliRunner()
        return runner.invoke(cli, [str(a) for a in args], catch_exceptions=False)

    return invoke


@pytest.fixture(scope="session")
def governance_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reporter tests' repository (see :mod:`support.reporter_repo`); read it only."""
    return build_repository(tmp_path_factory.mktemp("reporters") / "repo")


@pytest.fixture(scope="session")
def checked(governance_repo: Path) -> CheckResult:
    """The results of every rule of :func:`governance_repo`."""
    return check_repository(governance_repo)
