"""Control coverage: the status of every control, and of every framework clause through
the controls mapped to it, with each framework's provenance.

A control checked by rules passes when none of its rules fails; a waived failure makes it
"waived", and a failure of a rule not yet in force (before its ``applies_from`` date) makes
it "upcoming". A control verified by scenarios also needs all its scenarios to pass. A
manual control passes on attested evidence: a file in the repository, a date within a year
of the evaluation date, and the person who attested it.

A clause takes the worst status of the controls mapped to it. The clauses of a historical
framework (superseded or rescinded) are not graded: each has the status "historical",
whatever its controls do, and no grade of theirs counts anywhere. Which controls cover a
clause is the organisation's own mapping (``mappings`` of policies/controls), not a
regulator's judgement; a mapping may say why in its ``rationale``.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TypedDict

from compliance_tool.checks.engine import CheckResult, Result, Status
from compliance_tool.checks.facts import parse_date
from compliance_tool.checks.frameworks import (
    Amendment,
    AppliesFrom,
    FrameworkDate,
    FrameworkInfo,
    Source,
    frameworks,
    portfolio_classes,
    resolve_applies_from,
)
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Inventory, Record

EVIDENCE_MAX_AGE_DAYS = 365

COVERED_BY_OWN_MAPPING = (
    "A clause shown as covered reflects the organisation's own mapping of its controls to "
    "clauses (policies/controls), not a regulator's or an auditor's judgement."
)
"""The statement every reader of clause grades is given once."""


class ControlStatus(enum.StrEnum):
    """Status of a control or a clause, worst first.

    "upcoming": the only problems are failures of rules not yet in force; it is not a
    failure today, and not a pass either. "not covered" and "historical" are statuses of
    clauses only: no control maps to the clause, or its framework is superseded or
    rescinded and the clause is not graded.
    """

    FAIL = "fail"
    NO_EVIDENCE = "no evidence"
    WAIVED = "waived"
    UPCOMING = "upcoming"
    MANUAL = "manual with evidence"
    PASS = "pass"
    NOT_COVERED = "not covered"
    HISTORICAL = "historical"

    @property
    def rank(self) -> int:
        return list(ControlStatus).index(self)

    @property
    def satisfied(self) -> bool:
        return self in (ControlStatus.PASS, ControlStatus.MANUAL)

    @property
    def graded(self) -> bool:
        """Whether the status is a grade (not "historical")."""
        return self is not ControlStatus.HISTORICAL


CLAUSE_ONLY = (ControlStatus.NOT_COVERED, ControlStatus.HISTORICAL)


@dataclass(frozen=True, slots=True)
class ScenarioOutcome:
    """One Gherkin scenario's result, as evidence for the controls it is tagged with."""

    name: str
    feature: str
    passed: bool
    controls: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class UpcomingResult:
    """A failure of a rule not yet in force, and the date from which it is a failure."""

    result: str
    """``rule: Kind subject``, as failing results are written."""
    applies_from: AppliesFrom


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
    upcoming: tuple[UpcomingResult, ...] = ()
    applies_from: AppliesFrom | None = None
    """The control's own ``applies_from``, resolved to a date."""


@dataclass(frozen=True, slots=True)
class Rationale:
    """Why one control covers one clause, as its mapping says."""

    control: str
    rationale: str


@dataclass(frozen=True, slots=True)
class ClauseCoverage:
    id: str
    title: str
    controls: tuple[str, ...]
    status: ControlStatus
    provisional: bool = False
    """The clause id or title could not be checked against the published text."""
    rationales: tuple[Rationale, ...] = ()
    """The rationales of the mappings to it that have one, by control id."""


@dataclass(frozen=True, slots=True)
class FrameworkCoverage:
    id: str
    title: str
    status: str
    clauses: tuple[ClauseCoverage, ...]
    info: FrameworkInfo
    """Provenance: version, legal force, source, amendments, dates, verified_on."""
    next_date: FrameworkDate | None
    """The first date after the evaluation date that is law and concerns the portfolio's
    models; None for a historical framework."""

    @property
    def historical(self) -> bool:
        return self.info.historical


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

    def framework(self, framework_id: str) -> FrameworkCoverage:
        return next(f for f in self.frameworks if f.id == framework_id)


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


def _written(results: Sequence[Result], status: Status) -> tuple[str, ...]:
    return tuple(
        sorted({f"{r.rule}: {r.kind.value} {r.subject}" for r in results if r.status is status})
    )


def _upcoming(results: Sequence[Result]) -> tuple[UpcomingResult, ...]:
    found = {
        UpcomingResult(f"{r.rule}: {r.kind.value} {r.subject}", r.applies_from)
        for r in results
        if r.status is Status.UPCOMING and r.applies_from is not None
    }
    return tuple(sorted(found, key=lambda u: (u.applies_from.date, u.result)))


