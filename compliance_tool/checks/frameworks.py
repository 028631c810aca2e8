"""Frameworks as the tool reads them: provenance, dates and the dates rules apply from.

A Framework file carries its source, legal force and ``verified_on``, its amendments, its
dates (each with an id, a source and whether it is law or only proposed) and its clauses
(``provisional`` where they could not be checked). A Rule or Control may say
``applies_from:`` a date or ``{framework: ID, date: DATE-ID}``; before that date a failure
of the rule is *upcoming*, not a failure. A date that is only proposed never makes a rule
mandatory: its failures stay upcoming until the date is recorded as law.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from compliance_tool.checks.facts import parse_date
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Inventory, Record

HISTORICAL = ("superseded", "rescinded")
"""Framework statuses shown as history: not graded as a current obligation."""


@dataclass(frozen=True, slots=True)
class Source:
    url: str
    reference: str
    note: str


@dataclass(frozen=True, slots=True)
class FrameworkDate:
    """One dated event of a framework, with where it is stated."""

    id: str
    event: str
    date: dt.date
    legal_status: str
    scope: str
    set_by: str
    classes: tuple[str, ...] | None
    """EU AI Act classes the date concerns; None: every model; empty: none."""
    source: Source
    verified_on: str

    @property
    def is_law(self) -> bool:
        return self.legal_status != "proposal"

    def concerns(self, classes: Iterable[str]) -> bool:
        """Whether the date matters to a portfolio whose models have ``classes``."""
        return self.classes is None or bool(set(self.classes) & set(classes))


@dataclass(frozen=True, slots=True)
class Amendment:
    id: str
    title: str
    legal_status: str
    adopted: str
    published: str
    in_force: str
    summary: str
    source: Source
    verified_on: str


@dataclass(frozen=True, slots=True)
class FrameworkInfo:
    """A framework's provenance as readers see it."""

    id: str
    title: str
    short_title: str
    version: str
    status: str
    legal_status: str
    issuer: str
    source: Source
    verified_on: str
    caveat: str
    superseded_by: str
    rescinded_on: str
    amendments: tuple[Amendment, ...]
    dates: tuple[FrameworkDate, ...]
    provisional: frozenset[str]
    """Ids of clauses flagged provisional."""

    @property
    def historical(self) -> bool:
        """Superseded or rescinded: shown as history, not graded."""
        return self.status in HISTORICAL

    def date(self, date_id: str) -> FrameworkDate | None:
        return next((d for d in self.dates if d.id == date_id), None)

    def next_date(self, as_of: dt.date, classes: Iterable[str]) -> FrameworkDate | None:
        """The first date after ``as_of`` that is law and concerns the portfolio."""
        wanted = tuple(classes)
        ahead = [d for d in self.dates if d.date > as_of and d.is_law and d.concerns(wanted)]
        return min(ahead, key=lambda d: (d.date, d.id)) if ahead else None


def _text(data: Mapping[str, Any], key: str) -> str:
    value = data.get(key)
    return "" if value is None else str(value)


def _source(data: Any) -> Source:
    data = data if isinstance(data, dict) else {}
    return Source(
        _text(data, "url"), _text(data, "reference"), " ".join(_text(data, "note").split())
    )


def _date(data: Mapping[str, Any]) -> FrameworkDate | None:
    day = parse_date(data.get("date"))
    if day is None:
        return None
    classes = data.get("classes")
    return FrameworkDate(
        _text(data, "id"),
        _text(data, "event"),
        day,
        _text(data, "legal_status") or "law",
        " ".join(_text(data, "scope").split()),
        _text(data, "set_by"),
        tuple(str(c) for c in classes) if isinstance(classes, list) else None,
        _source(data.get("source")),
        _text(data, "verified_on"),
    )


def framework_info(record: Record) -> FrameworkInfo:
    """The provenance of one Framework record (a valid file; missing values read empty)."""
    data = record.data
    dates = [_date(d) for d in data.get("dates") or () if isinstance(d, dict)]
    amendments = tuple(
        Amendment(
            _text(a, "id"),
            _text(a, "title"),
            _text(a, "legal_status"),
            _text(a, "adopted"),
            _text(a, "published"),
            _text(a, "in_force"),
            " ".join(_text(a, "summary").split()),
            _source(a.get("source")),
            _text(a, "verified_on"),
        )
        for a in data.get("amendments") or ()
        if isinstance(a, dict)
    )
    provisional = frozenset(
        str(c.get("id"))
        for c in data.get("clauses") or ()
        if isinstance(c, dict) and c.get("provisional") is True
    )
    return FrameworkInfo(
        id=record.id,
        title=_text(data, "title") or record.id,
        short_title=_text(data, "short_title") or record.id,
        version=_text(data, "version"),
        status=_text(data, "status"),
        legal_status=_text(data, "legal_status"),
        issuer=_text(data, "issuer"),
        source=_source(data.get("source")),
        verified_on=_text(data, "verified_on"),
        caveat=" ".join(_text(data, "caveat").split()),
        superseded_by=_text(data, "superseded_by"),
        rescinded_on=_text(data, "rescinded_on"),
        amendments=amendments,
        dates=tuple(sorted((d for d in dates if d is not None), key=lambda d: (d.date, d.id))),
        provisional=provisional,
    )


def frameworks(inventory: Inventory) -> dict[str, FrameworkInfo]:
    """Every framework of the inventory by id."""
    return {r.id: framework_info(r) for r in inventory.records(Kind.FRAMEWORK)}


