"""Continuity: who can keep each production model running, by organisation; the bus
factor of each; the contracts that end soon and what they would take with them; and what
breaks if the supplier with the largest share left.

It reads :func:`compliance_tool.checks.continuity.continuity`, the same answer as the
``continuity`` command, at the evaluation's date.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from compliance_tool.checks.continuity import (
    OPERATE,
    OWN_STAFF,
    ROLLBACK,
    Continuity,
    Holder,
    ModelContinuity,
    continuity,
)
from compliance_tool.checks.facts import parse_date
from compliance_tool.report import charts
from compliance_tool.report.sections.common import Evaluated, svg_data
from compliance_tool.repository.kinds import Kind

CONTRACT_WINDOW_DAYS = 90
"""Contracts ending within this many days after the report's date are listed."""

INTERNAL_COLOUR = "#1f4e79"
EXTERNAL_COLOURS = ("#e67e22", "#16a085", "#8e44ad", "#c0392b", "#7f8c8d", "#d4ac0d")
"""Suppliers in the order of their names; the organisation's own staff always first."""

CAPABILITY_WORDS = {OPERATE: "operate it", ROLLBACK: "roll it back"}


@dataclass(frozen=True, slots=True)
class BusFactorRow:
    """One production model: how many active people can operate it and roll it back."""

    id: str
    name: str
    rotation: str
    operate: int
    rollback: int
    bus_factor: int
    fragile: bool
    """A bus factor of one or less: one departure (or none) leaves it without a capability."""
    single_external: str
    """The external organisation it depends on alone for a capability; '' when none."""


@dataclass(frozen=True, slots=True)
class Consequences:
    """What breaks under one set of departures, in plain sentences."""

    breaks: tuple[str, ...]
    """Each model left without a capability, rotation, escalation step or runbook."""
    weakened: tuple[str, ...]
    """Models that keep every capability but would depend on one person for one."""


@dataclass(frozen=True, slots=True)
class ContractRow:
    """An external person whose contract ends in the window, and what they take along."""

    person: Holder
    ends: str
    days_left: int
    consequences: Consequences


@dataclass(frozen=True, slots=True)
class SupplierWhatIf:
    organisation: str
    people: tuple[Holder, ...]
    """Its active people who can operate, roll back or are paged for a production model."""
    models: int
    """How many production models at least one of them can act for."""
    consequences: Consequences


@dataclass(frozen=True, slots=True)
class ContinuitySection:
    as_of: str
    window_end: str
    window_days: int
    organisations: tuple[str, ...]
    """Every organisation of the chart, the organisation's own staff first, in colour order."""
    chart: str
    """Active people able to operate or roll back each production model, by organisation."""
    rows: tuple[BusFactorRow, ...]
    fragile: tuple[str, ...]
    """Names of the models with a bus factor of one or less."""
    contracts: tuple[ContractRow, ...]
    supplier: SupplierWhatIf | None
    """None when no external organisation acts for any production model."""


def build_continuity(evaluated: Evaluated) -> ContinuitySection:
    as_of = evaluated.check.as_of
    base = continuity(evaluated.inventory, as_of)
    internal = _internal_organisations(base.models)
    organisations = _organisations(base.models, internal)
    end = as_of + dt.timedelta(days=CONTRACT_WINDOW_DAYS)
    return ContinuitySection(
        as_of=as_of.isoformat(),
        window_end=end.isoformat(),
        window_days=CONTRACT_WINDOW_DAYS,
        organisations=organisations,
        chart=svg_data(_chart(base.models, organisations, internal)),
        rows=tuple(_row(m) for m in base.models),
        fragile=tuple(m.name for m in base.models if m.bus_factor <= 1),
        contracts=_contracts(evaluated, base, end),
        supplier=_supplier(evaluated, base),
    )


def _row(model: ModelContinuity) -> BusFactorRow:
    return BusFactorRow(
        id=model.id,
        name=model.name,
        rotation=model.rotation or "none",
        operate=sum(h.active for h in model.operators),
        rollback=sum(h.active for h in model.rollback),
        bus_factor=model.bus_factor,
        fragile=model.bus_factor <= 1,
        single_external=model.single_external_organisation or "",
    )


def _internal_organisations(models: tuple[ModelContinuity, ...]) -> set[str]:
    return {
        h.organisation or OWN_STAFF
        for m in models
        for h in (*m.operators, *m.rollback, *m.paged)
        if not h.external
    }


def _organisations(models: tuple[ModelContinuity, ...], internal: set[str]) -> tuple[str, ...]:
    """The organisations of the people who can act, own staff first, then by name."""
    found = {
        h.organisation or OWN_STAFF for m in models for h in (*m.operators, *m.rollback) if h.active
    }
    return tuple(sorted(found, key=lambda o: (o not in internal, o.lower(), o)))


