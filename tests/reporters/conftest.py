"""Fixtures of the reporter tests: one checked repository shared by the whole session."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance_tool.checks.engine import CheckResult
from reporters.repository import build_repository, check_repository


@pytest.fixture(scope="session")
def governance_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The reporter tests' repository (see :mod:`reporters.repository`); read it only."""
    return build_repository(tmp_path_factory.mktemp("reporters") / "repo")


@pytest.fixture(scope="session")
def checked(governance_repo: Path) -> CheckResult:
    """The results of every rule of :func:`governance_repo`."""
    return check_repository(governance_repo)