def _control(
    inventory: Inventory,
    result: CheckResult,
    scenarios: Sequence[ScenarioOutcome],
    control: Record,
    known: Mapping[str, FrameworkInfo],
) -> ControlCoverage:
    data = control.data
    verification = str(data.get("verification", "automated"))
    rules = tuple(r.id for r in result.rules if control.id in r.controls)
    mine = [r for r in result.results if r.rule in rules]
    failing, waived = _written(mine, Status.FAIL), _written(mine, Status.WAIVED)
    upcoming = _upcoming(mine)
    evidenced = tuple(s for s in scenarios if control.id in s.controls)
    if verification == "manual":
        status, evidence = _manual_status(inventory, result, data)
        if failing or waived:  # rules that read what runs can refute an attestation
            extra = [ControlStatus.FAIL] if failing else [ControlStatus.WAIVED]
            status = worst([status, *extra])
            evidence = f"{evidence}; {len(rules)} rule(s): {len(failing)} failing"
    elif not rules and not evidenced:
        status, evidence = ControlStatus.NO_EVIDENCE, "no rule or scenario checks it"
    else:
        statuses = [ControlStatus.PASS]
        if failing or any(not s.passed for s in evidenced):
            statuses.append(ControlStatus.FAIL)
        if waived:
            statuses.append(ControlStatus.WAIVED)
        if upcoming:
            statuses.append(ControlStatus.UPCOMING)
        if verification == "scenario" and not evidenced and scenarios:
            statuses.append(ControlStatus.NO_EVIDENCE)
        status = worst(statuses)
        parts = [f"{len(rules)} rule(s), {len(mine)} result(s)"]
        if evidenced:
            parts.append(f"{sum(s.passed for s in evidenced)}/{len(evidenced)} scenario(s) pass")
        evidence = "; ".join(parts)
    applies_from, _, _, _ = resolve_applies_from(data.get("applies_from"), known)
    return ControlCoverage(
        control.id,
        str(data.get("title", control.id)),
        verification,
        status,
        rules,
        failing,
        waived,
        evidenced,
        evidence,
        upcoming,
        applies_from,
    )


def _mappings(inventory: Inventory) -> dict[tuple[str, str], list[Rationale]]:
    """(framework, clause) -> each control mapped to it, with its rationale or ''."""
    mapped: dict[tuple[str, str], list[Rationale]] = {}
    for control in inventory.records(Kind.CONTROL):
        for mapping in control.data.get("mappings") or ():
            if isinstance(mapping, dict):
                key = (str(mapping.get("framework")), str(mapping.get("clause")))
                why = " ".join(str(mapping.get("rationale") or "").split())
                mapped.setdefault(key, []).append(Rationale(control.id, why))
    return mapped


def _framework(
    framework: Record,
    info: FrameworkInfo,
    next_date: FrameworkDate | None,
    mapped: Mapping[tuple[str, str], list[Rationale]],
    by_id: Mapping[str, ControlCoverage],
) -> FrameworkCoverage:
    clauses = []
    for clause in framework.data.get("clauses") or ():
        if not isinstance(clause, dict):
            continue
        clause_id = str(clause.get("id"))
        mappings = mapped.get((framework.id, clause_id), [])
        ids = tuple(sorted({m.control for m in mappings}))
        if info.historical:
            status = ControlStatus.HISTORICAL
        else:
            status = worst([by_id[i].status for i in ids if i in by_id])
        rationales = tuple(sorted({m for m in mappings if m.rationale}, key=lambda m: m.control))
        clauses.append(
            ClauseCoverage(
                clause_id,
                str(clause.get("title", "")),
                ids,
                status,
                provisional=clause_id in info.provisional,
                rationales=rationales,
            )
        )
    return FrameworkCoverage(
        framework.id,
        framework.name,
        str(framework.data.get("status", "")),
        tuple(clauses),
        info,
        None if info.historical else next_date,
    )


def compute_coverage(
    inventory: Inventory,
    result: CheckResult,
    scenarios: Sequence[ScenarioOutcome] = (),
) -> Coverage:
    """Control and clause status from rule results, scenario outcomes and evidence, with
    each framework's provenance and its next date that matters for the portfolio."""
    known = frameworks(inventory)
    controls = tuple(
        _control(inventory, result, scenarios, control, known)
        for control in inventory.records(Kind.CONTROL)
    )
    by_id = {c.id: c for c in controls}
    mapped = _mappings(inventory)
    classes = portfolio_classes(inventory)
    found = []
    for framework in inventory.records(Kind.FRAMEWORK):
        info = known[framework.id]
        next_date = info.next_date(result.as_of, classes)
        found.append(_framework(framework, info, next_date, mapped, by_id))
    return Coverage(controls, tuple(found))


# -- as plain values ----------------------------------------------------------------------


class ScenarioRow(TypedDict):
    name: str
    feature: str
    passed: bool


class AppliesFromRow(TypedDict):
    date: str
    reference: str
    framework: str | None
    date_id: str | None
    event: str | None
    legal_status: str
    in_force: bool


class UpcomingRow(TypedDict):
    result: str
    applies_from: AppliesFromRow


