"""Helpers of the observe tests: what a refused observation looks like."""

from __future__ import annotations

from pathlib import Path

from click.testing import Result


def refused(result: Result, snapshot: Path, *needles: str) -> None:
    """Exit 2 with every needle in the output, no traceback, and no ``snapshot`` written."""
    assert result.exit_code == 2, result.output
    for needle in needles:
        assert needle in result.output, result.output
    assert "Traceback" not in result.output
    assert not snapshot.exists()
