"""What becomes mandatory, and when: the gaps that are not findings yet because the rule
that finds them is not in force on the evaluation date, and the legal dates ahead that
concern the portfolio, each with its source as the framework files record it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from compliance_tool.checks.engine import Result
from compliance_tool.checks.frameworks import (
    FrameworkDate,
    FrameworkInfo,
    frameworks,
    portfolio_classes,
)
from compliance_tool.report.sections.common import Evaluated


@dataclass(frozen=True, slots=True)
class UpcomingGap:
    """A failure of a rule not yet in force: a finding from ``date`` on."""

    date: str
    days_left: int
    rule: str
    title: str
    severity: str
    kind: str
    subject: str
    message: str
    event: str
    """What happens on the date, from the framework file ('' for a plain date)."""
    framework: str
    """The framework's short title ('' for a plain date)."""
    reference: str
    """framework#date-id, or the date itself."""
    proposed: bool
    """Only proposed: the rule stays upcoming until the date is law."""
    source_reference: str
    source_url: str
    remediation: str


@dataclass(frozen=True, slots=True)
class DateAhead:
    """A date of a current framework after the evaluation date that concerns the portfolio."""

    date: str
    days_left: int
    framework: str
    event: str
    scope: str
    legal_status: str
    set_by: str
    concerns: str
    """The classes of the portfolio's models it concerns, or 'every model'."""
    source_reference: str
    source_url: str
    source_note: str
    verified_on: str


@dataclass(frozen=True, slots=True)
class UpcomingSection:
    as_of: str
    classes: str
    """The EU AI Act classes of the portfolio's models (not retired), e.g. high-risk, …"""
    gaps: tuple[UpcomingGap, ...]
    dates: tuple[DateAhead, ...]


def _gap(evaluated: Evaluated, result: Result, known: dict[str, FrameworkInfo]) -> UpcomingGap:
    applies = result.applies_from
    assert applies is not None  # every upcoming result has one (engine.mark_upcoming)
    info = known.get(applies.framework or "")
    date = info.date(applies.date_id or "") if info else None
    rule = evaluated.rules.get(result.rule)
    return UpcomingGap(
        date=applies.date.isoformat(),
        days_left=(applies.date - evaluated.check.as_of).days,
        rule=result.rule,
        title=rule.title if rule else result.rule,
        severity=result.severity.label,
        kind=result.kind.value,
        subject=result.subject,
        message=result.message,
        event=applies.event,
        framework=info.short_title if info else "",
        reference=applies.reference,
        proposed=applies.legal_status == "proposal",
        source_reference=date.source.reference if date else "",
        source_url=date.source.url if date else "",
        remediation=rule.remediation if rule else "",
    )


def _ahead(
    info: FrameworkInfo, date: FrameworkDate, as_of: dt.date, classes: tuple[str, ...]
) -> DateAhead:
    concerned = sorted(set(date.classes) & set(classes)) if date.classes is not None else []
    return DateAhead(
        date=date.date.isoformat(),
        days_left=(date.date - as_of).days,
        framework=info.short_title,
        event=date.event,
        scope=date.scope,
        legal_status=date.legal_status,
        set_by=date.set_by,
        concerns=", ".join(concerned) if date.classes is not None else "every model",
        source_reference=date.source.reference,
        source_url=date.source.url,
        source_note=date.source.note,
        verified_on=date.verified_on,
    )


def build_upcoming(evaluated: Evaluated) -> UpcomingSection:
    """The upcoming results, soonest first, and every date after the evaluation date of a
    current framework that concerns the classes of the portfolio's models (proposed dates
    included, marked so)."""
    inventory, as_of = evaluated.inventory, evaluated.check.as_of
    known = frameworks(inventory)
    classes = portfolio_classes(inventory)
    gaps = tuple(_gap(evaluated, r, known) for r in evaluated.check.upcoming)
    dates = sorted(
        (
            (date, info)
            for info in known.values()
            if not info.historical
            for date in info.dates
            if date.date > as_of and date.concerns(classes)
        ),
        key=lambda pair: (pair[0].date, pair[1].id, pair[0].id),
    )
    return UpcomingSection(
        as_of=as_of.isoformat(),
        classes=", ".join(classes) or "none recorded",
        gaps=gaps,
        dates=tuple(_ahead(info, date, as_of, classes) for date, info in dates),
    )
