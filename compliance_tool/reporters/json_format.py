"""Versioned JSON for machines; its shape is fixed by a schema in ``schemas/``."""

from __future__ import annotations

import json
from typing import Any

from compliance_tool import __version__
from compliance_tool.checks.engine import CheckResult, Result
from compliance_tool.checks.validate import ValidationResult

VALIDATION_SCHEMA_ID = "https://compliance-tool.dev/schemas/output/validation-result.schema.json"
CHECK_SCHEMA_ID = "https://compliance-tool.dev/schemas/output/check-result.schema.json"


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


def result_entry(result: Result) -> dict[str, Any]:
    """One rule result as JSON (shared by the check output and the report attachment)."""
    return {
        "rule": result.rule,
        "severity": result.severity.label,
        "status": result.status.value,
        "kind": result.kind.value,
        "subject": result.subject,
        "path": result.path,
        "line": result.line,
        "column": result.column,
        "message": result.message,
        "details": [
            {"field": d.field, "message": d.message, "line": d.line, "column": d.column}
            for d in result.details
        ],
        "waiver": result.waiver,
        "waiver_expires": result.waiver_expires,
    }


def upcoming_entry(result: Result) -> dict[str, Any]:
    """An upcoming result: a finding with ``status: upcoming`` and the date (with what it
    is) from which it will be a failure."""
    entry = result_entry(result)
    entry["applies_from"] = result.applies_from.as_dict() if result.applies_from else None
    return entry


def check_document(result: CheckResult) -> dict[str, Any]:
    """The findings document: versioned, validated by schemas/check-result.schema.json.

    ``findings`` are the failures and waived failures; ``upcoming`` the failures of rules
    not yet enforced on ``as_of`` (soonest date first), which never fail the run and are
    not counted as passing."""
    counts: dict[str, dict[str, int]] = {"fail": {}, "waived": {}}
    for finding in result.findings:
        bucket = counts[finding.status.value]
        bucket[finding.severity.label] = bucket.get(finding.severity.label, 0) + 1
    return {
        "$schema": CHECK_SCHEMA_ID,
        "version": 1,
        "tool": {"name": "compliance-tool", "version": __version__},
        "as_of": result.as_of.isoformat(),
        "source": result.source_label,
        "commit": result.commit,
        "summary": {
            "rules": len(result.rules),
            "results": len(result.results),
            "passed": sum(r.status.value == "pass" for r in result.results),
            "failed": sum(r.status.value == "fail" for r in result.results),
            "waived": sum(r.status.value == "waived" for r in result.results),
            "upcoming": sum(r.status.value == "upcoming" for r in result.results),
            "failed_by_severity": counts["fail"],
            "waived_by_severity": counts["waived"],
        },
        "rules": [
            {
                "id": rule.id,
                "title": rule.title,
                "severity": rule.severity.label,
                "controls": list(rule.controls),
                "applies_to": rule.applies_to.value,
                "remediation": rule.remediation,
                "applies_from": rule.applies_from.as_dict() if rule.applies_from else None,
            }
            for rule in result.rules
        ],
        "findings": [result_entry(f) for f in result.findings],
        "upcoming": [upcoming_entry(u) for u in result.upcoming],
    }


def render_check(result: CheckResult) -> str:
    return dumps(check_document(result))
