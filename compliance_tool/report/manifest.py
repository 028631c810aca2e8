"""The files attached to a report, as bytes: the findings JSON and the provenance
manifest, and the digest that ties the findings to the manifest."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from compliance_tool.checks.engine import CheckResult
from compliance_tool.reporters.json_format import check_document, dumps


def findings_bytes(check: CheckResult) -> bytes:
    """The findings JSON attached to the report (the ``check --format json`` document)."""
    return dumps(check_document(check)).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def manifest_bytes(manifest: dict[str, Any]) -> bytes:
    """The manifest as attached and written beside the PDF: sorted keys, one final newline."""
    return (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode("utf-8")
