"""The one path from a repository snapshot to checked results, shared by every command
that evaluates rules (check, coverage, report, diff, trend)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from compliance_tool.engine import CheckResult, Engine, RuleCache
from compliance_tool.errors import InventoryError
from compliance_tool.loader import Inventory
from compliance_tool.validate import ValidationResult, validate

WAIVER_FOLDER = "inventory/waivers/"


@dataclass(frozen=True, slots=True)
class Evaluation:
    inventory: Inventory
    validation: ValidationResult
    check: CheckResult


def today() -> dt.date:
    """The default evaluation date: today in UTC."""
    return dt.datetime.now(dt.UTC).date()


def evaluate(
    inventory: Inventory, as_of: dt.date, cache: RuleCache | None = None, jobs: int = 1
) -> Evaluation:
    """Validate, then run every rule. Invalid files stop the run (exit 2), except a
    waiver naming an unknown rule or subject, which the waiver rules report as a finding."""
    validation = validate(inventory)
    blocking = [
        p
        for p in validation.problems
        if not (p.code == "reference" and p.path.startswith(WAIVER_FOLDER))
    ]
    if blocking:
        raise InventoryError(
            f"{len(blocking)} validation problem(s) in {validation.source_label}; "
            "rules were not evaluated",
            hint="run 'compliance-tool validate' and fix them first",
            details=[p.format() for p in blocking],
        )
    check = Engine(inventory, as_of, cache=cache, jobs=jobs).run(inventory.source.commit)
    return Evaluation(inventory, validation, check)
