"""What the scenario tests share: where the sample is, its date, how to read expectations."""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 11, 26)
"""The evaluation date of the sample inventory (inventory/README.md)."""

RECORD_AT = re.compile(r"(inventory/[\w./-]+\.yaml):\d+:\d+")
"""A record named by a failing step: its file, line and column."""


@dataclass(frozen=True)
class CliRun:
    exit_code: int
    stdout: str
    stderr: str
    cucumber: Path
    junit: Path


def quiet_env() -> dict[str, str | None]:
    """No outside setting may change what the tool prints."""
    unset: dict[str, str | None] = {
        name: None for name in os.environ if name.startswith("COMPLIANCE_TOOL_")
    }
    return {**unset, "GITHUB_ACTIONS": None, "NO_COLOR": "1"}


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
