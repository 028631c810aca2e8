"""Compiling a rule file's ``when`` and ``require`` Cerberus schemas, with every mistake at
its line.

The engine compiles rules here before it evaluates anything, and ``validate`` compiles
them here too (without evaluating), so that a bad rule fails where it is written: an
unknown Cerberus or custom rule, an argument of the wrong type, a regex that does not
compile, a ``max_duration`` that is no duration.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import Any

import cerberus

from compliance_tool.checks.custom_rules import GovernanceValidator
from compliance_tool.checks.facts import Facts, parse_duration
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Record
from compliance_tool.repository.problems import Problem

PARTS = ("when", "require")
"""The Cerberus schemas of a rule file."""

Validators = dict[str, GovernanceValidator | None]
"""A rule's validator for each part it has (``when`` is None when absent)."""

_UNKNOWN_RULE = "use a Cerberus rule or a custom rule (compliance-tool rules custom)"


def rule_problem(
    record: Record, path: tuple[str | int, ...], message: str, hint: str, code: str = "rule"
) -> Problem:
    """A problem of a rule file at the value ``path`` (the line of a bad key's value)."""
    line, column = record.position(path)
    return Problem(record.path, line, column, "Rule", ".".join(map(str, path)), message, hint, code)


def _schema_problem(
    record: Record, path: tuple[str | int, ...], message: str, hint: str = "fix the Cerberus schema"
) -> Problem:
    """A problem in a rule's ``when`` or ``require`` (code ``rule-schema``)."""
    return rule_problem(record, path, message, hint, "rule-schema")


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


def _runtime_mistakes(
    schema: Any, at: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    """Constraints Cerberus's own schema check accepts but that fail while records are
    evaluated: a regex that does not compile, dependencies or excludes that are not field
    names, a ``max_duration`` that is no duration. Found here, they are reported at their
    line before anything runs."""
    if isinstance(schema, dict):
        for name, rules in schema.items():
            if isinstance(rules, dict):
                yield from _rule_mistakes(rules, (*at, name))


def _rule_mistakes(
    rules: dict[str, Any], here: tuple[str | int, ...]
) -> Iterator[tuple[tuple[str | int, ...], str]]:
    pattern = rules.get("regex")
    if pattern is not None:
        try:
            re.compile(str(pattern))
        except re.error as error:
            yield (*here, "regex"), f"regex '{pattern}' does not compile: {error}"
    for name in ("dependencies", "excludes"):
        value = rules.get(name)
        names = list(value) if isinstance(value, list | dict) else [value]
        if value is not None and not all(isinstance(n, str) for n in names):
            yield (*here, name), f"{name} must name fields (text), not {value!r}"
    longest = rules.get("max_duration")
    if isinstance(longest, str):
        try:
            parse_duration(longest)
        except ValueError as error:
            yield (*here, "max_duration"), str(error)
    nested = rules.get("schema")
    if isinstance(nested, dict):
        if rules.get("type") == "list":
            yield from _rule_mistakes(nested, (*here, "schema"))
        else:
            yield from _runtime_mistakes(nested, (*here, "schema"))
    for name in ("anyof", "oneof", "allof", "noneof"):
        alternatives = rules.get(name)
        for index, alternative in enumerate(alternatives if isinstance(alternatives, list) else []):
            if isinstance(alternative, dict):
                yield from _rule_mistakes(alternative, (*here, name, index))


def compile_schemas(
    record: Record, facts: Facts | None, reads: list[tuple[str, str, Any]] | None = None
) -> tuple[Validators, list[Problem]]:
    """The validators of a rule file's ``when`` and ``require`` (a part that does not
    compile is left out), and every problem found in them."""
    validators: Validators = {"when": None}
    problems: list[Problem] = []
    for part in PARTS:
        schema = record.data.get(part)
        if schema is None:
            continue
        mistakes = list(_runtime_mistakes(schema, (part,)))
        for where, message in mistakes:
            problems.append(_schema_problem(record, where, f"invalid {part} schema: {message}"))
        if mistakes:
            continue
        try:
            validators[part] = GovernanceValidator(
                schema, allow_unknown=True, facts=facts, reads=reads
            )
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            message = f"invalid {part} schema: {type(error).__name__}: {error}"
            problems.append(_schema_problem(record, (part,), message))
        except cerberus.SchemaError as error:
            for path, message in _schema_error_leaves(error.args[0] if error.args else ""):
                text = f"invalid {part} schema: {message}"
                if message == "unknown rule":
                    problems.append(_schema_problem(record, (part, *path), text, _UNKNOWN_RULE))
                else:
                    problems.append(_schema_problem(record, (part, *path), text))
    return validators, problems


def rule_schema_problems(records: Iterable[Record]) -> list[Problem]:
    """Every problem in the ``when`` and ``require`` schemas of the rule files among
    ``records``, found by compiling them as a run would (nothing is evaluated, so no facts
    are needed). A part that is not a mapping is left to the rule's JSON Schema."""
    found: list[Problem] = []
    for record in records:
        if record.kind is Kind.RULE and all(
            isinstance(record.data.get(part), dict | None) for part in PARTS
        ):
            found.extend(compile_schemas(record, None)[1])
    return found
