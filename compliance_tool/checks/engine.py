"""The rule engine: compile rules once, evaluate them on records, apply waivers.

A rule's ``when`` and ``require`` are Cerberus schemas applied to one record with unknown
keys allowed; checks that span records are the custom rules of
:mod:`compliance_tool.checks.custom_rules`, fed by :class:`~compliance_tool.checks.facts.Facts`
computed once per run. ``when`` runs first and ``require`` only on the records it
selects. Rules on waivers run last, so that a waiver can be checked against the failures
it claims to waive; a waiver waives only while every waiver rule passes for it.
"""

from __future__ import annotations

import datetime as dt
import enum
import hashlib
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

from cerberus.errors import BasicErrorHandler, ValidationError

from compliance_tool.checks.custom_rules import GovernanceValidator
from compliance_tool.checks.facts import Facts
from compliance_tool.checks.fastpath import compile_selector
from compliance_tool.checks.frameworks import (
    AppliesFrom,
    effective_applies_from,
    frameworks,
    resolve_applies_from,
)
from compliance_tool.checks.rule_cache import Packed, Reads, RuleCache
from compliance_tool.checks.rule_schemas import compile_schemas, rule_problem
from compliance_tool.errors import PolicyError
from compliance_tool.repository.kinds import Kind, Severity
from compliance_tool.repository.loader import Inventory, Record
from compliance_tool.repository.problems import Problem


class Status(enum.StrEnum):
    """Outcome of one rule on one record."""

    PASS = "pass"
    FAIL = "fail"
    WAIVED = "waived"
    UPCOMING = "upcoming"
    """A failure of a rule that is not yet enforced (before its ``applies_from`` date)."""


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule file made ready to run: its metadata and two Cerberus validators."""

    id: str
    title: str
    rationale: str
    severity: Severity
    controls: tuple[str, ...]
    applies_to: Kind
    message: str
    remediation: str
    path: str
    line: int
    when: GovernanceValidator | None = field(repr=False, compare=False)
    require: GovernanceValidator = field(repr=False, compare=False)
    source: dict[str, Any] = field(repr=False, compare=False)
    applies_from: AppliesFrom | None = None
    """From when a failure is enforced: the rule's own date, or its controls'."""


@dataclass(frozen=True, slots=True)
class Detail:
    """One reason a record fails a rule: the field, what is wrong, and where."""

    field: str
    message: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Result:
    """One rule evaluated on one record."""

    rule: str
    severity: Severity
    status: Status
    kind: Kind
    subject: str
    path: str
    line: int
    column: int
    message: str
    details: tuple[Detail, ...] = ()
    waiver: str | None = None
    waiver_expires: str | None = None
    applies_from: AppliesFrom | None = None
    """For an upcoming result: the date from which it will be a failure."""

    @property
    def key(self) -> tuple[str, str, str]:
        """What a waiver names: the rule, the subject's kind and id."""
        return (self.rule, self.kind.value, self.subject)


@dataclass(frozen=True, slots=True)
class CheckResult:
    """Every result of a run, with what it ran on."""

    as_of: dt.date
    source_label: str
    commit: str | None
    rules: tuple[CompiledRule, ...]
    results: tuple[Result, ...]
    timings: dict[str, float] = field(default_factory=dict, compare=False)
    git_prefix: str = ""
    """Where the governance root sits in its git repository (``""`` or ``"sub/"``): code
    hosts (SARIF, GitHub annotations) take paths from the top of the repository."""

    @property
    def findings(self) -> list[Result]:
        """Failures and waived failures, sorted by file and line."""
        return [r for r in self.results if r.status in (Status.FAIL, Status.WAIVED)]

    @property
    def upcoming(self) -> list[Result]:
        """Failures of rules not yet enforced, soonest date first."""
        found = [r for r in self.results if r.status is Status.UPCOMING]
        return sorted(
            found,
            key=lambda r: (
                r.applies_from.date if r.applies_from else dt.date.max,
                r.path,
                r.line,
                r.rule,
            ),
        )

    def failing(self, threshold: Severity = Severity.INFO) -> list[Result]:
        """Unwaived failures at or above ``threshold``."""
        return [r for r in self.results if r.status is Status.FAIL and r.severity >= threshold]

    def rule(self, rule_id: str) -> CompiledRule:
        return next(r for r in self.rules if r.id == rule_id)


# -- compiling --------------------------------------------------------------------------


