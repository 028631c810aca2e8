"""Waivers: every waiver with its state (in force, expired, invalid), those expiring soon,
and the findings they waive."""

from __future__ import annotations

from dataclasses import dataclass

from compliance_tool.checks.engine import Status
from compliance_tool.checks.facts import parse_date
from compliance_tool.report.sections.common import (
    Evaluated,
    FindingRow,
    Person,
    Shown,
    finding_row,
    person,
)
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Record

EXPIRY_WINDOW_DAYS = 30
"""Waivers in force that expire within this many days are listed in the summary."""


@dataclass(frozen=True, slots=True)
class WaiverRow:
    id: str
    rule: Shown
    subject: str
    justification: Shown
    requested_by: Person
    approved_by: Person
    approved_at: Shown
    expires: Shown
    days_left: int | None
    state: str
    """in force, expired or invalid (a rule about waivers fails for it)."""
    problems: tuple[str, ...]
    ticket: Shown


@dataclass(frozen=True, slots=True)
class Waivers:
    rows: tuple[WaiverRow, ...]
    expiring: tuple[WaiverRow, ...]
    """Waivers in force that expire within :data:`EXPIRY_WINDOW_DAYS` days."""
    waived: tuple[FindingRow, ...]
    """The findings that waivers waive."""


def _waiver_row(evaluated: Evaluated, waiver: Record) -> WaiverRow:
    data = waiver.data
    expires = parse_date(data.get("expires"))
    broken = [r for r in evaluated.results_of(Kind.WAIVER, waiver.id) if r.status is Status.FAIL]
    days_left = (expires - evaluated.check.as_of).days if expires else None
    state = (
        "expired"
        if days_left is not None and days_left < 0
        else ("invalid" if broken else "in force")
    )
    subject = data.get("subject") or {}
    return WaiverRow(
        id=waiver.id,
        rule=data.get("rule"),
        subject=f"{subject.get('kind')} {subject.get('id')}",
        justification=data.get("justification"),
        requested_by=person(evaluated.facts, data.get("requested_by")),
        approved_by=person(evaluated.facts, data.get("approved_by")),
        approved_at=data.get("approved_at"),
        expires=data.get("expires"),
        days_left=days_left,
        state=state,
        problems=tuple(r.message for r in broken),
        ticket=data.get("ticket"),
    )


def build_waivers(evaluated: Evaluated) -> Waivers:
    rows = tuple(_waiver_row(evaluated, w) for w in evaluated.inventory.records(Kind.WAIVER))
    return Waivers(
        rows=rows,
        expiring=tuple(
            w
            for w in rows
            if w.state == "in force"
            and w.days_left is not None
            and w.days_left <= EXPIRY_WINDOW_DAYS
        ),
        waived=tuple(finding_row(r, evaluated.rules) for r in evaluated.waived),
    )
