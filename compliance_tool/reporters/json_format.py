"""Versioned JSON for machines; its shape is fixed by a schema in ``schemas/``."""

from __future__ import annotations

import json
from typing import Any

from compliance_tool import __version__
from compliance_tool.validate import ValidationResult

VALIDATION_SCHEMA_ID = "https://compliance-tool.dev/schemas/output/validation-result.schema.json"


def dumps(document: Any) -> str:
    """Stable JSON text: sorted keys, two-space indent, UTF-8 kept readable."""
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


def render_validation(result: ValidationResult) -> str:
    return dumps(
        {
            "$schema": VALIDATION_SCHEMA_ID,
            "version": 1,
            "tool": {"name": "compliance-tool", "version": __version__},
            "source": result.source_label,
            "files_checked": result.files_checked,
            "passed": result.passed,
            "problems": [
                {
                    "path": p.path,
                    "line": p.line,
                    "column": p.column,
                    "kind": p.kind,
                    "field": p.field,
                    "code": p.code,
                    "message": p.message,
                    "hint": p.hint,
                }
                for p in result.problems
            ],
        }
    )
