"""The JSON Schemas of the tool's outputs as the tests read them: loaded and checked
against the 2020-12 metaschema, validated with format checks, and walked for properties
without a description and objects that allow unknown keys."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema


def load_schema(path: Path) -> dict[str, Any]:
    """The schema at ``path``, read as JSON."""
    loaded = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def validator_for(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    """A validator of ``schema`` (itself checked against the metaschema) with formats."""
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(
        schema, format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


def messages(validator: jsonschema.Draft202012Validator, document: Any) -> list[str]:
    """Every error ``validator`` finds in ``document``: its message."""
    return [e.message for e in validator.iter_errors(document)]


def gaps(schema: Any, *, objects_without_properties: bool = False) -> tuple[list[str], list[str]]:
    """JSON pointers of the properties without a description, and of the objects that do
    not set ``additionalProperties: false`` (those declaring properties; every object when
    ``objects_without_properties``)."""
    undescribed: list[str] = []
    loose: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for name, sub in (node.get("properties") or {}).items():
                if "description" not in sub:
                    undescribed.append(f"{where}/{name}")
            declares = objects_without_properties or "properties" in node
            strict = node.get("additionalProperties") is False
            if node.get("type") == "object" and declares and not strict:
                loose.append(where)
            for key, value in node.items():
                walk(value, f"{where}/{key}")
        elif isinstance(node, list):
            for index, item in enumerate(node):
                walk(item, f"{where}/{index}")

    walk(schema, "#")
    return undescribed, loose
