"""Exact shortcuts for the hot loop of the rule engine.

``when`` schemas are usually simple selections ("lifecycle is production and tier is
high"). For schemas made only of ``required``, ``nullable``, ``allowed``, ``forbidden``,
``type: dict`` and nested ``schema``, :func:`compile_selector` builds a plain Python
predicate with Cerberus's exact semantics for those rules (a None value fails unless
nullable; ``allowed`` on a list checks every item). Anything else returns None and
Cerberus does the work. A test checks both agree on every record of the sample.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

SIMPLE = frozenset({"required", "nullable", "allowed", "forbidden", "type", "schema"})
Predicate = Callable[[dict[str, Any]], bool]


def _members(value: Any) -> list[Any] | None:
    """The items Cerberus checks one by one (a mapping's keys too); None for a scalar."""
    if isinstance(value, Iterable) and not isinstance(value, str | bytes):
        return list(value)
    return None


def compile_selector(schema: Any) -> Predicate | None:
    """A predicate equivalent to validating with ``schema`` (unknown keys allowed), or None
    when the schema uses anything beyond the simple rules."""
    if not isinstance(schema, dict):
        return None
    checks = []
    for field, rules in schema.items():
        if not isinstance(rules, dict) or set(rules) - SIMPLE:
            return None
        kind = rules.get("type")
        if kind is not None and kind != "dict":
            return None
        sub = None
        if "schema" in rules:
            if kind != "dict":
                return None
            sub = compile_selector(rules["schema"])
            if sub is None:
                return None
        checks.append(
            (
                field,
                bool(rules.get("required", False)),
                bool(rules.get("nullable", False)),
                rules.get("allowed"),
                rules.get("forbidden"),
                kind == "dict",
                sub,
            )
        )

    def predicate(document: dict[str, Any]) -> bool:
        for field, required, nullable, allowed, forbidden, is_dict, sub in checks:
            if field not in document:
                if required:
                    return False
                continue
            value = document[field]
            if value is None:
                if nullable:
                    continue
                return False
            if is_dict and not isinstance(value, dict):
                return False
            items = _members(value)
            if allowed is not None:
                if items is not None:
                    if any(item not in allowed for item in items):
                        return False
                elif value not in allowed:
                    return False
            if forbidden is not None:
                if items is not None:
                    if any(item in forbidden for item in items):
                        return False
                elif value in forbidden:
                    return False
            if sub is not None and not sub(value):
                return False
        return True

    return predicate
