"""Findings and remediation: one row per failing rule, and one paragraph per failing result
while there are few enough to read."""

from __future__ import annotations

from dataclasses import dataclass

from compliance_tool.checks.engine import Result
from compliance_tool.report.sections.common import Evaluated, FindingRow, capped, finding_row

FINDINGS_DETAIL_LIMIT = 60
"""Up to this many failing results each get a paragraph; beyond it, one row per rule."""


@dataclass(frozen=True, slots=True)
class RuleGroup:
    """A failing rule: its severity, how many subjects fail it, which (the first 30), the fix."""

    rule: str
    title: str
    severity: str
    count: int
    kind: str
    subjects: str
    remediation: str


@dataclass(frozen=True, slots=True)
class Findings:
    by_rule: tuple[RuleGroup, ...]
    each: tuple[FindingRow, ...]
    """Every failing result, most severe first; none beyond :data:`FINDINGS_DETAIL_LIMIT`."""
    failing_count: int


def _by_rule(evaluated: Evaluated) -> tuple[RuleGroup, ...]:
    grouped: dict[str, list[Result]] = {}
    for result in evaluated.failing:
        grouped.setdefault(result.rule, []).append(result)
    ordered = sorted(
        grouped.items(), key=lambda item: (-int(item[1][0].severity), -len(item[1]), item[0])
    )
    groups = []
    for rule_id, results in ordered:
        rule = evaluated.rules.get(rule_id)
        groups.append(
            RuleGroup(
                rule=rule_id,
                title=rule.title if rule else rule_id,
                severity=results[0].severity.label,
                count=len(results),
                kind=results[0].kind.value,
                subjects=", ".join(capped(sorted(r.subject for r in results), 30)),
                remediation=rule.remediation if rule else "",
            )
        )
    return tuple(groups)


def build_findings(evaluated: Evaluated) -> Findings:
    failing = evaluated.failing
    each = (
        tuple(
            finding_row(r, evaluated.rules)
            for r in sorted(failing, key=lambda r: (-r.severity, r.rule, r.subject))
        )
        if len(failing) <= FINDINGS_DETAIL_LIMIT
        else ()
    )
    return Findings(by_rule=_by_rule(evaluated), each=each, failing_count=len(failing))
