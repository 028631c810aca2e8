"""Control coverage: each control's status and evidence, and each framework clause's
status through the controls mapped to it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from compliance_tool.checks.coverage import ControlStatus, Coverage, coverage_rows
from compliance_tool.report.sections.common import capped

CSS_OF_STATUS = {
    ControlStatus.PASS: "good",
    ControlStatus.MANUAL: "good",
    ControlStatus.UPCOMING: "warn",
    ControlStatus.WAIVED: "warn",
    ControlStatus.FAIL: "bad",
    ControlStatus.NO_EVIDENCE: "bad",
    ControlStatus.NOT_COVERED: "none",
    ControlStatus.HISTORICAL: "none",
}
"""The style class a status is shown in."""


@dataclass(frozen=True, slots=True)
class ScenarioEntry:
    name: str
    passed: bool


@dataclass(frozen=True, slots=True)
class ControlEntry:
    id: str
    title: str
    verification: str
    status: str
    css: str
    evidence: str
    failing: tuple[str, ...]
    """The first five failing results, and how many more."""
    waived: tuple[str, ...]
    scenarios: tuple[ScenarioEntry, ...]


@dataclass(frozen=True, slots=True)
class ClauseEntry:
    id: str
    title: str
    controls: str
    """The ids of the controls mapped to it, or — for none."""
    status: str
    css: str


@dataclass(frozen=True, slots=True)
class FrameworkEntry:
    id: str
    title: str
    status: str
    clauses: tuple[ClauseEntry, ...]


@dataclass(frozen=True, slots=True)
class CoverageSection:
    controls: tuple[ControlEntry, ...]
    frameworks: tuple[FrameworkEntry, ...]


def build_coverage(coverage: Coverage, as_of: dt.date) -> CoverageSection:
    rows = coverage_rows(coverage, as_of)
    controls = tuple(
        ControlEntry(
            id=row["id"],
            title=row["title"],
            verification=row["verification"],
            status=row["status"],
            css=CSS_OF_STATUS[ControlStatus(row["status"])],
            evidence=row["evidence"],
            failing=capped(row["failing"], 5),
            waived=capped(row["waived"], 5),
            scenarios=tuple(ScenarioEntry(s["name"], s["passed"]) for s in row["scenarios"]),
        )
        for row in rows["controls"]
    )
    frameworks = tuple(
        FrameworkEntry(
            id=row["id"],
            title=row["title"],
            status=row["status"],
            clauses=tuple(
                ClauseEntry(
                    id=clause["id"],
                    title=clause["title"],
                    controls=", ".join(clause["controls"]) or "—",
                    status=clause["status"],
                    css=CSS_OF_STATUS[ControlStatus(clause["status"])],
                )
                for clause in row["clauses"]
            ),
        )
        for row in rows["frameworks"]
    )
    return CoverageSection(controls=controls, frameworks=frameworks)
