"""JSON Schema checks of governance files, fast and exact.

A compiled draft 2020-12 validator (jsonschema-rs) decides, for every file, whether it is
valid; only a file it rejects is run through the reference implementation (jsonschema),
whose errors carry the JSON path and keyword that become our messages. Both must agree;
the test suite checks that they do on every sample and every invalid case.
"""

from __future__ import annotations

import difflib
import hashlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs

from compliance_tool.errors import InventoryError
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.yamlio import Path as DocPath


@dataclass(frozen=True, slots=True)
class SchemaIssue:
    """One schema violation: where in the document, what is wrong, how to fix it."""

    path: DocPath
    message: str
    hint: str
    at_key: bool = False
    """Point at the key rather than the value (an unknown field)."""


def load_json(path: Path) -> Any:
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


SCHEMA_FOLDER = "schemas"
"""The folder of a governance repository whose ``<kind>.schema.json`` files replace the
packaged schema of their kind."""


def _parse_schema(path: str, raw: bytes) -> dict[str, Any]:
    """A repository's schema file, checked before use: JSON, an object, and every
    reference inside the file (a schema the tool compiles must never fetch one)."""
    try:
        parsed = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise InventoryError(
            f"{path} is not valid JSON: {error}",
            hint="fix it, or delete it to use the packaged schema of the kind",
        ) from None
    if not isinstance(parsed, dict):
        raise InventoryError(f"{path} is not a JSON Schema (not an object)", hint="fix it")
    remote = next(iter(_outside_refs(parsed)), None)
    if remote is not None:
        raise InventoryError(
            f"{path} refers to {remote}, outside the file",
            hint="a repository's schema may only use references within itself ('#/$defs/...')",
        )
    return parsed


def _outside_refs(node: Any) -> list[str]:
    """The ``$ref`` and ``$dynamicRef`` values of ``node`` that leave the document."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in ("$ref", "$dynamicRef") and isinstance(value, str):
                if not value.startswith("#"):
                    found.append(value)
            else:
                found.extend(_outside_refs(value))
    elif isinstance(node, list):
        for item in node:
            found.extend(_outside_refs(item))
    return found


class SchemaSet:
    """The schema of every kind, compiled once: the repository's own
    ``schemas/<kind>.schema.json`` where it has one, the packaged one otherwise."""

    def __init__(self, own: Mapping[str, bytes] | None = None) -> None:
        """``own``: the repository's schema files by path (``schemas/model.schema.json``),
        as :meth:`~compliance_tool.repository.sources.Source.documents` gives them."""
        from compliance_tool.repository.resources import schema_bytes

        own = own or {}
        self.schemas: dict[Kind, dict[str, Any]] = {}
        self.own_kinds: tuple[Kind, ...] = tuple(
            kind for kind in Kind if f"{SCHEMA_FOLDER}/{kind.schema_name}" in own
        )
        """The kinds whose schema is the repository's."""
        digest = hashlib.sha256()
        for kind in Kind:
            path = f"{SCHEMA_FOLDER}/{kind.schema_name}"
            raw = own[path] if kind in self.own_kinds else schema_bytes(kind.schema_name)
            digest.update(kind.schema_name.encode() + b"\0" + raw)
            self.schemas[kind] = (
                _parse_schema(path, raw) if kind in self.own_kinds else json.loads(raw)
            )
        self.digest = digest.hexdigest()
        if self.own_kinds:
            _ = self._fast  # a repository's schema that does not compile fails here, named

    @property
    def origin(self) -> str:
        """Whose schemas these are, in words for the summary of ``validate``."""
        from compliance_tool.repository.resources import packaged_label

        if not self.own_kinds:
            return packaged_label()
        if len(self.own_kinds) == len(Kind):
            return "this repository"
        names = ", ".join(k.value for k in self.own_kinds)
        return f"this repository for {names}, {packaged_label()} for the others"

    @cached_property
    def _fast(self) -> dict[Kind, Any]:
        compiled: dict[Kind, Any] = {}
        for kind, schema in self.schemas.items():
            try:
                compiled[kind] = jsonschema_rs.Draft202012Validator(schema, validate_formats=True)
            except (ValueError, jsonschema_rs.ValidationError) as error:
                raise InventoryError(
                    f"{SCHEMA_FOLDER}/{kind.schema_name} is not a valid JSON Schema: {error}",
                    hint="fix it, or delete it to use the packaged schema of the kind",
                ) from None
        return compiled

    @cached_property
    def _exact(self) -> dict[Kind, jsonschema.Draft202012Validator]:
        return {
            kind: jsonschema.Draft202012Validator(
                schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
            )
            for kind, schema in self.schemas.items()
        }

    def is_valid(self, kind: Kind, data: Any) -> bool:
        """The fast verdict."""
        return bool(self._fast[kind].is_valid(data))

    def issues(self, kind: Kind, data: Any) -> list[SchemaIssue]:
        """Every violation of ``data`` against the schema of ``kind`` (empty when valid)."""
        if self.is_valid(kind, data):
            return []
        return self.explain(kind, data)

    def explain(self, kind: Kind, data: Any) -> list[SchemaIssue]:
        """The exact violations, from the reference implementation."""
        found: list[SchemaIssue] = []
        errors = sorted(
            self._exact[kind].iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]
        )
        # A date or duration that is not one at all fails its format and its pattern: the
        # format's message says it, once.
        malformed = {tuple(e.absolute_path) for e in errors if e.validator == "format"}
        for error in errors:
            if error.validator == "pattern" and tuple(error.absolute_path) in malformed:
                continue
            found.extend(_describe(error))
        if not found:
            # The two implementations disagree (a regex or format corner case): the
            # compiled validator's own words are still exact about where and what.
            for fast_error in self._fast[kind].iter_errors(data):
                found.append(
                    SchemaIssue(
                        tuple(fast_error.instance_path),
                        fast_error.message,
                        "see the schema for this field",
                    )
                )
        return found


