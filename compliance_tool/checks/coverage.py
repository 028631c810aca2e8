"""Control coverage: the status of every control, and of every framework clause through
the controls mapped to it.

A control checked by rules passes when none of its rules fails; a waived failure makes it
"waived". A control verified by scenarios also needs all its scenarios to pass. A manual
control passes on attested evidence: a file in the repository, a date within a year of
the evaluation date, and the person who attested it.
"""

from __future__ import annotations

import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypedDict

from compliance_tool.checks.engine import CheckResult, Status
from compliance_tool.checks.facts import parse_date
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Inventory

EVIDENCE_MAX_AGE_DAYS = 365


class ControlStatus(enum.StrEnum):
    """Status of a control or a clause, worst first."""

    FAIL = "fail"
    NO_EVIDENCE = "no evidence"
    WAIVED = "waived"
    MANUAL = "manual with evidence"
    PASS = "pass"
    NOT_COVERED = "not covered"

    @property
    def rank(self) -> int:
        return list(ControlStatus).index(self)

    @property
    def satisfied(self) -> bool:
        return self in (ControlStatus.PASS, ControlStatus.MANUAL)


@dataclass(frozen=True, slots=True)
class ScenarioOutcome:
    """One Gherkin scenario's result, as evidence for the controls it is tagged with."""

    name: str
    feature: str
    passed: bool
    controls: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class ControlCoverage:
    id: str
    title: str
    verification: str
    status: ControlStatus
    rules: tuple[str, ...]
    failing: tuple[str, ...]
    waived: tuple[str, ...]
    scenarios: tuple[ScenarioOutcome, ...]
    evidence: str


@dataclass(frozen=True, slots=True)
class ClauseCoverage:
    id: str
    title: str
    controls: tuple[str, ...]
    status: ControlStatus


@dataclass(frozen=True, slots=True)
class FrameworkCoverage:
    id: str
    title: str
    status: str
    clauses: tuple[ClauseCoverage, ...]


@dataclass(frozen=True, slots=True)
class Coverage:
    controls: tuple[ControlCoverage, ...]
    frameworks: tuple[FrameworkCoverage, ...]

    @property
    def share_passing(self) -> float:
        """Share of controls passing (automated pass or manual with evidence)."""
        if not self.controls:
            return 0.0
        return sum(c.status.satisfied for c in self.controls) / len(self.controls)

    def control(self, control_id: str) -> ControlCoverage:
        return next(c for c in self.controls if c.id == control_id)


@dataclass(frozen=True, slots=True)
class CoverageResult:
    """Coverage with the check it was computed from (its date, source and commit)."""

    coverage: Coverage
    check: CheckResult


def worst(statuses: Sequence[ControlStatus]) -> ControlStatus:
    return min(statuses, key=lambda s: s.rank) if statuses else ControlStatus.NOT_COVERED


def _manual_status(
    inventory: Inventory, result: CheckResult, data: Mapping[str, object]
) -> tuple[ControlStatus, str]:
    evidence = data.get("evidence")
    if not isinstance(evidence, list):
        return ControlStatus.NO_EVIDENCE, "no evidence recorded"
    for item in evidence:
        if not isinstance(item, dict):
            continue
        day = parse_date(item.get("date"))
        fresh = day is not None and 0 <= (result.as_of - day).days <= EVIDENCE_MAX_AGE_DAYS
        exists = inventory.source.file_problem(str(item.get("file"))) is None
        if fresh and exists and item.get("attested_by"):
            return ControlStatus.MANUAL, (
                f"{item.get('file')} attested by {item.get('attested_by')} on {item.get('date')}"
            )
    return ControlStatus.NO_EVIDENCE, "evidence missing, older than a year or unattested"


