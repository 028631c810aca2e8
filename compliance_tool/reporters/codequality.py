"""GitLab Code Quality: the JSON report that ``artifacts:reports:codequality`` takes.

A JSON array of issues in the subset of the Code Climate format that GitLab reads:
``description``, ``check_name``, ``fingerprint``, ``severity`` and ``location`` (``path``
and ``lines.begin``). GitLab shows them in the merge request widget and beside the changed
lines, and compares fingerprints with the target branch's report to say which findings a
merge request introduces or resolves.

One issue per reason a record fails a rule (each field with its own line), or one per
failure without details. Unwaived failures are issues at their severity, mapped onto
GitLab's five: info, minor (low), major (medium), critical (high), blocker (critical).
Upcoming results (failures of a rule not enforced yet) are ``info`` issues that say from
when the rule applies, so that a merge request shows what will become mandatory. Waived
failures are left out: Code Quality has no notion of an accepted exception, and a waived
finding does not fail the run.
A fingerprint hashes what a waiver names (rule, kind, subject) and the field, not the
line, so that an edit that moves a finding does not make it look new. Paths are from the
top of the git repository (a governance root in a subfolder gets its prefix), as GitLab
reads them.
"""

from __future__ import annotations

import hashlib
from typing import Any

from compliance_tool.checks.engine import CheckResult, Result, Status
from compliance_tool.reporters.json_format import dumps
from compliance_tool.repository.kinds import Severity

SEVERITIES: dict[Severity, str] = {
    Severity.INFO: "info",
    Severity.LOW: "minor",
    Severity.MEDIUM: "major",
    Severity.HIGH: "critical",
    Severity.CRITICAL: "blocker",
}
"""GitLab's Code Quality severity of each rule severity."""


def _fingerprint(result: Result, field: str, repeat: int) -> str:
    """The same for the same problem of the same record; an upcoming result's differs from
    the failure it becomes, which GitLab then shows as new."""
    upcoming = ["upcoming"] if result.status is Status.UPCOMING else []
    identity = "\0".join((*result.key, field, *upcoming, *([str(repeat)] if repeat else [])))
    return hashlib.sha256(identity.encode("utf-8")).hexdigest()


def _issue(
    result: Result,
    remediation: str,
    field: str,
    message: str,
    line: int,
    repeat: int = 0,
    prefix: str = "",
) -> Any:
    what = f"{result.kind.value} {result.subject}: {result.message}"
    description = f"{what} ({field}: {message})" if field else what
    upcoming = result.status is Status.UPCOMING
    if upcoming:
        when = result.applies_from.describe() if result.applies_from else "later"
        description = f"Upcoming, enforced {when}: {description}"
    issue: dict[str, Any] = {
        "type": "issue",
        "description": description,
        "check_name": result.rule,
        "fingerprint": _fingerprint(result, field, repeat),
        "severity": "info" if upcoming else SEVERITIES[result.severity],
        # from the top of the git repository, as GitLab takes paths
        "location": {"path": prefix + result.path, "lines": {"begin": max(line, 1)}},
    }
    if remediation:
        issue["content"] = {"body": f"How to fix: {remediation}"}
    return issue


def code_quality_issues(result: CheckResult) -> list[Any]:
    """The issues of every unwaived failure, in the order of the findings, then of every
    upcoming result, soonest first."""
    remediation = {rule.id: rule.remediation for rule in result.rules}
    issues: list[Any] = []
    for finding in [*result.failing(), *result.upcoming]:
        fix = remediation.get(finding.rule, "")
        prefix = result.git_prefix
        if not finding.details:
            issues.append(_issue(finding, fix, "", "", finding.line, prefix=prefix))
        fields: list[str] = []
        for detail in finding.details:
            repeat = fields.count(detail.field)  # the same field failing twice: two issues
            fields.append(detail.field)
            issues.append(
                _issue(finding, fix, detail.field, detail.message, detail.line, repeat, prefix)
            )
    return issues


def render_check(result: CheckResult) -> str:
    return dumps(code_quality_issues(result))
