"""Fixtures of the scenario tests: the sample repository's features, run once per session."""

from __future__ import annotations

from typing import Any

import pytest
from support.cli import quiet_env, run
from support.repos import AS_OF, REPO_ROOT
from support.scenarios import CliRun

from compliance_tool.repository.yamlio import parse_document
from compliance_tool.scenarios.runner import ScenarioRun, run_features


@pytest.fixture(scope="session")
def sample_run() -> ScenarioRun:
    """Every feature of the repository against the sample inventory at 2026-11-26, without
    the cache, which would write into the sample (read by tests running at the same time)."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("COMPLIANCE_TOOL_NO_CACHE", "1")
        return run_features(REPO_ROOT, None, AS_OF)


@pytest.fixture(scope="session")
def sample_cli(tmp_path_factory: pytest.TempPathFactory) -> CliRun:
    """``compliance-tool scenarios`` on the sample, writing Cucumber JSON and JUnit XML."""
    out = tmp_path_factory.mktemp("scenario-reports")
    cucumber, junit = out / "reports" / "cucumber.json", out / "reports" / "junit.xml"
    args = ["--repo", REPO_ROOT, "scenarios", "--as-of", AS_OF.isoformat()]
    result = run(*args, "--cucumber-json", cucumber, "--junit", junit, env=quiet_env(cache=False))
    return CliRun(result.exit_code, result.stdout, result.stderr, cucumber, junit)


@pytest.fixture(scope="session")
def expected() -> dict[str, Any]:
    """features/expected-outcomes.yaml, read with the tool's own YAML 1.2 reader."""
    document = parse_document((REPO_ROOT / "features" / "expected-outcomes.yaml").read_bytes())
    assert document.data is not None and not document.issues, document.issues
    return document.data