def portfolio_classes(inventory: Inventory) -> tuple[str, ...]:
    """The EU AI Act classes of the models not retired, sorted."""
    found = set()
    for model in inventory.records(Kind.MODEL):
        if model.data.get("lifecycle") == "retired":
            continue
        risk = model.data.get("risk")
        eu = risk.get("eu_ai_act") if isinstance(risk, dict) else None
        if isinstance(eu, dict) and eu.get("class"):
            found.add(str(eu["class"]))
    return tuple(sorted(found))


@dataclass(frozen=True, slots=True)
class AppliesFrom:
    """The date from which a rule or control is enforced, and where it comes from."""

    date: dt.date
    framework: str | None = None
    date_id: str | None = None
    event: str = ""
    legal_status: str = "law"

    @property
    def reference(self) -> str:
        """``eu-ai-act-2024-1689#annex-iii-high-risk``, or the date itself."""
        if self.framework is None:
            return self.date.isoformat()
        return f"{self.framework}#{self.date_id}"

    def in_force(self, as_of: dt.date) -> bool:
        """Whether a failure on ``as_of`` is an ordinary failure."""
        return self.legal_status != "proposal" and as_of >= self.date

    @property
    def what(self) -> str:
        """What the date is: ``eu-ai-act-2024-1689#annex-iii-high-risk: High-risk obligations
        apply to Annex III systems`` (a proposed date says it is not law), or empty for a
        date written in the rule or control file itself."""
        if self.framework is None:
            return ""
        what = f"{self.reference}: {self.event}" if self.event else self.reference
        return f"{what}; proposed, not yet law" if self.legal_status == "proposal" else what

    def describe(self) -> str:
        """The date and what it is, for people: ``from 2027-12-02 (eu-ai-act-2024-1689#
        annex-iii-high-risk: High-risk obligations apply to Annex III systems)``, ``from
        2027-01-15`` for a date written in the file; ``from ... if adopted (...)`` for a
        proposed date, which never makes a rule mandatory."""
        day = self.date.isoformat()
        if not self.what:
            return f"from {day}"
        if self.legal_status == "proposal":
            return f"from {day} if adopted ({self.what})"
        return f"from {day} ({self.what})"

    def as_dict(self) -> dict[str, str | None]:
        return {
            "date": self.date.isoformat(),
            "reference": self.reference,
            "framework": self.framework,
            "date_id": self.date_id,
            "event": self.event or None,
            "legal_status": self.legal_status,
        }


def resolve_applies_from(
    value: Any, known: Mapping[str, FrameworkInfo]
) -> tuple[AppliesFrom | None, tuple[str, ...], str, str]:
    """An ``applies_from`` value as a date: ``(result, path, problem, hint)``, where a
    problem (with the path of the offending value) means the result is None."""
    if value is None:
        return None, (), "", ""
    day = parse_date(value)
    if day is not None and not isinstance(value, dict):
        return AppliesFrom(day), (), "", ""
    if not isinstance(value, dict):
        return (
            None,
            (),
            f"'{value}' is neither a date nor a framework date",
            ("write a date YYYY-MM-DD or {framework: ID, date: DATE-ID}"),
        )
    framework_id = str(value.get("framework"))
    info = known.get(framework_id)
    if info is None:
        return (
            None,
            ("framework",),
            f"unknown framework '{framework_id}'",
            ("name a framework of policies/frameworks/"),
        )
    date_id = str(value.get("date"))
    found = info.date(date_id)
    if found is None:
        ids = ", ".join(d.id for d in info.dates if d.id) or "none"
        return (
            None,
            ("date",),
            f"framework '{framework_id}' has no date '{date_id}'",
            (f"use one of: {ids}"),
        )
    return (
        AppliesFrom(found.date, framework_id, date_id, found.event, found.legal_status),
        (),
        "",
        "",
    )


def effective_applies_from(
    own: AppliesFrom | None, controls: Iterable[AppliesFrom | None]
) -> AppliesFrom | None:
    """A rule's own date, else the earliest of its controls' when every control has one
    (a rule that verifies a control in force is in force)."""
    if own is not None:
        return own
    dates = list(controls)
    if not dates or any(d is None for d in dates):
        return None
    return min((d for d in dates if d is not None), key=lambda d: (d.date, d.reference))


@dataclass(frozen=True, slots=True)
class RuleDate:
    """From when one rule file is enforced, as ``rules list`` and ``rules explain`` show it."""

    applies_from: AppliesFrom | None
    origin: str
    """Where the date is written: ``the rule`` or ``control RISK-02``; empty without one."""
    problem: str = ""
    """Why an ``applies_from`` of the rule or of one of its controls names nothing."""


def rule_date(
    inventory: Inventory, rule: Record, known: Mapping[str, FrameworkInfo] | None = None
) -> RuleDate:
    """The date a rule is enforced from, as the engine decides it (the rule's own
    ``applies_from``, else its controls' when every control has one), and where it is
    written."""
    known = frameworks(inventory) if known is None else known
    own, _, message, hint = resolve_applies_from(rule.data.get("applies_from"), known)
    if message:
        return RuleDate(None, "the rule", f"{message} ({hint})")
    if own is not None:
        return RuleDate(own, "the rule")
    controls = [str(c) for c in rule.data.get("controls") or ()]
    dates: dict[str, AppliesFrom | None] = {}
    for control_id in controls:
        control = inventory.record(Kind.CONTROL, control_id)
        value = control.data.get("applies_from") if control is not None else None
        dates[control_id], _, message, hint = resolve_applies_from(value, known)
        if message:
            return RuleDate(None, f"control {control_id}", f"{message} ({hint})")
    found = effective_applies_from(None, dates.values())
    if found is None:
        return RuleDate(None, "")
    return RuleDate(found, "control " + next(c for c in controls if dates[c] == found))
