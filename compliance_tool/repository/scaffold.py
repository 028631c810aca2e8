"""``compliance-tool new``: a new governance file with every required field, built from the
kind's schema, with each field's description as a comment above it.

ruamel.yaml's round-trip mode writes the comments; placeholders are written as ``TODO``
so that the file fails validation, at the exact line, until someone fills them in.
"""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from compliance_tool.repository.kinds import API_VERSION, Kind
from compliance_tool.repository.schemas import SchemaSet

PLACEHOLDER = "TODO"
SCAFFOLD_KINDS = (
    Kind.MODEL,
    Kind.DATASET,
    Kind.PERSON,
    Kind.WAIVER,
    Kind.TEAM,
    Kind.ROTATION,
    Kind.INCIDENT,
    Kind.ROLE,
)
OPTIONAL_FIELDS: dict[Kind, tuple[str, ...]] = {Kind.PERSON: ("accounts",)}
"""Optional top-level fields a scaffold still writes, with every one of their fields: the
code-host handles that ``compliance-tool codeowners`` needs are easier to fill in than to
remember (delete the line of a host the repository is not on)."""


def _resolve(schema: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        ref = str(schema["$ref"])
        target: Any = root
        for part in ref.removeprefix("#/").split("/"):
            target = target[part]
        merged = {k: v for k, v in schema.items() if k != "$ref"}
        schema = {**target, **merged}
    return schema


def _comment(schema: dict[str, Any]) -> str:
    text = " ".join(str(schema.get("description", "")).split())
    enum = schema.get("enum")
    if enum and "one of" not in text:
        text += f" One of: {', '.join(str(e) for e in enum)}."
    return text


def _placeholder(schema: dict[str, Any], root: dict[str, Any], today: dt.date) -> Any:
    schema = _resolve(schema, root)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind = schema.get("type")
    if kind == "object":
        return _mapping(schema, root, today)
    if kind == "array":
        items = _resolve(schema.get("items", {}), root)
        seq = CommentedSeq()
        if schema.get("minItems", 0) >= 1:
            seq.append(_placeholder(items, root, today))
        return seq
    if kind == "boolean":
        return False
    if kind in ("integer", "number"):
        return schema.get("minimum", 0)
    fmt = schema.get("format")
    if fmt == "date":
        return today.isoformat()
    if fmt == "date-time":
        return f"{today.isoformat()}T00:00:00Z"
    if fmt == "duration":
        return "P90D"
    return PLACEHOLDER


def _mapping(
    schema: dict[str, Any],
    root: dict[str, Any],
    today: dt.date,
    optional: tuple[str, ...] = (),
    every: bool = False,
) -> CommentedMap:
    """The required fields of ``schema`` (``every``: all its fields), then ``optional``
    ones, each written in full, in the schema's order."""
    node = CommentedMap()
    properties = schema.get("properties", {})
    wanted = set(properties) if every else {*schema.get("required", []), *optional}
    names = [n for n in properties if n in wanted]
    names += [n for n in schema.get("required", []) if n not in properties]
    for name in names:
        prop = _resolve(properties.get(name, {}), root)
        if name in optional and prop.get("type") == "object":
            node[name] = _mapping(prop, root, today, every=True)
        else:
            node[name] = _placeholder(prop, root, today)
        comment = _comment(prop)
        if comment:
            node.yaml_set_comment_before_after_key(name, before=comment, indent=0)
    return node


def scaffold(
    kind: Kind,
    record_id: str,
    schemas: SchemaSet,
    today: dt.date,
    optional: tuple[str, ...] | None = None,
    fill: Callable[[CommentedMap], None] | None = None,
) -> str:
    """The text of a new file of ``kind`` named ``record_id``: its required fields and
    the ``optional`` ones (default: :data:`OPTIONAL_FIELDS`), each value then changed by
    ``fill`` where it is given (the document with every comment, before it is written)."""
    schema = schemas.schemas[kind]
    extra = OPTIONAL_FIELDS.get(kind, ()) if optional is None else optional
    document = _mapping(schema, schema, today, extra)
    document["apiVersion"] = API_VERSION
    document["kind"] = kind.value
    document["id"] = record_id
    ordered = CommentedMap()
    for key in ("apiVersion", "kind", "id"):
        ordered[key] = document[key]
    for key, value in document.items():
        if key not in ordered:
            ordered[key] = value
    ordered.ca.items.update(document.ca.items)
    if fill is not None:
        fill(ordered)
    yaml = YAML(typ="rt")
    yaml.indent(mapping=2, sequence=4, offset=2)
    yaml.width = 100
    out = io.StringIO()
    yaml.dump(ordered, out)
    header = f"# yaml-language-server: $schema=../../schemas/{kind.schema_name}\n"
    body = out.getvalue()
    return header + _indent_comments(body)


def _indent_comments(text: str) -> str:
    """Indent each comment line like the key below it, so nested comments read well."""
    lines = text.splitlines()
    for index in range(len(lines) - 1, -1, -1):
        line = lines[index]
        if line.lstrip().startswith("#") and index + 1 < len(lines):
            following = lines[index + 1]
            depth = len(following) - len(following.lstrip())
            lines[index] = " " * depth + line.lstrip()
    return "\n".join(lines) + "\n"