def compile_rules(
    inventory: Inventory,
    facts: Facts,
    only: list[str] | None = None,
    reads: list[tuple[str, str, Any]] | None = None,
) -> list[CompiledRule]:
    """Compile every rule file (or those named in ``only``); a PolicyError lists every
    unusable one, and then nothing runs."""
    compiled: list[CompiledRule] = []
    problems: list[Problem] = []
    known = frameworks(inventory)
    control_dates = _control_dates(inventory, known, problems)
    for record in inventory.records(Kind.RULE):
        if only is not None and record.id not in only:
            continue
        data = record.data

        def problem(
            path: tuple[str | int, ...], message: str, hint: str, r: Record = record
        ) -> None:
            problems.append(rule_problem(r, path, message, hint))

        for index, control in enumerate(data.get("controls") or ()):
            if not inventory.has(Kind.CONTROL, str(control)):
                problem(
                    ("controls", index),
                    f"unknown control '{control}'",
                    "name a control of policies/controls/",
                )
        applies = data.get("applies_to")
        if applies not in Kind._value2member_map_:
            problem(
                ("applies_to",),
                f"unknown kind '{applies}'",
                "use one of: " + ", ".join(k.value for k in Kind),
            )
            continue
        validators, mistakes = compile_schemas(record, facts, reads)
        problems.extend(mistakes)
        own, at, message, hint = resolve_applies_from(data.get("applies_from"), known)
        if message:
            problem(("applies_from", *at), message, hint)
            continue
        require = validators.get("require")
        if require is None:
            continue
        line, _ = record.position()
        controls = tuple(str(c) for c in data.get("controls") or ())
        compiled.append(
            CompiledRule(
                id=record.id,
                title=str(data.get("title", record.id)),
                rationale=str(data.get("rationale", "")),
                severity=Severity.parse(str(data.get("severity", "medium"))),
                controls=tuple(str(c) for c in data.get("controls") or ()),
                applies_to=Kind(str(applies)),
                message=str(data.get("message") or data.get("title", record.id)),
                remediation=str(data.get("remediation", "")),
                path=record.path,
                line=line,
                when=validators["when"],
                require=require,
                source=data,
                applies_from=effective_applies_from(own, (control_dates.get(c) for c in controls)),
            )
        )
    if problems:
        raise PolicyError(
            f"{len(problems)} problem(s) in rule files; nothing was evaluated",
            hint="fix the rules below",
            details=[p.format() for p in sorted(problems)],
        )
    return compiled


def _control_dates(
    inventory: Inventory, known: dict[str, Any], problems: list[Problem]
) -> dict[str, AppliesFrom | None]:
    """Each control's ``applies_from`` as a date; a reference that names nothing is a
    problem of the control file."""
    dates: dict[str, AppliesFrom | None] = {}
    for control in inventory.records(Kind.CONTROL):
        value, at, message, hint = resolve_applies_from(control.data.get("applies_from"), known)
        if message:
            path = ("applies_from", *at)
            line, column = control.position(path)
            problems.append(
                Problem(
                    control.path, line, column, "Control", ".".join(path), message, hint, "rule"
                )
            )
        dates[control.id] = value
    return dates


def mark_upcoming(
    results: list[Result], rules: Iterable[CompiledRule], as_of: dt.date
) -> list[Result]:
    """Turn each failure of a rule not yet enforced on ``as_of`` into 'upcoming'."""
    pending = {
        r.id: r.applies_from for r in rules if r.applies_from and not r.applies_from.in_force(as_of)
    }
    if not pending:
        return results
    return [
        replace(r, status=Status.UPCOMING, applies_from=pending[r.rule])
        if r.status is Status.FAIL and r.rule in pending
        else r
        for r in results
    ]


# -- evaluating -------------------------------------------------------------------------

_MESSAGES = BasicErrorHandler.messages


def _leaf_errors(errors: Iterable[ValidationError]) -> Iterator[ValidationError]:
    for error in errors:
        if error.is_group_error and error.child_errors:
            yield from _leaf_errors(error.child_errors)
        else:
            yield error


def _describe(error: ValidationError) -> str:
    rule = error.rule
    value = error.value
    if rule is None or error.code == 0:  # a custom rule's own words
        return str(error.info[0]) if error.info else "does not hold"
    if rule == "required":
        return "is missing"
    if rule == "allowed":
        allowed = ", ".join(str(a) for a in error.constraint)
        return f"is {value!r}, allowed: {allowed}"
    if rule == "forbidden":
        return f"must not be {value!r}"
    if rule == "min":
        return f"is {value}, must be at least {error.constraint}"
    if rule == "max":
        return f"is {value}, must be at most {error.constraint}"
    if rule == "minlength":
        return f"has {len(value)} item(s), needs at least {error.constraint}"
    if rule == "maxlength":
        return f"has {len(value)} item(s), at most {error.constraint} allowed"
    if rule == "empty":
        return "must not be empty"
    if rule == "type":
        return f"must be of type {error.constraint}"
    template = _MESSAGES.get(error.code, "does not satisfy {constraint}")
    try:
        return str(template.format(*error.info, constraint=error.constraint, value=value))
    except (IndexError, KeyError):
        return f"does not satisfy {rule} {error.constraint}"


