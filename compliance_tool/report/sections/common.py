"""What several sections share: the evaluation they are built from, people as the report
names them, findings as paragraphs, charts as data URLs, and how long listings are cut."""

from __future__ import annotations

import base64
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol, TypeAlias, TypeVar

from compliance_tool.checks.engine import CheckResult, CompiledRule, Result, Status
from compliance_tool.checks.facts import Facts
from compliance_tool.repository.kinds import Kind, Lifecycle
from compliance_tool.repository.loader import Inventory, Record

Shown: TypeAlias = object
"""A value as written in a YAML file, shown as it is (its schema says what it should be)."""

LISTING_LIMIT = 150
"""Longer listings keep only the rows that need attention (the full data is attached)."""


@dataclass(frozen=True, slots=True)
class Evaluated:
    """One evaluation as the section builders read it: the inventory, its facts and the
    results, indexed by subject, with the unwaived and the waived findings apart."""

    inventory: Inventory
    check: CheckResult
    facts: Facts
    rules: dict[str, CompiledRule]
    models: tuple[Record, ...]
    production: tuple[Record, ...]
    by_subject: dict[tuple[str, str], tuple[Result, ...]]
    failing: tuple[Result, ...]
    waived: tuple[Result, ...]

    @classmethod
    def of(cls, inventory: Inventory, check: CheckResult) -> Evaluated:
        by_subject: dict[tuple[str, str], list[Result]] = {}
        for result in check.results:
            by_subject.setdefault((result.kind.value, result.subject), []).append(result)
        models = tuple(inventory.records(Kind.MODEL))
        production = Lifecycle.PRODUCTION.value
        return cls(
            inventory=inventory,
            check=check,
            facts=Facts(inventory, check.as_of),
            rules={r.id: r for r in check.rules},
            models=models,
            production=tuple(m for m in models if m.data.get("lifecycle") == production),
            by_subject={key: tuple(results) for key, results in by_subject.items()},
            failing=tuple(r for r in check.findings if r.status is Status.FAIL),
            waived=tuple(r for r in check.findings if r.status is Status.WAIVED),
        )

    def results_of(self, kind: Kind, subject: str) -> tuple[Result, ...]:
        """Every result (passing ones too) of one record."""
        return self.by_subject.get((kind.value, subject), ())


@dataclass(frozen=True, slots=True)
class Person:
    """A person as the report names them: staff or external, active or not."""

    id: str
    name: str
    external: bool
    organisation: str
    active: bool


def person(facts: Facts, person_id: Shown) -> Person:
    """The person a reference names; an unknown id is shown as itself, a missing one as —."""
    pid = str(person_id) if person_id is not None else ""
    record = facts.inventory.record(Kind.PERSON, pid) if pid else None
    people = facts.people.get(pid)
    affiliation = (record.data.get("affiliation") or {}) if record else {}
    return Person(
        id=pid,
        name=record.name if record else pid or "—",
        external=bool(people and people.external),
        organisation=str(affiliation.get("organisation", "")),
        active=bool(people and people.active),
    )


@dataclass(frozen=True, slots=True)
class FindingRow:
    """One failing or waived result as a paragraph: what, where, and how to fix it."""

    rule: str
    title: str
    severity: str
    status: str
    kind: str
    subject: str
    where: str
    message: str
    details: tuple[str, ...]
    remediation: str
    waiver: str | None
    waiver_expires: str | None
    upcoming_from: str | None = None
    """For an upcoming result: the date from which it is a finding, and why then."""


def finding_row(result: Result, rules: dict[str, CompiledRule]) -> FindingRow:
    rule = rules.get(result.rule)
    return FindingRow(
        rule=result.rule,
        title=rule.title if rule else result.rule,
        severity=result.severity.label,
        status=result.status.value,
        kind=result.kind.value,
        subject=result.subject,
        where=f"{result.path}:{result.line}",
        message=result.message,
        details=tuple(f"{d.field}: {d.message}" for d in result.details),
        remediation=rule.remediation if rule else "",
        waiver=result.waiver,
        waiver_expires=result.waiver_expires,
        upcoming_from=_upcoming_from(result),
    )


def _upcoming_from(result: Result) -> str | None:
    """``2027-12-02 (High-risk obligations apply to Annex III systems)`` for an upcoming
    result, None for any other."""
    applies = result.applies_from
    if result.status is not Status.UPCOMING or applies is None:
        return None
    event = f" ({applies.event})" if applies.event else ""
    return f"{applies.date.isoformat()}{event}"


def svg_data(svg: str) -> str:
    """An SVG chart as a ``data:`` URL, the only kind the renderer fetches."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode("utf-8")).decode("ascii")


def capped(items: Sequence[str], limit: int) -> tuple[str, ...]:
    """At most ``limit`` items, and a last one saying how many more there are."""
    if len(items) <= limit:
        return tuple(items)
    return (*items[:limit], f"and {len(items) - limit} more")


class Failing(Protocol):
    @property
    def failing(self) -> int: ...


RowT = TypeVar("RowT", bound=Failing)


def attention_rows(
    rows: Sequence[RowT], limit: int, attention: Callable[[RowT], object]
) -> tuple[RowT, ...]:
    """All rows while they fit; else those needing attention, the most failing first, at
    most ``limit`` of them, in their original order."""
    if len(rows) <= limit:
        return tuple(rows)
    chosen = [row for row in rows if attention(row)]
    if len(chosen) > limit:
        keep = {id(r) for r in sorted(chosen, key=lambda r: -r.failing)[:limit]}
        chosen = [row for row in chosen if id(row) in keep]
    return tuple(chosen)
