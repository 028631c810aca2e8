"""The results a check reports when it is given files: those about the records in them.

The rules always run on the whole inventory, since a rule reads across records (a model's
operator must be an active person); only what is reported, and what decides the exit
code, is narrowed to the given files and folders. A record's results are in scope when its
file is given; every result of a rule is in scope when the rule's file is given, since a
changed rule can fail any record. A change that breaks another record (a person who
leaves a rotation that a model relies on) shows in that record's file, which the full
check in CI reports.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable

from compliance_tool.checks.engine import CheckResult


def is_within(path: str, wanted: Iterable[str]) -> bool:
    """Whether the repository path ``path`` is one of ``wanted`` or inside one of them
    (each a repository-relative file or folder; ``""`` is the whole repository)."""
    return any(
        not item or path == item or path.startswith(item.rstrip("/") + "/") for item in wanted
    )


def restrict(check: CheckResult, wanted: Iterable[str]) -> CheckResult:
    """``check`` with only the results about the records in ``wanted`` (files and folders,
    repository-relative) and every result of a rule whose file is in ``wanted``."""
    wanted = list(wanted)
    changed_rules = {rule.id for rule in check.rules if is_within(rule.path, wanted)}
    kept = tuple(
        result
        for result in check.results
        if result.rule in changed_rules or is_within(result.path, wanted)
    )
    return dataclasses.replace(check, results=kept)
