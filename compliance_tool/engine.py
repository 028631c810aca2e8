"""The rule engine: compile rules once, evaluate them on records, apply waivers.

A rule's ``when`` and ``require`` are Cerberus schemas applied to one record with unknown
keys allowed; checks that span records are the custom rules of
:mod:`compliance_tool.custom_rules`, fed by :class:`~compliance_tool.facts.Facts`
computed once per run. ``when`` runs first and ``require`` only on the records it
selects. Rules on waivers run last, so that a waiver can be checked against the failures
it claims to waive; a waiver waives only while every waiver rule passes for it.
"""

from __future__ import annotations

import datetime as dt
import enum
import time
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, replace
from typing import Any

import cerberus
from cerberus.errors import BasicErrorHandler, ValidationError

from compliance_tool.custom_rules import GovernanceValidator
from compliance_tool.errors import PolicyError
from compliance_tool.facts import Facts
from compliance_tool.kinds import Kind, Severity
from compliance_tool.loader import Inventory, Record
from compliance_tool.problems import Problem


class Status(enum.StrEnum):
    """Outcome of one rule on one record."""

    PASS = "pass"
    FAIL = "fail"
    WAIVED = "waived"


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

    @property
    def findings(self) -> list[Result]:
        """Failures and waived failures, sorted by file and line."""
        return [r for r in self.results if r.status is not Status.PASS]

    def failing(self, threshold: Severity = Severity.INFO) -> list[Result]:
        """Unwaived failures at or above ``threshold``."""
        return [r for r in self.results if r.status is Status.FAIL and r.severity >= threshold]

    def rule(self, rule_id: str) -> CompiledRule:
        return next(r for r in self.rules if r.id == rule_id)


# -- compiling --------------------------------------------------------------------------


def _schema_error_leaves(
    errors: Any, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], str]]:
    if isinstance(errors, dict):
        for key, value in errors.items():
            key = str(key)
            if key.startswith(("anyof definition", "oneof definition")):
                if key.endswith(" 0"):
                    yield from _schema_error_leaves(value, path)
                continue
            yield from _schema_error_leaves(value, (*path, key))
    elif isinstance(errors, list):
        nested = [e for e in errors if not isinstance(e, str)]
        for item in errors:
            if isinstance(item, str):
                if not (nested and item == "no definitions validate"):
                    yield path, item
            else:
                yield from _schema_error_leaves(item, path)
    else:
        yield path, str(errors)


def compile_rules(
    inventory: Inventory, facts: Facts, only: list[str] | None = None
) -> list[CompiledRule]:
    """Compile every rule file (or those named in ``only``); a PolicyError lists every
    unusable one, and then nothing runs."""
    compiled: list[CompiledRule] = []
    problems: list[Problem] = []
    for record in inventory.records(Kind.RULE):
        if only is not None and record.id not in only:
            continue
        data = record.data

        def problem(
            path: tuple[str | int, ...], message: str, hint: str, r: Record = record
        ) -> None:
            line, column = r.position(path)
            problems.append(
                Problem(
                    r.path, line, column, "Rule", ".".join(map(str, path)), message, hint, "rule"
                )
            )

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
        validators: dict[str, GovernanceValidator | None] = {"when": None}
        for part in ("when", "require"):
            schema = data.get(part)
            if schema is None:
                continue
            try:
                validators[part] = GovernanceValidator(schema, allow_unknown=True, facts=facts)
            except cerberus.SchemaError as error:
                for path, message in _schema_error_leaves(error.args[0] if error.args else ""):
                    hint = (
                        "use a Cerberus rule or a custom rule (compliance-tool rules custom)"
                        if message == "unknown rule"
                        else "fix the Cerberus schema"
                    )
                    problem((part, *path), f"invalid {part} schema: {message}", hint)
        require = validators.get("require")
        if require is None:
            continue
        line, _ = record.position()
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
            )
        )
    if problems:
        raise PolicyError(
            f"{len(problems)} problem(s) in rule files; nothing was evaluated",
            hint="fix the rules below",
            details=[p.format() for p in sorted(problems)],
        )
    return compiled


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


class Engine:
    """Evaluates compiled rules on an inventory at one evaluation date."""

    def __init__(self, inventory: Inventory, as_of: dt.date, only: list[str] | None = None) -> None:
        self.inventory = inventory
        self.facts = Facts(inventory, as_of)
        self.rules = compile_rules(inventory, self.facts, only)

    def _evaluate(self, rule: CompiledRule, record: Record) -> Result | None:
        data = record.data
        if rule.when is not None and not rule.when.validate(data, normalize=False):
            return None
        if rule.require.validate(data, normalize=False):
            line, column = record.position()
            return Result(
                rule.id,
                rule.severity,
                Status.PASS,
                record.kind,
                record.id,
                record.path,
                line,
                column,
                rule.message,
            )
        details = _details(record, rule.require)
        line, column = (details[0].line, details[0].column) if details else record.position()
        return Result(
            rule.id,
            rule.severity,
            Status.FAIL,
            record.kind,
            record.id,
            record.path,
            line,
            column,
            rule.message,
            details,
        )

    def run(self, commit: str | None = None) -> CheckResult:
        """Every rule on every record it applies to, then waivers."""
        timings: dict[str, float] = {}
        results: list[Result] = []
        ordered = sorted(self.rules, key=lambda r: (r.applies_to is Kind.WAIVER, r.id))
        for rule in ordered:
            if rule.applies_to is Kind.WAIVER and self.facts.failing is None:
                self.facts.failing = {r.key for r in results if r.status is Status.FAIL}
            started = time.perf_counter()
            for record in self.inventory.records(rule.applies_to):
                result = self._evaluate(rule, record)
                if result is not None:
                    results.append(result)
            timings[rule.id] = time.perf_counter() - started
        results = apply_waivers(results, self.inventory)
        results.sort(key=lambda r: (r.path, r.line, r.rule, r.subject))
        return CheckResult(
            self.facts.as_of,
            self.inventory.source.label,
            commit,
            tuple(sorted(self.rules, key=lambda r: r.id)),
            tuple(results),
            timings,
        )


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
                waiver_expires=str(match.data.get("expires")),
            )
        waived.append(result)
    return waived
