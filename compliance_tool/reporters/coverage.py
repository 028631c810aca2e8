"""Control coverage as text (per framework, clause by clause) and JSON."""

from __future__ import annotations

from typing import Any

from compliance_tool import __version__
from compliance_tool.checks.coverage import Coverage, CoverageResult, coverage_rows
from compliance_tool.checks.engine import CheckResult
from compliance_tool.reporters.json_format import dumps

COVERAGE_SCHEMA_ID = "https://compliance-tool.dev/schemas/output/coverage.schema.json"


def render_text(report: CoverageResult) -> str:
    coverage, result = report.coverage, report.check
    lines = [f"Controls ({coverage.share_passing:.0%} passing, as of {result.as_of})"]
    for control in coverage.controls:
        lines.append(f"  {control.id:<8} {control.status.value:<21} {control.title}")
        for item in control.failing:
            lines.append(f"           fails: {item}")
        for item in control.waived:
            lines.append(f"           waived: {item}")
        for scenario in control.scenarios:
            lines.append(
                f"           scenario {'passed' if scenario.passed else 'FAILED'}: {scenario.name}"
            )
    for framework in coverage.frameworks:
        lines += ["", f"{framework.title} ({framework.id}, {framework.status})"]
        width = max((len(c.id) for c in framework.clauses), default=4)
        for clause in framework.clauses:
            controls = ", ".join(clause.controls) or "-"
            lines.append(
                f"  {clause.id:<{width}}  {clause.status.value:<21} {controls:<24} {clause.title}"
            )
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
        **coverage_rows(coverage),
    }


def render_json(report: CoverageResult) -> str:
    return dumps(coverage_document(report.coverage, report.check))
