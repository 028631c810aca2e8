"""Control coverage: each control's status and evidence, and each framework clause's
status through the controls mapped to it, under the framework's provenance in plain
words: version, standing, legal force, source, amendments, when it was last checked,
the next date that matters for the portfolio, and its caveat.

Current frameworks are graded; a superseded or rescinded one is listed apart, without
grades, naming its successor. A provisional clause is marked beside its grade, and the
rationale of a mapping is shown under the clause it explains.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from compliance_tool.checks.coverage import (
    AppliesFromRow,
    ControlStatus,
    Coverage,
    FrameworkRow,
    Rationale,
    coverage_rows,
)
from compliance_tool.report.sections.common import capped

CSS_OF_STATUS = {
    ControlStatus.PASS: "good",
    ControlStatus.MANUAL: "good",
    ControlStatus.UPCOMING: "soon",
    ControlStatus.WAIVED: "warn",
    ControlStatus.FAIL: "bad",
    ControlStatus.NO_EVIDENCE: "bad",
    ControlStatus.NOT_COVERED: "none",
    ControlStatus.HISTORICAL: "none",
}
"""The style class a status is shown in."""

LEGAL_FORCE = {
    "law": "law: binding legislation",
    "proposal": "proposal: not adopted, not binding",
    "guidance": "guidance, not law",
    "standard": "a standard, not law: binding only by choice or contract",
}
"""A framework's ``legal_status`` as a risk officer reads it."""

STANDING = {"active": "current", "draft": "draft, not yet in force"}


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
    upcoming: tuple[str, ...] = ()
    """Results that become failures, each with its date."""
    applies_from: str | None = None
    """"applies from 2027-12-02 (…)" for a control not yet in force, else None."""


@dataclass(frozen=True, slots=True)
class ClauseEntry:
    id: str
    title: str
    controls: str
    """The ids of the controls mapped to it, or — for none."""
    status: str
    css: str
    provisional: bool = False
    why: tuple[Rationale, ...] = ()


@dataclass(frozen=True, slots=True)
class FrameworkEntry:
    id: str
    title: str
    status: str
    clauses: tuple[ClauseEntry, ...]
    short_title: str = ""
    version: str = ""
    standing: str = ""
    """"current", or for a historical framework "rescinded on …, superseded by …"."""
    legal_force: str = ""
    issuer: str = ""
    source_reference: str = ""
    source_url: str = ""
    """Shown as text; the report fetches nothing."""
    source_note: str = ""
    amendments: tuple[str, ...] = ()
    verified_on: str = ""
    next_date: str | None = None
    """The next date that is law and concerns the portfolio, in a sentence; None: none."""
    caveat: str = ""
    historical: bool = False
    successor: str = ""
    """The title and id of the framework that replaces a historical one."""
    provisional: int = 0
    """How many of its clauses are provisional."""


@dataclass(frozen=True, slots=True)
class CoverageSection:
    controls: tuple[ControlEntry, ...]
    frameworks: tuple[FrameworkEntry, ...]
    """The current frameworks, graded."""
    historical: tuple[FrameworkEntry, ...] = ()
    """Superseded or rescinded frameworks: shown for reference, not graded."""


def _when(applies: AppliesFromRow, titles: dict[str, str]) -> str:
    """``2027-12-02 (EU AI Act: High-risk obligations apply to Annex III systems)``."""
    framework = applies["framework"]
    event = f": {applies['event']}" if applies["event"] else ""
    where = f" ({titles.get(framework, framework)}{event})" if framework else ""
    proposed = "; only proposed, not binding" if applies["legal_status"] == "proposal" else ""
    return f"{applies['date']}{where}{proposed}"


def _framework_entry(row: FrameworkRow, titles: dict[str, str]) -> FrameworkEntry:
    historical = row["historical"]
    standing = STANDING.get(row["status"], row["status"])
    if historical:
        standing = row["status"]
        if row["rescinded_on"]:
            standing += f" on {row['rescinded_on']}"
        if row["superseded_by"]:
            standing += f", superseded by {titles.get(row['superseded_by'], row['superseded_by'])}"
    date = row["next_date"]
    amendments = tuple(
        f"{a['id']}: {a['title']}"
        + (f" (in force {a['in_force']})" if a["in_force"] else "")
        + ("; only proposed" if a["legal_status"] == "proposal" else "")
        for a in row["amendments"]
    )
    successor = row["superseded_by"] or ""
    return FrameworkEntry(
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
                provisional=clause["provisional"],
                why=tuple(Rationale(r["control"], r["rationale"]) for r in clause["rationales"]),
            )
            for clause in row["clauses"]
        ),
        short_title=row["short_title"],
        version=row["version"],
        standing=standing,
        legal_force=LEGAL_FORCE.get(row["legal_status"], row["legal_status"]),
        issuer=row["issuer"],
        source_reference=row["source"]["reference"],
        source_url=row["source"]["url"],
        source_note=row["source"]["note"] or "",
        amendments=amendments,
        verified_on=row["verified_on"],
        next_date=f"{date['date']}: {date['event']} ({date['source']['reference']})"
        if date
        else None,
        caveat=row["caveat"] or "",
        historical=historical,
        successor=f"{titles.get(successor, successor)} ({successor})" if successor else "",
        provisional=sum(c["provisional"] for c in row["clauses"]),
    )


def build_coverage(coverage: Coverage, as_of: dt.date) -> CoverageSection:
    rows = coverage_rows(coverage, as_of)
    titles = {f["id"]: f["short_title"] for f in rows["frameworks"]}
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
            upcoming=capped(
                [
                    f"{u['result']}, a finding from {u['applies_from']['date']}"
                    for u in row["upcoming"]
                ],
                5,
            ),
            applies_from=f"applies from {_when(row['applies_from'], titles)}"
            if row["applies_from"] and not row["applies_from"]["in_force"]
            else None,
        )
        for row in rows["controls"]
    )
    frameworks = [_framework_entry(row, titles) for row in rows["frameworks"]]
    return CoverageSection(
        controls=controls,
        frameworks=tuple(f for f in frameworks if not f.historical),
        historical=tuple(f for f in frameworks if f.historical),
    )
