"""Shared fixtures: a clean environment, git identity, the minimal repository, the CLI, and
the checked repository of the reporter tests; and how pytest-xdist shares the tests out."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from support.checks import evaluate_at
from support.cli import Invoke, is_outside_setting, run
from support.git import commit_all, git, identity, isolated_config
from support.reporter_repo import build_repository
from support.repos import REPO_ROOT, write_minirepo

from compliance_tool.checks.engine import CheckResult

SHARED_BY_GROUP = {"renders": "report-renders", "mlflow_server": "mlflow-server"}
"""Session fixtures too costly to make once per xdist worker (the five renders of the
sample's report, the MLflow server), and the group whose tests all run in one worker."""

FIRST_GROUPS = (
    "tests/integrations/test_pre_commit_hooks.py",
    "report-renders",
    "tests/test_packaging.py",
    "mlflow-server",
)
"""The longest units of work (pip installing hook environments and the wheel, the renders,
the server), handed out first so that no worker is left with one alone at the end."""


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups
def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Every test that uses a fixture of :data:`SHARED_BY_GROUP` joins its xdist group."""
    for item in items:
        used = getattr(item, "fixturenames", ())
        group = next((g for name, g in SHARED_BY_GROUP.items() if name in used), None)
        if group is not None:
            item.add_marker(pytest.mark.xdist_group(group))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config: pytest.Config, log: object) -> object:
    """``--dist loadgroup`` with a module as the unit of every test outside a group, so
    that each module-scoped fixture is made in one worker only."""
    from xdist.scheduler import LoadGroupScheduling

    class ByModuleOrGroup(LoadGroupScheduling):  # type: ignore[misc]
        def _split_scope(self, nodeid: str) -> str:
            scope = super()._split_scope(nodeid)
            return scope.split("::", 1)[0] if scope == nodeid else scope

        def _assign_work_unit(self, node: object) -> None:
            for scope in FIRST_GROUPS:
                if scope in self.workqueue:
                    self.workqueue.move_to_end(scope, last=False)
                    break
            super()._assign_work_unit(node)

    if config.getvalue("dist") != "loadgroup":
        return None
    return ByModuleOrGroup(config, log)


@pytest.fixture(scope="session")
def user_cache_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The tests' ``XDG_CACHE_HOME``, where the tool keeps its per-user cache secret."""
    return tmp_path_factory.mktemp("user-cache")


@pytest.fixture(autouse=True)
def clean_env(monkeypatch: pytest.MonkeyPatch, user_cache_home: Path) -> None:
    """No outside setting may change what the tool prints: CI markers, tool options, colour;
    and the tool's per-user files go to a folder of the test session, not the home folder."""
    for name in list(os.environ):
        if is_outside_setting(name):
            monkeypatch.delenv(name)
    monkeypatch.setenv("XDG_CACHE_HOME", str(user_cache_home))


@pytest.fixture
def git_env(monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory) -> None:
    """A git identity and no user or system configuration, for commits made by tests."""
    author = ("Test Author", "author@example.com")
    committer = ("Test Committer", "committer@example.com")
    home = tmp_path_factory.mktemp("git-home")
    for name, value in {**identity(author, committer), **isolated_config(home)}.items():
        monkeypatch.setenv(name, value)


def _cache_state() -> dict[str, tuple[int, int]]:
    folder = REPO_ROOT / ".compliance-cache"
    if not folder.is_dir():
        return {}
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}


@pytest.fixture
def sample_is_read_only() -> Iterator[None]:
    """No test that uses it writes the sample repository's caches."""
    before = _cache_state()
    yield
    assert _cache_state() == before, "a test wrote into the sample's .compliance-cache/"


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
    return run


@pytest.fixture(scope="session")
def governance_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reporter tests' repository (see :mod:`support.reporter_repo`); read it only."""
    return build_repository(tmp_path_factory.mktemp("reporters") / "repo")


@pytest.fixture(scope="session")
def checked(governance_repo: Path) -> CheckResult:
    """The results of every rule of :func:`governance_repo`."""
    return evaluate_at(governance_repo)
