"""What the scenario tests share: how to read features/expected-outcomes.yaml and the
records a failing step names, and the result of the `scenarios` command."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

RECORD_AT = re.compile(r"(inventory/[\w./-]+\.yaml):\d+:\d+")
"""A record named by a failing step: its file, line and column."""


@dataclass(frozen=True)
class CliRun:
    """What `compliance-tool scenarios` said, and where it wrote its reports."""

    exit_code: int
    stdout: str
    stderr: str
    cucumber: Path
    junit: Path


def expected_outcomes(expected: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(feature file, scenario name) -> its entry in features/expected-outcomes.yaml."""
    return {
        (feature, entry["scenario"]): entry
        for feature, entries in expected["scenarios"].items()
        for entry in entries
    }


def named_records(message: str) -> set[str]:
    """The files of the records a failure message names."""
    return set(RECORD_AT.findall(message))
