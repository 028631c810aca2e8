"""Control coverage as text (per framework, its provenance, then clause by clause) and JSON.

The text shows, per framework, its version, status, legal force, source, amendments, the
day it was last checked, the next legal date that matters for the portfolio and its
caveat; a historical framework says so, names its successor and grades nothing; a
provisional clause is marked "(provisional)" beside its grade.
"""

from __future__ import annotations

from typing import Any

from compliance_tool import __version__
from compliance_tool.checks.coverage import (
    COVERED_BY_OWN_MAPPING,
    ControlCoverage,
    Coverage,
    CoverageResult,
    FrameworkCoverage,
    coverage_rows,
)
from compliance_tool.checks.engine import CheckResult
from compliance_tool.checks.frameworks import AppliesFrom
from compliance_tool.reporters.json_format import dumps

COVERAGE_SCHEMA_ID = "https://compliance-tool.dev/schemas/output/coverage.schema.json"

PROVISIONAL = "(provisional)"
"""The mark beside the grade of a clause flagged provisional."""

LABEL = "  {:<13}"


def applies_from_text(applies: AppliesFrom) -> str:
    """``2027-12-02 (eu-ai-act-2024-1689#annex-iii-high-risk: High-risk obligations ...)``."""
    if applies.framework is None:
        return applies.date.isoformat()
    event = f": {applies.event}" if applies.event else ""
    proposed = ", only proposed" if applies.legal_status == "proposal" else ""
    return f"{applies.date.isoformat()} ({applies.reference}{event}{proposed})"


def historical_text(framework: FrameworkCoverage) -> str:
    """``rescinded on 2026-04-17, superseded by sr-26-2``."""
    info = framework.info
    parts = [f"{info.status} on {info.rescinded_on}" if info.rescinded_on else info.status]
    if info.superseded_by:
        parts.append(f"superseded by {info.superseded_by}")
    return ", ".join(parts)


def _control_lines(control: ControlCoverage, result: CheckResult) -> list[str]:
    lines = [f"  {control.id:<8} {control.status.value:<21} {control.title}"]
    pad = " " * 11
    if control.applies_from is not None:
        when = "in force since" if control.applies_from.in_force(result.as_of) else "applies from"
        lines.append(f"{pad}{when} {applies_from_text(control.applies_from)}")
    lines += [f"{pad}fails: {item}" for item in control.failing]
    lines += [f"{pad}waived: {item}" for item in control.waived]
    lines += [
        f"{pad}upcoming: {u.result} (a finding from {u.applies_from.date.isoformat()})"
        for u in control.upcoming
    ]
    lines += [
        f"{pad}scenario {'passed' if s.passed else 'FAILED'}: {s.name}" for s in control.scenarios
    ]
    return lines


def _provenance_lines(framework: FrameworkCoverage) -> list[str]:
    info = framework.info
    lines = []

    def add(label: str, value: str) -> None:
        lines.append(LABEL.format(label + ":") + value)

    if framework.historical:
        add("historical", f"{historical_text(framework)}; not graded as a current obligation")
    add("version", info.version or "-")
    add("legal force", info.legal_status + (f"; issued by {info.issuer}" if info.issuer else ""))
    add("source", info.source.reference)
    lines.append(LABEL.format("") + info.source.url)
    if info.source.note:
        lines.append(LABEL.format("") + info.source.note)
    for amendment in info.amendments:
        when = f", in force {amendment.in_force}" if amendment.in_force else ""
        add("amended by", f"{amendment.id} ({amendment.legal_status}{when}): {amendment.title}")
    add("verified on", info.verified_on)
    if not framework.historical:
        date = framework.next_date
        add(
            "next date",
            f"{date.date.isoformat()} {date.event} ({date.legal_status}; {date.source.reference})"
            if date is not None
            else "none ahead that concerns this portfolio",
        )
    if info.caveat:
        add("caveat", info.caveat)
    return lines


def _framework_lines(framework: FrameworkCoverage) -> list[str]:
    lines = [f"{framework.title} ({framework.id}, {framework.status})"]
    lines += _provenance_lines(framework)
    lines.append("  clauses (not graded):" if framework.historical else "  clauses:")
    width = max((len(c.id) for c in framework.clauses), default=4)
    grades = [
        f"{c.status.value} {PROVISIONAL}" if c.provisional else c.status.value
        for c in framework.clauses
    ]
    grade_width = max([21, *(len(g) + 1 for g in grades)])
    for clause, grade in zip(framework.clauses, grades, strict=True):
        controls = ", ".join(clause.controls) or "-"
        lines.append(
            f"    {clause.id:<{width}}  {grade:<{grade_width}}{controls:<24} {clause.title}"
        )
        lines += [f"      why {r.control}: {r.rationale}" for r in clause.rationales]
    return lines


def render_text(report: CoverageResult) -> str:
    coverage, result = report.coverage, report.check
    lines = [f"Controls ({coverage.share_passing:.0%} passing, as of {result.as_of})"]
    for control in coverage.controls:
        lines += _control_lines(control, result)
    lines += ["", f"Clauses: {COVERED_BY_OWN_MAPPING}"]
    for framework in coverage.frameworks:
        lines += ["", *_framework_lines(framework)]
    return "\n".join(lines) + "\n"


def coverage_document(coverage: Coverage, result: CheckResult) -> dict[str, Any]:
    return {
        "$schema": COVERAGE_SCHEMA_ID,
        "version": 1,
        "tool": {"name": "compliance-tool", "version": __version__},
        "as_of": result.as_of.isoformat(),
        "source": result.source_label,
        "commit": result.commit,
        "share_passing": round(coverage.share_passing, 4),
        "mapping_note": COVERED_BY_OWN_MAPPING,
        **coverage_rows(coverage, result.as_of),
    }


def render_json(report: CoverageResult) -> str:
    return dumps(coverage_document(report.coverage, report.check))