def _colours(organisations: tuple[str, ...], internal: set[str]) -> dict[str, str]:
    external = [o for o in organisations if o not in internal]
    colours = {o: INTERNAL_COLOUR for o in organisations if o in internal}
    for index, name in enumerate(external):
        colours[name] = EXTERNAL_COLOURS[index % len(EXTERNAL_COLOURS)]
    return colours


def _chart(
    models: tuple[ModelContinuity, ...], organisations: tuple[str, ...], internal: set[str]
) -> str:
    able = [
        {h.id: h.organisation or OWN_STAFF for h in (*m.operators, *m.rollback) if h.active}
        for m in models
    ]
    series = {o: [list(people.values()).count(o) for people in able] for o in organisations}
    return charts.horizontal_stacked(
        "Active people who can operate or roll back each production model",
        [m.name for m in models],
        series,
        _colours(organisations, internal),
        "people",
    )


def consequences(result: Continuity, before: Continuity) -> Consequences:
    """What breaks in ``result`` (a scenario), told in sentences; ``before`` is the same
    portfolio without the departures, for the models whose bus factor falls to one."""
    names = {m.id: m.name for m in result.models}
    breaks = [
        f"{m.name} would have no active person to {_and(CAPABILITY_WORDS[c] for c in m.loses)}."
        for m in result.models
        if m.loses
    ]
    for r in result.rotations:
        left = ", ".join(r.active_members) or "nobody"
        breaks.append(
            f"Rotation {r.id} would have {_and(r.reasons)} (active members left: {left})."
        )
    for e in result.escalations:
        breaks.append(f"Level {e.level} of the escalation of {e.rotation} would page {e.to}, gone.")
    for b in result.runbooks:
        models = _and(names.get(m, m) for m in b.models)
        breaks.append(
            f"Runbook {b.path} ({models}) would have no author left who wrote it "
            f"({', '.join(b.authors)})."
        )
    was = {m.id: m.bus_factor for m in before.models}
    weakened = tuple(
        f"{m.name} would be one departure from losing operation or rollback "
        f"(bus factor {was.get(m.id, 0)} → 1)."
        for m in result.models
        if not m.loses and m.bus_factor == 1 and was.get(m.id, 0) > 1
    )
    return Consequences(tuple(breaks), weakened)


def _and(items: Iterable[str]) -> str:
    words = list(items)
    return "".join(words) if len(words) < 2 else ", ".join(words[:-1]) + " and " + words[-1]


def _contracts(evaluated: Evaluated, base: Continuity, end: dt.date) -> tuple[ContractRow, ...]:
    as_of = evaluated.check.as_of
    ending = []
    for record in evaluated.inventory.records(Kind.PERSON):
        affiliation = record.data.get("affiliation") or {}
        day = parse_date(affiliation.get("contract_end"))
        if affiliation.get("type") != "external" or day is None or not as_of < day <= end:
            continue
        if str(record.data.get("status", "active")) != "active":
            continue
        ending.append((day, record.id))
    rows = []
    for day, person_id in sorted(ending):
        result = continuity(evaluated.inventory, as_of, without=(person_id,))
        rows.append(
            ContractRow(
                _holder(evaluated, base, person_id),
                day.isoformat(),
                (day - as_of).days,
                consequences(result, base),
            )
        )
    return tuple(rows)


def _holder(evaluated: Evaluated, base: Continuity, person_id: str) -> Holder:
    """The person as the report's date sees them (active, before any departure)."""
    for m in base.models:
        for h in (*m.operators, *m.rollback, *m.paged):
            if h.id == person_id:
                return h
    record = evaluated.inventory.record(Kind.PERSON, person_id)
    organisation = str(
        ((record.data.get("affiliation") or {}) if record else {}).get("organisation") or ""
    )
    return Holder(person_id, record.name if record else person_id, organisation, True, True)


def largest_supplier(models: tuple[ModelContinuity, ...]) -> str | None:
    """The external organisation with the most active people among those who can operate,
    roll back or are paged for a production model; ties go to the first by name."""
    people: dict[str, set[str]] = {}
    for m in models:
        for h in (*m.operators, *m.rollback, *m.paged):
            if h.external and h.active and h.organisation:
                people.setdefault(h.organisation, set()).add(h.id)
    if not people:
        return None
    return min(people, key=lambda o: (-len(people[o]), o))


def _supplier(evaluated: Evaluated, base: Continuity) -> SupplierWhatIf | None:
    name = largest_supplier(base.models)
    if name is None:
        return None
    holders: dict[str, Holder] = {}
    acting = 0
    for m in base.models:
        theirs = [
            h
            for h in (*m.operators, *m.rollback, *m.paged)
            if h.external and h.active and h.organisation == name
        ]
        acting += bool(theirs)
        holders.update((h.id, h) for h in theirs)
    result = continuity(evaluated.inventory, evaluated.check.as_of, without=(name,))
    return SupplierWhatIf(
        organisation=name,
        people=tuple(holders[p] for p in sorted(holders)),
        models=acting,
        consequences=consequences(result, base),
    )