class ControlRow(TypedDict):
    """One control as plain values, as the coverage JSON and the report show it."""

    id: str
    title: str
    verification: str
    status: str
    rules: list[str]
    failing: list[str]
    waived: list[str]
    upcoming: list[UpcomingRow]
    scenarios: list[ScenarioRow]
    evidence: str
    applies_from: AppliesFromRow | None


class RationaleRow(TypedDict):
    control: str
    rationale: str


class ClauseRow(TypedDict):
    id: str
    title: str
    controls: list[str]
    status: str
    """A grade, or "historical" for every clause of a historical framework."""
    provisional: bool
    rationales: list[RationaleRow]


class SourceRow(TypedDict):
    url: str
    reference: str
    note: str | None


class AmendmentRow(TypedDict):
    id: str
    title: str
    legal_status: str
    adopted: str | None
    published: str | None
    in_force: str | None
    summary: str | None
    source: SourceRow
    verified_on: str


class DateRow(TypedDict):
    id: str
    date: str
    event: str
    legal_status: str
    set_by: str | None
    source: SourceRow
    verified_on: str


class FrameworkRow(TypedDict):
    """One framework, its provenance and the status of each of its clauses."""

    id: str
    title: str
    short_title: str
    version: str
    status: str
    legal_status: str
    issuer: str
    source: SourceRow
    verified_on: str
    caveat: str | None
    amendments: list[AmendmentRow]
    historical: bool
    superseded_by: str | None
    rescinded_on: str | None
    next_date: DateRow | None
    clauses: list[ClauseRow]


class CoverageRows(TypedDict):
    controls: list[ControlRow]
    frameworks: list[FrameworkRow]


def _or_none(text: str) -> str | None:
    return text or None


def applies_from_row(applies: AppliesFrom, as_of: dt.date) -> AppliesFromRow:
    return {
        "date": applies.date.isoformat(),
        "reference": applies.reference,
        "framework": applies.framework,
        "date_id": applies.date_id,
        "event": applies.event or None,
        "legal_status": applies.legal_status,
        "in_force": applies.in_force(as_of),
    }


def source_row(source: Source) -> SourceRow:
    return {"url": source.url, "reference": source.reference, "note": _or_none(source.note)}


def date_row(date: FrameworkDate) -> DateRow:
    return {
        "id": date.id,
        "date": date.date.isoformat(),
        "event": date.event,
        "legal_status": date.legal_status,
        "set_by": _or_none(date.set_by),
        "source": source_row(date.source),
        "verified_on": date.verified_on,
    }


def _amendment_row(amendment: Amendment) -> AmendmentRow:
    return {
        "id": amendment.id,
        "title": amendment.title,
        "legal_status": amendment.legal_status,
        "adopted": _or_none(amendment.adopted),
        "published": _or_none(amendment.published),
        "in_force": _or_none(amendment.in_force),
        "summary": _or_none(amendment.summary),
        "source": source_row(amendment.source),
        "verified_on": amendment.verified_on,
    }


def _control_row(control: ControlCoverage, as_of: dt.date) -> ControlRow:
    return {
        "id": control.id,
        "title": control.title,
        "verification": control.verification,
        "status": control.status.value,
        "rules": list(control.rules),
        "failing": list(control.failing),
        "waived": list(control.waived),
        "upcoming": [
            {"result": u.result, "applies_from": applies_from_row(u.applies_from, as_of)}
            for u in control.upcoming
        ],
        "scenarios": [
            {"name": s.name, "feature": s.feature, "passed": s.passed} for s in control.scenarios
        ],
        "evidence": control.evidence,
        "applies_from": applies_from_row(control.applies_from, as_of)
        if control.applies_from is not None
        else None,
    }


def _framework_row(framework: FrameworkCoverage) -> FrameworkRow:
    info = framework.info
    return {
        "id": framework.id,
        "title": framework.title,
        "short_title": info.short_title,
        "version": info.version,
        "status": framework.status,
        "legal_status": info.legal_status,
        "issuer": info.issuer,
        "source": source_row(info.source),
        "verified_on": info.verified_on,
        "caveat": _or_none(info.caveat),
        "amendments": [_amendment_row(a) for a in info.amendments],
        "historical": framework.historical,
        "superseded_by": _or_none(info.superseded_by),
        "rescinded_on": _or_none(info.rescinded_on),
        "next_date": date_row(framework.next_date) if framework.next_date else None,
        "clauses": [
            {
                "id": c.id,
                "title": c.title,
                "controls": list(c.controls),
                "status": c.status.value,
                "provisional": c.provisional,
                "rationales": [
                    {"control": r.control, "rationale": r.rationale} for r in c.rationales
                ],
            }
            for c in framework.clauses
        ],
    }


def coverage_rows(coverage: Coverage, as_of: dt.date) -> CoverageRows:
    """Every control and framework clause as plain values: the one serialisation of a
    coverage result, shared by the coverage JSON and the report. ``as_of`` says whether
    each ``applies_from`` is in force."""
    return {
        "controls": [_control_row(c, as_of) for c in coverage.controls],
        "frameworks": [_framework_row(f) for f in coverage.frameworks],
    }
