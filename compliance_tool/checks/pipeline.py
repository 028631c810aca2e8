"""The one path from a repository snapshot to checked results, shared by every command
that evaluates rules (check, coverage, report, diff, trend)."""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass, replace
from typing import Any

from compliance_tool.checks.engine import CheckResult, Detail, Engine, Result, Status
from compliance_tool.checks.rule_cache import RuleCache
from compliance_tool.checks.validate import ValidationResult, files_state_key, validate
from compliance_tool.errors import InventoryError
from compliance_tool.repository.cache import CacheFile, Many, OneOf, fits
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Inventory
from compliance_tool.repository.session import Where, cache_folder, git_prefix

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
    check = replace(check, git_prefix=git_prefix(inventory.source))
    return Evaluation(inventory, validation, check)


CHECK_MEMO_FORMAT = 2


def _check_memo(inventory: Inventory, cache: RuleCache | None) -> CacheFile | None:
    """Where a whole check of this working tree is remembered (beside the rule cache)."""
    if cache is None or cache.folder is None or inventory.content_key is None:
        return None
    return CacheFile(cache.folder, "check", CHECK_MEMO_FORMAT)


def _check_key(inventory: Inventory, as_of: dt.date) -> str:
    """The repository's content key (every governance and linked file, as validated) and
    the evaluation date."""
    return f"{inventory.content_key}\0{as_of}"


_TEXT_OR_NONE = OneOf((str, type(None)))
RESULT_SHAPE = (
    str,  # rule
    str,  # kind
    str,  # subject
    str,  # path
    int,  # line
    int,  # column
    str,  # status
    Many((str, str, int, int), tuple),  # details: field, message, line, column
    _TEXT_OR_NONE,  # waiver
    _TEXT_OR_NONE,  # waiver expires
)
"""One result as the check memo keeps it (:func:`remember_check`)."""

CHECK_MEMO_SHAPE = (Many(str), str, Many(RESULT_SHAPE))
"""The check memo: the files it depended on, their state key, the results."""


def remembered_check(engine: Engine, memo: CacheFile, as_of: dt.date) -> CheckResult | None:
    """The whole result of the last check, when it has the memo's shape and nothing it
    depended on has changed."""
    inventory = engine.inventory
    stored = memo.load(_check_key(inventory, as_of))
    if stored is None or not fits(stored, CHECK_MEMO_SHAPE):
        return None
    files, files_key, packed = stored
    if files_key != files_state_key(inventory, files):
        return None
    try:
        results = _unpack_results(engine, packed)
    except (TypeError, ValueError, KeyError):
        return None  # a rule, kind or status this tool does not know: a miss
    return CheckResult(
        as_of,
        inventory.source.label,
        inventory.source.commit,
        tuple(sorted(engine.rules, key=lambda r: r.id)),
        results,
        {},
    )


def _unpack_results(engine: Engine, packed: list[Any]) -> tuple[Result, ...]:
    """The memo's results, with what they take from their rule: severity, message and, for
    an upcoming result, the date from which it is a failure (the memo's key holds the rule
    and framework files and the evaluation date, so the rule's date is the one marked)."""
    rules = {rule.id: rule for rule in engine.rules}
    results = []
    for rule_id, kind, subject, path, line, column, status, details, waiver, expires in packed:
        rule = rules[rule_id]
        state = Status(status)
        results.append(
            Result(
                rule_id,
                rule.severity,
                state,
                Kind(kind),
                subject,
                path,
                line,
                column,
                rule.message,
                tuple(Detail(*d) for d in details),
                waiver,
                expires,
                rule.applies_from if state is Status.UPCOMING else None,
            )
        )
    return tuple(results)


def remember_check(engine: Engine, memo: CacheFile, as_of: dt.date, check: CheckResult) -> None:
    """Save the whole result, with the files it depended on beyond the records."""
    inventory = engine.inventory
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
    memo.save(_check_key(inventory, as_of), (files, files_state_key(inventory, files), packed))


def rule_cache(where: Where) -> RuleCache | None:
    """The on-disk cache of rule results, unless caching is disabled."""
    folder = cache_folder(where)
    return RuleCache(folder) if folder is not None else None


def default_jobs() -> int:
    """Worker processes for rule evaluation: both cores of a small machine, at most 4."""
    return max(1, min(4, os.cpu_count() or 1))
