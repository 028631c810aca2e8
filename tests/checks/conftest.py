"""Fixtures of the checks tests: copies of the sample, parallel runs, and a guard on the
sample itself."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from support.repos import copy_sample

import compliance_tool.checks.engine


@pytest.fixture(autouse=True)
def _sample_stays_read_only(sample_is_read_only: None) -> None:
    """Every test of this folder: see :func:`sample_is_read_only`."""


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
