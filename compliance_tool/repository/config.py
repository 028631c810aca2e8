"""Repository configuration: ``compliance-tool.yaml`` at the root, checked by a schema
shipped in the package. Flags and ``COMPLIANCE_TOOL_*`` variables take precedence."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from typing import Any

import jsonschema

from compliance_tool.errors import InventoryError
from compliance_tool.repository.kinds import dotted
from compliance_tool.repository.sources import Source
from compliance_tool.repository.yamlio import parse_document

CONFIG_FILE = "compliance-tool.yaml"


def load_config(root: Path) -> dict[str, Any]:
    """The configuration at ``root`` (empty when there is no file); exit 2 when invalid."""
    path = root / CONFIG_FILE
    if not path.is_file():
        return {}
    return parse_config(path.read_bytes())


def config_of(source: Source) -> dict[str, Any]:
    """The configuration of a snapshot (the working tree or a commit), so that what it
    decides is reproducible at that commit; empty when the snapshot has none."""
    found = source.documents(CONFIG_FILE)
    if not found or CONFIG_FILE not in found:
        return {}
    return parse_config(found[CONFIG_FILE])


def parse_config(data: bytes) -> dict[str, Any]:
    """The bytes of a ``compliance-tool.yaml``, parsed and checked against its schema."""
    document = parse_document(data)
    if document.data is None or document.issues:  # a duplicate key, too: never dropped silently
        issue = document.issues[0]
        raise InventoryError(
            issue.message, where=f"{CONFIG_FILE}:{issue.line}:{issue.column}", hint=issue.hint
        )
    from compliance_tool.repository.resources import config_schema

    schema = config_schema()
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(document.data), key=lambda e: list(map(str, e.path)))
    if errors:
        details = []
        for error in errors:
            line, column = document.position(tuple(error.absolute_path))
            where = dotted(tuple(error.absolute_path)) or "(top)"
            details.append(f"{CONFIG_FILE}:{line}:{column}: {where}: {_message(error)}")
        raise InventoryError(
            f"{CONFIG_FILE} is not valid",
            hint="see compliance_tool/repository/config.schema.json",
            details=details,
        )
    return document.data


def _message(error: jsonschema.ValidationError) -> str:
    """The schema's message, or for text that holds a control character (which the
    text fields' pattern refuses: it would break the PDF's metadata and show as nothing
    on the cover) which character it is and how to write the text instead."""
    if error.validator == "pattern" and isinstance(error.instance, str):
        bad = next((c for c in error.instance if unicodedata.category(c) == "Cc"), None)
        if bad is not None:
            return (
                f"the text holds the control character U+{ord(bad):04X}: write it on one line, "
                "without control characters (no tab, line break or escape such as \\x07)"
            )
    return str(error.message)
