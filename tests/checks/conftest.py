"""Fixtures of the engine tests: copies of the sample, and a guard on the sample itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.checks import REPO_ROOT, copy_sample

import compliance_tool.checks.engine


def _cache_state() -> dict[str, tuple[int, int]]:
    folder = REPO_ROOT / ".compliance-cache"
    if not folder.is_dir():
        return {}
    return {p.name: (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.iterdir()}


@pytest.fixture(autouse=True)
def sample_is_read_only() -> Iterator[None]:
    """No test of this folder writes the sample repository's caches."""
    before = _cache_state()
    yield
    assert _cache_state() == before, "a test wrote into the sample's .compliance-cache/"


@pytest.fixture
def sample_copy(tmp_path: Path) -> Path:
    """A copy of the sample repository (inventory, policies and the files they name)."""
    return copy_sample(tmp_path / "sample")


@pytest.fixture
def parallel_always() -> Iterator[None]:
    """Parallel evaluation even for the small sample: the engine's threshold set to 0."""
    saved = compliance_tool.checks.engine.PARALLEL_MIN_EVALUATIONS
    compliance_tool.checks.engine.PARALLEL_MIN_EVALUATIONS = 0
    yield
    compliance_tool.checks.engine.PARALLEL_MIN_EVALUATIONS = saved