def compute_coverage(
    inventory: Inventory,
    result: CheckResult,
    scenarios: Sequence[ScenarioOutcome] = (),
) -> Coverage:
    """Control and clause status from rule results, scenario outcomes and evidence."""
    controls: list[ControlCoverage] = []
    for control in inventory.records(Kind.CONTROL):
        data = control.data
        verification = str(data.get("verification", "automated"))
        rules = tuple(r.id for r in result.rules if control.id in r.controls)
        mine = [r for r in result.results if r.rule in rules]
        failing = tuple(
            sorted(
                {f"{r.rule}: {r.kind.value} {r.subject}" for r in mine if r.status is Status.FAIL}
            )
        )
        waived = tuple(
            sorted(
                {f"{r.rule}: {r.kind.value} {r.subject}" for r in mine if r.status is Status.WAIVED}
            )
        )
        evidenced = tuple(s for s in scenarios if control.id in s.controls)
        if verification == "manual":
            status, evidence = _manual_status(inventory, result, data)
        elif not rules and not evidenced:
            status, evidence = ControlStatus.NO_EVIDENCE, "no rule or scenario checks it"
        else:
            statuses = [ControlStatus.PASS]
            if failing or any(not s.passed for s in evidenced):
                statuses.append(ControlStatus.FAIL)
            if waived:
                statuses.append(ControlStatus.WAIVED)
            if verification == "scenario" and not evidenced and scenarios:
                statuses.append(ControlStatus.NO_EVIDENCE)
            status = worst(statuses)
            parts = [f"{len(rules)} rule(s), {len(mine)} result(s)"]
            if evidenced:
                parts.append(
                    f"{sum(s.passed for s in evidenced)}/{len(evidenced)} scenario(s) pass"
                )
            evidence = "; ".join(parts)
        controls.append(
            ControlCoverage(
                control.id,
                str(data.get("title", control.id)),
                verification,
                status,
                rules,
                failing,
                waived,
                evidenced,
                evidence,
            )
        )
    by_id = {c.id: c for c in controls}
    mapped: dict[tuple[str, str], list[str]] = {}
    for control in inventory.records(Kind.CONTROL):
        for mapping in control.data.get("mappings") or ():
            if isinstance(mapping, dict):
                key = (str(mapping.get("framework")), str(mapping.get("clause")))
                mapped.setdefault(key, []).append(control.id)
    frameworks = []
    for framework in inventory.records(Kind.FRAMEWORK):
        clauses = []
        for clause in framework.data.get("clauses") or ():
            if not isinstance(clause, dict):
                continue
            ids = tuple(sorted(set(mapped.get((framework.id, str(clause.get("id"))), []))))
            status = worst([by_id[i].status for i in ids if i in by_id])
            clauses.append(
                ClauseCoverage(str(clause.get("id")), str(clause.get("title", "")), ids, status)
            )
        frameworks.append(
            FrameworkCoverage(
                framework.id, framework.name, str(framework.data.get("status", "")), tuple(clauses)
            )
        )
    return Coverage(tuple(controls), tuple(frameworks))


class ScenarioRow(TypedDict):
    name: str
    feature: str
    passed: bool


class ControlRow(TypedDict):
    """One control as plain values, as the coverage JSON and the report show it."""

    id: str
    title: str
    verification: str
    status: str
    rules: list[str]
    failing: list[str]
    waived: list[str]
    scenarios: list[ScenarioRow]
    evidence: str


class ClauseRow(TypedDict):
    id: str
    title: str
    controls: list[str]
    status: str


class FrameworkRow(TypedDict):
    """One framework and the status of each of its clauses, as plain values."""

    id: str
    title: str
    status: str
    clauses: list[ClauseRow]


class CoverageRows(TypedDict):
    controls: list[ControlRow]
    frameworks: list[FrameworkRow]


def coverage_rows(coverage: Coverage) -> CoverageRows:
    """Every control and framework clause as plain values: the one serialisation of a
    coverage result, shared by the coverage JSON and the report."""
    return {
        "controls": [
            {
                "id": c.id,
                "title": c.title,
                "verification": c.verification,
                "status": c.status.value,
                "rules": list(c.rules),
                "failing": list(c.failing),
                "waived": list(c.waived),
                "scenarios": [
                    {"name": s.name, "feature": s.feature, "passed": s.passed} for s in c.scenarios
                ],
                "evidence": c.evidence,
            }
            for c in coverage.controls
        ],
        "frameworks": [
            {
                "id": f.id,
                "title": f.title,
                "status": f.status,
                "clauses": [
                    {
                        "id": c.id,
                        "title": c.title,
                        "controls": list(c.controls),
                        "status": c.status.value,
                    }
                    for c in f.clauses
                ],
            }
            for f in coverage.frameworks
        ],
    }