def _details(record: Record, validator: GovernanceValidator) -> tuple[Detail, ...]:
    found = []
    for error in _leaf_errors(validator._errors):
        path = tuple(error.document_path)
        line, column = record.position(path)
        found.append(Detail(".".join(str(p) for p in path), _describe(error), line, column))
    return tuple(dict.fromkeys(found))


PARALLEL_MIN_EVALUATIONS = 20_000
"""Below this many (rule, record) evaluations a second process costs more than it saves."""

_FORKED: Engine | None = None


def _evaluate_chunk(chunk: list[tuple[int, str]]) -> list[tuple[Packed, Reads, float]]:
    """Worker side of parallel evaluation (the engine arrives with the fork)."""
    engine = _FORKED
    assert engine is not None
    out = []
    for index, path in chunk:
        started = time.perf_counter()
        record = engine.inventory.load(path).record
        assert record is not None
        packed, reads = engine.evaluate_tracked(engine.rules[index], record)
        out.append((packed, reads, time.perf_counter() - started))
    return out


class Engine:
    """Evaluates compiled rules on an inventory at one evaluation date."""

    def __init__(
        self,
        inventory: Inventory,
        as_of: dt.date,
        only: list[str] | None = None,
        cache: RuleCache | None = None,
        jobs: int = 1,
    ) -> None:
        self.inventory = inventory
        self.facts = Facts(inventory, as_of)
        self.reads: list[tuple[str, str, Any]] = []
        self.used_reads: list[Reads] = []
        """The reads of every result of the last run, evaluated or taken from the cache."""
        self.rules = compile_rules(inventory, self.facts, only, self.reads)
        self.cache = cache
        self.jobs = jobs
        self._selectors = {r.id: compile_selector(r.source.get("when")) for r in self.rules}

    def evaluate(self, rule: CompiledRule, record: Record) -> Packed:
        """One rule on one record: None when not selected, else status and details.

        A record's value that cannot be computed with (a date or duration beyond the
        calendar) is a failure of that record's field, decided by the custom rule that
        reads it. What still raises here is the rule file's fault (a schema Cerberus
        accepted that fails while it runs), reported with its place (exit 2)."""
        try:
            return self._evaluate(rule, record)
        except Exception as error:
            raise PolicyError(
                f"rule {rule.id} cannot be evaluated on {record.path}: "
                f"{type(error).__name__}: {error}",
                where=f"{rule.path}:{rule.line}:1",
                hint="fix the rule's when/require schema",
            ) from None

    def evaluate_tracked(self, rule: CompiledRule, record: Record) -> tuple[Packed, Reads]:
        """:meth:`evaluate`, with the facts it read (the validators append to one list)."""
        self.reads.clear()
        packed = self.evaluate(rule, record)
        return packed, tuple(dict.fromkeys(self.reads))

    def _evaluate(self, rule: CompiledRule, record: Record) -> Packed:
        data = record.data
        if rule.when is not None:
            selector = self._selectors[rule.id]
            selected = selector(data) if selector else rule.when.validate(data, normalize=False)
            if not selected:
                return None
        if rule.require.validate(data, normalize=False):
            line, column = record.position()
            return (Status.PASS.value, line, column, ())
        details = _details(record, rule.require)
        line, column = (details[0].line, details[0].column) if details else record.position()
        return (
            Status.FAIL.value,
            line,
            column,
            tuple((d.field, d.message, d.line, d.column) for d in details),
        )

    def _result(self, rule: CompiledRule, record: Record, packed: Packed) -> Result | None:
        if packed is None:
            return None
        status, line, column, details = packed
        return Result(
            rule.id,
            rule.severity,
            Status(status),
            record.kind,
            record.id,
            record.path,
            line,
            column,
            rule.message,
            tuple(Detail(*d) for d in details),
        )

    def _context(self) -> str:
        """The rule files: what every cached result depends on (the cache file itself is
        stamped with the tool version)."""
        digest = hashlib.sha256()
        for record_id in sorted(self.inventory.ids[Kind.RULE]):
            for path in self.inventory.ids[Kind.RULE][record_id]:
                digest.update(f"{path}\0{self.inventory.load(path).blob}\n".encode())
        return digest.hexdigest()

    def run(self, commit: str | None = None) -> CheckResult:
        """Every rule on every record it applies to (cached, in parallel where it pays),
        then the rules on waivers, then waivers applied."""
        timings: dict[str, float] = {r.id: 0.0 for r in self.rules}
        plain = [i for i, r in enumerate(self.rules) if r.applies_to is not Kind.WAIVER]
        records = {
            kind: self.inventory.records(kind) for kind in {r.applies_to for r in self.rules}
        }
        outcome = self._outcomes(plain, records, timings)
        results: list[Result] = []
        for index in plain:
            rule = self.rules[index]
            for record in records[rule.applies_to]:
                result = self._result(rule, record, outcome[(index, record.path)])
                if result is not None:
                    results.append(result)
        self.facts.failing = {r.key for r in results if r.status is Status.FAIL}
        for rule in self.rules:
            if rule.applies_to is not Kind.WAIVER:
                continue
            started = time.perf_counter()
            for waiver in records[Kind.WAIVER]:
                result = self._result(rule, waiver, self.evaluate(rule, waiver))
                if result is not None:
                    results.append(result)
            timings[rule.id] += time.perf_counter() - started
        results = apply_waivers(
            mark_upcoming(results, self.rules, self.facts.as_of), self.inventory
        )
        results.sort(key=lambda r: (r.path, r.line, r.rule, r.subject))
        return CheckResult(
            self.facts.as_of,
            self.inventory.source.label,
            commit,
            tuple(sorted(self.rules, key=lambda r: r.id)),
            tuple(results),
            timings,
        )

    def _outcomes(
        self, plain: list[int], records: dict[Kind, list[Record]], timings: dict[str, float]
    ) -> dict[tuple[int, str], Packed]:
        """Each rule of ``plain`` on each record it applies to, by (rule index, path):
        from the cache when its facts still hold, evaluated otherwise (and remembered)."""
        cache = self.cache
        if cache is not None:
            cache.open(self._context())
        outcome: dict[tuple[int, str], Packed] = {}
        work: list[tuple[int, str]] = []
        keys: dict[tuple[int, str], str] = {}
        fact = self.facts.fact
        for index in plain:
            for record in records[self.rules[index].applies_to]:
                if cache is not None:
                    key = keys[(index, record.path)] = f"{self.rules[index].id}\0{record.blob}"
                    hit, packed, used = cache.lookup(key, fact)
                    if hit:
                        outcome[(index, record.path)] = packed
                        self.used_reads.append(used)
                        continue
                work.append((index, record.path))
        reads = self._evaluate_work(work, outcome, timings)
        self.used_reads.extend(reads.values())
        if cache is not None:
            for item in work:
                cache.store(keys[item], reads[item], outcome[item])
            cache.save()
        return outcome

    def _evaluate_work(
        self,
        work: list[tuple[int, str]],
        outcome: dict[tuple[int, str], Packed],
        timings: dict[str, float],
    ) -> dict[tuple[int, str], Reads]:
        """Evaluate each (rule index, path) of ``work`` into ``outcome``, in worker
        processes when there is enough of it; the facts each evaluation read."""
        global _FORKED
        reads: dict[tuple[int, str], Reads] = {}
        if self.jobs > 1 and len(work) >= PARALLEL_MIN_EVALUATIONS and _can_fork():
            self.facts.prepare()
            _FORKED = self
            try:
                import multiprocessing

                chunks = [work[i :: self.jobs] for i in range(self.jobs)]
                with multiprocessing.get_context("fork").Pool(self.jobs) as pool:
                    for chunk, answers in zip(
                        chunks, pool.map(_evaluate_chunk, chunks), strict=True
                    ):
                        for item, (value, used, seconds) in zip(chunk, answers, strict=True):
                            outcome[item], reads[item] = value, used
                            timings[self.rules[item[0]].id] += seconds
            finally:
                _FORKED = None
            return reads
        for index, path in work:
            started = time.perf_counter()
            loaded = self.inventory.load(path).record
            assert loaded is not None
            item = (index, path)
            outcome[item], reads[item] = self.evaluate_tracked(self.rules[index], loaded)
            timings[self.rules[index].id] += time.perf_counter() - started
        return reads


def _can_fork() -> bool:
    import multiprocessing

    return "fork" in multiprocessing.get_all_start_methods()


def apply_waivers(results: list[Result], inventory: Inventory) -> list[Result]:
    """Turn each failure that a valid waiver names into 'waived'.

    A waiver is valid when no rule on waivers fails for it (unexpired, at most 90 days,
    approved by someone else holding an approving role, naming a real failure).
    """
    broken = {r.subject for r in results if r.kind is Kind.WAIVER and r.status is Status.FAIL}
    valid: dict[tuple[str, str, str], Record] = {}
    for waiver in inventory.records(Kind.WAIVER):
        if waiver.id in broken:
            continue
        subject = waiver.data.get("subject") or {}
        key = (str(waiver.data.get("rule")), str(subject.get("kind")), str(subject.get("id")))
        valid.setdefault(key, waiver)
    waived = []
    for result in results:
        match = valid.get(result.key)
        if result.status is Status.FAIL and match is not None:
            result = replace(
                result,
                status=Status.WAIVED,
                waiver=match.id,
                waiver_expires=str(match.data.get("expires", "")) or None,
            )
        waived.append(result)
    return waived
