"""The command line. Only this package knows Click: it parses, builds, runs and prints.

``app`` holds the command group, error handling and shared options; each other module
holds the commands of one audience and registers them on the group when imported.
"""

from __future__ import annotations

from compliance_tool.cli import (
    adopt,
    audit,
    continuity,
    export,
    inventory,
    observe,
    oncall,
    people,
    report,
    rhythm,
    rules,
    scenarios,
)
from compliance_tool.cli.app import cli, main

__all__ = [
    "adopt",
    "audit",
    "cli",
    "continuity",
    "export",
    "inventory",
    "main",
    "observe",
    "oncall",
    "people",
    "report",
    "rhythm",
    "rules",
    "scenarios",
]
