"""The one path from a repository snapshot to checked results, shared by every command
that evaluates rules (check, coverage, report, diff, trend)."""

from __future__ import annotations

import datetime as dt
import hashlib
import marshal
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from compliance_tool.checks.engine import CheckResult, Detail, Engine, Result, RuleCache, Status
from compliance_tool.checks.validate import ValidationResult, validate
from compliance_tool.errors import InventoryError
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Inventory
from compliance_tool.repository.session import CACHE_DIR, Where

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
    engine = Engine(inventory, as_of, cache=cache, jobs=jobs)
    memo = _check_memo(inventory, cache)
    check = remembered_check(engine, memo, as_of) if memo is not None else None
    if check is None:
        check = engine.run(inventory.source.commit)
        if memo is not None:
            remember_check(engine, memo, as_of, check)
    return Evaluation(inventory, validation, check)


CHECK_MEMO_FORMAT = 1


def _check_memo(inventory: Inventory, cache: RuleCache | None) -> Path | None:
    """Where a whole check of this working tree is remembered (beside the rule cache)."""
    if cache is None or cache.path is None or inventory.content_key is None:
        return None
    return cache.path.with_name("check.marshal")


def _check_key(engine: Engine, as_of: dt.date, files: list[str]) -> str:
    """The repository's content key (every governance and linked file), the evaluation
    date, and the state of every other file the rules looked at."""
    inventory = engine.inventory
    digest = hashlib.sha256(f"{inventory.content_key}\0{as_of}\n".encode())
    for path in files:
        digest.update(f"{path}\0{inventory.source.file_problem(path)}\n".encode())
    return digest.hexdigest()


def remembered_check(engine: Engine, memo: Path, as_of: dt.date) -> CheckResult | None:
    """The whole result of the last check, when nothing it depended on has changed."""
    try:
        with open(memo, "rb") as handle:
            version, key, files, packed = marshal.load(handle)
    except (OSError, EOFError, ValueError, TypeError):
        return None
    if version != CHECK_MEMO_FORMAT or key != _check_key(engine, as_of, files):
        return None
    rules = {rule.id: rule for rule in engine.rules}
    results = []
    for rule_id, kind, subject, path, line, column, status, details, waiver, expires in packed:
        rule = rules[rule_id]
        results.append(
            Result(
                rule_id,
                rule.severity,
                Status(status),
                Kind(kind),
                subject,
                path,
                line,
                column,
                rule.message,
                tuple(Detail(*d) for d in details),
                waiver,
                expires,
            )
        )
    return CheckResult(
        as_of,
        engine.inventory.source.label,
        engine.inventory.source.commit,
        tuple(sorted(engine.rules, key=lambda r: r.id)),
        tuple(results),
        {},
    )


def remember_check(engine: Engine, memo: Path, as_of: dt.date, check: CheckResult) -> None:
    files = sorted({key for reads in engine.used_reads for name, key, _ in reads if name == "file"})
    packed = [
        (
            r.rule,
            r.kind.value,
            r.subject,
            r.path,
            r.line,
            r.column,
            r.status.value,
            tuple((d.field, d.message, d.line, d.column) for d in r.details),
            r.waiver,
            r.waiver_expires,
        )
        for r in check.results
    ]
    try:
        handle, temp = tempfile.mkstemp(dir=memo.parent, prefix=".check-")
        with os.fdopen(handle, "wb") as out:
            marshal.dump((CHECK_MEMO_FORMAT, _check_key(engine, as_of, files), files, packed), out)
        os.replace(temp, memo)
    except OSError:
        pass


def rule_cache(where: Where) -> RuleCache | None:
    """The on-disk cache of rule results, unless caching is disabled."""
    if not where.use_cache or os.environ.get("COMPLIANCE_TOOL_NO_CACHE"):
        return None
    return RuleCache(where.root / CACHE_DIR / "rules.marshal")


def default_jobs() -> int:
    """Worker processes for rule evaluation: both cores of a small machine, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))