_SENTENCE_END = re.compile(r"(?<!e\.g)(?<!i\.e)\. ")


def _lowered(text: str) -> str:
    """``text`` without its final full stop and with a lower-case first letter, to follow
    a message; an acronym (ISO 8601, RFC 3339) keeps its capitals."""
    text = text.strip().rstrip(".")
    return text if text[1:2].isupper() else text[:1].lower() + text[1:]


def _first_sentence(text: str) -> str:
    return _lowered(_SENTENCE_END.split(text)[0])


_BOUNDED_FORMATS = {"date": "dates", "date-time": "timestamps", "duration": "durations"}


def _out_of_range(schema: dict[str, Any], value: Any) -> bool:
    """Whether a date, timestamp or duration fails its schema's pattern only because it is
    too far out (9999-12-31, P9999Y): the patterns of these formats bound their numbers.

    A value whose format also fails never gets here (its format error speaks for it). A
    date or timestamp that is well formed can fail its pattern only by its year; a
    duration fails by its size when it matches once every number in it is made 0."""
    fmt, pattern = schema.get("format"), schema.get("pattern")
    if fmt not in _BOUNDED_FORMATS or not isinstance(value, str) or not isinstance(pattern, str):
        return False
    if fmt == "duration":
        return re.search(pattern, re.sub("[0-9]+", "0", value)) is not None
    return True


def _closest(word: str, choices: list[str]) -> str | None:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return close[0] if close else None


_YAML11_BOOLEANS = {"yes", "no", "on", "off", "y", "n"}

_TYPE_NAMES = {
    "string": "text",
    "object": "a mapping",
    "array": "a list",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "null": "empty",
}


def _type_of(value: Any) -> str:
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return f"{str(value).lower()} (a boolean)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, int | float):
        return f"the number {value}"
    return f"the text '{value}'"


def _describe(error: jsonschema.ValidationError) -> list[SchemaIssue]:
    path: DocPath = tuple(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    keyword = error.validator
    value = error.instance
    description = _first_sentence(str(schema.get("description", "")))
    if keyword == "additionalProperties" and isinstance(value, dict):
        known = list(schema.get("properties", {}))
        issues = []
        for extra in sorted(set(value) - set(known)):
            guess = _closest(extra, known)
            hint = f"did you mean '{guess}'?" if guess else f"allowed fields: {', '.join(known)}"
            issues.append(SchemaIssue((*path, extra), f"unknown field '{extra}'", hint, True))
        return issues
    if keyword == "required" and isinstance(value, dict):
        issues = []
        for name in error.validator_value:
            if name not in value:
                prop = schema.get("properties", {}).get(name, {})
                about = _first_sentence(str(prop.get("description", "")))
                hint = f"add '{name}:'" + (f": {about}" if about else "")
                issues.append(
                    SchemaIssue(path, f"missing required field '{name}'", hint, bool(path))
                )
        return issues
    if keyword == "enum":
        allowed = [str(v) for v in error.validator_value]
        guess = _closest(str(value), allowed)
        hint = f"did you mean '{guess}'?" if guess else f"use one of: {', '.join(allowed)}"
        return [SchemaIssue(path, f"'{value}' is not one of {', '.join(allowed)}", hint)]
    if keyword == "const":
        return [
            SchemaIssue(path, f"must be '{error.validator_value}', not '{value}'", "fix the value")
        ]
    if keyword == "type":
        wanted = error.validator_value
        names = [wanted] if isinstance(wanted, str) else list(wanted)
        expected = " or ".join(_TYPE_NAMES.get(n, n) for n in names)
        hint = description or "fix the value"
        if "string" in names and not isinstance(value, dict | list):
            hint = "put the value in quotes"
        elif names == ["boolean"]:
            hint = "write true or false"
            if isinstance(value, str) and value.lower() in _YAML11_BOOLEANS:
                hint += ": YAML 1.2 reads yes/no/on/off as text"
        return [SchemaIssue(path, f"expected {expected}, found {_type_of(value)}", hint)]
    if keyword == "format":
        fmt = error.validator_value
        example = {
            "date": "YYYY-MM-DD, e.g. 2026-03-01",
            "date-time": "e.g. 2026-05-03T10:12:00Z",
            "duration": "ISO 8601, e.g. P30D or PT15M",
            "email": "e.g. name@example.com",
            "uri": "e.g. https://example.com/page",
        }.get(fmt, description or "fix the value")
        return [SchemaIssue(path, f"'{value}' is not a valid {fmt}", f"write {example}")]
    if keyword == "pattern" and _out_of_range(schema, value):
        accepted = _BOUNDED_FORMATS[str(schema["format"])]
        hint = _lowered(" ".join(str(schema.get("description", "")).split()))
        message = f"'{value}' is outside the range of {accepted} accepted"
        return [SchemaIssue(path, message, hint or "see the schema for this field")]
    if keyword == "pattern":
        hint = description or f"match the pattern {error.validator_value}"
        return [SchemaIssue(path, f"'{value}' has the wrong form", hint)]
    if keyword in (
        "minItems",
        "uniqueItems",
        "minimum",
        "maximum",
        "exclusiveMinimum",
        "exclusiveMaximum",
        "minLength",
        "maxLength",
        "minProperties",
    ):
        return [SchemaIssue(path, error.message, description or "fix the value")]
    return [SchemaIssue(path, error.message, description or "see the schema for this field")]
