"""SARIF 2.1.0, for GitHub code scanning and any other SARIF viewer.

Built from plain dicts (the SARIF object-model packages are unmaintained). One run; one
rule descriptor per rule evaluated; one result per failure, waived failures included but
carrying an accepted external suppression, so that viewers show them as dismissed rather
than hiding that an exception exists.

Levels follow severity (critical and high: error, medium: warning, low and info: note).
An upcoming result (a failure of a rule not yet enforced on the evaluation date) is a
``note`` whatever its severity, its message saying from when it will be a failure, and its
property bag holding ``status: upcoming`` and ``applies_from``: code scanning shows it
without failing a check. Its fingerprint is that of the failure it will become, so that a
viewer keeps one alert whose level rises on the date.
No ``security-severity`` is written: GitHub reads it only for rules tagged ``security``,
and governance findings are not security vulnerabilities, so tagging them as such would
mix them into the security overview. The native severity is in each rule's and result's
property bag.
"""

from __future__ import annotations

import dataclasses
import hashlib
import re
from typing import Any

from compliance_tool import __version__
from compliance_tool.checks.engine import CheckResult, CompiledRule, Result, Status
from compliance_tool.reporters.json_format import dumps
from compliance_tool.reporters.markdown import code, escape
from compliance_tool.repository.kinds import Severity

SARIF_SCHEMA = (
    "https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json"
)
INFORMATION_URI = "https://compliance-tool.dev"
SRCROOT = "%SRCROOT%"
SRCROOT_TEXT = "The top of the git repository; artifact paths start there."
"""What the one base id means: no ``uri``, as where the repository is checked out is the
reader's (code scanning resolves against its checkout), and the log stays the same on
every machine."""
FINGERPRINT = "complianceFinding/v1"
"""Name of the stable identity of a finding (rule, kind, subject) in partialFingerprints;
the ``/v1`` changes if the recipe ever does."""

LEVELS: dict[Severity, str] = {
    Severity.CRITICAL: "error",
    Severity.HIGH: "error",
    Severity.MEDIUM: "warning",
    Severity.LOW: "note",
    Severity.INFO: "note",
}


def rule_name(rule_id: str) -> str:
    """``MON-01-drift-thresholds`` as ``MON01DriftThresholds``."""
    return "".join(word[:1].upper() + word[1:] for word in re.split(r"[^A-Za-z0-9]+", rule_id))


def fingerprint(result: Result) -> str:
    """A hash of what a waiver names: it survives edits that move the finding's line."""
    return hashlib.sha256("\0".join(result.key).encode("utf-8")).hexdigest()


def _location(path: str, line: int, column: int) -> dict[str, Any]:
    return {
        "artifactLocation": {"uri": path, "uriBaseId": SRCROOT},
        "region": {"startLine": max(line, 1), "startColumn": max(column, 1)},
    }


def _descriptor(rule: CompiledRule) -> dict[str, Any]:
    controls = ", ".join(rule.controls) or "none"
    remediation = rule.remediation or "See the rule file."
    return {
        "id": rule.id,
        "name": rule_name(rule.id),
        "shortDescription": {"text": rule.title},
        "fullDescription": {"text": rule.rationale or rule.title},
        "help": {
            "text": f"{remediation}\n\nControls: {controls}. Rule file: {rule.path}.",
            "markdown": (
                f"**How to fix:** {escape(remediation)}\n\n"
                f"**Controls:** {', '.join(code(c) for c in rule.controls) or 'none'}  \n"
                f"**Rule file:** {code(rule.path)}"
            ),
        },
        "defaultConfiguration": {"level": LEVELS[rule.severity]},
        "properties": {
            "tags": [
                *(f"control:{c}" for c in rule.controls),
                f"kind:{rule.applies_to.value}",
                f"severity:{rule.severity.label}",
            ],
            "severity": rule.severity.label,
        },
    }


def _result(finding: Result, index: int) -> dict[str, Any]:
    lines = [finding.message, *(f"{d.field}: {d.message}" for d in finding.details)]
    upcoming = finding.status is Status.UPCOMING
    if upcoming:
        when = finding.applies_from.describe() if finding.applies_from else "from a later date"
        lines.append(f"Not yet mandatory: a failure {when}.")
    entry: dict[str, Any] = {
        "ruleId": finding.rule,
        "ruleIndex": index,
        "level": "note" if upcoming else LEVELS[finding.severity],
        "message": {"text": "\n".join(lines)},
        "locations": [{"physicalLocation": _location(finding.path, finding.line, finding.column)}],
        "partialFingerprints": {FINGERPRINT: fingerprint(finding)},
        "properties": {
            "kind": finding.kind.value,
            "subject": finding.subject,
            "severity": finding.severity.label,
        },
    }
    if upcoming:
        entry["properties"]["status"] = Status.UPCOMING.value
        entry["properties"]["applies_from"] = (
            finding.applies_from.as_dict() if finding.applies_from else None
        )
    if finding.details:
        entry["relatedLocations"] = [
            {
                "id": number,
                "physicalLocation": _location(finding.path, d.line, d.column),
                "message": {"text": f"{d.field}: {d.message}"},
            }
            for number, d in enumerate(finding.details, start=1)
        ]
    if finding.status is Status.WAIVED:
        entry["suppressions"] = [
            {
                "kind": "external",
                "status": "accepted",
                "justification": f"Waiver {finding.waiver} until {finding.waiver_expires}",
            }
        ]
    return entry


def sarif_document(result: CheckResult) -> dict[str, Any]:
    """The SARIF log as plain data."""
    rules = sorted(result.rules, key=lambda r: r.id)
    index = {rule.id: number for number, rule in enumerate(rules)}
    # paths from the top of the git repository, which may hold the governance root in a folder
    findings = [
        dataclasses.replace(f, path=result.git_prefix + f.path)
        for f in [*result.findings, *result.upcoming]
    ]
    return {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "compliance-tool",
                        "version": __version__,
                        "semanticVersion": __version__,
                        "informationUri": INFORMATION_URI,
                        "rules": [_descriptor(rule) for rule in rules],
                    }
                },
                "invocations": [{"executionSuccessful": True}],
                "columnKind": "unicodeCodePoints",
                "originalUriBaseIds": {SRCROOT: {"description": {"text": SRCROOT_TEXT}}},
                "results": [_result(f, index[f.rule]) for f in findings],
                "properties": {
                    "as_of": result.as_of.isoformat(),
                    "source": result.source_label,
                    "commit": result.commit,
                },
            }
        ],
    }


def render_check(result: CheckResult) -> str:
    return dumps(sarif_document(result))
