"""The model inventory: one row per model, and which production models get a section of
their own (all of them, or those that most need attention when there are many)."""

from __future__ import annotations

from dataclasses import dataclass

from compliance_tool.checks.engine import Result, Status
from compliance_tool.report.sections.common import (
    LISTING_LIMIT,
    Evaluated,
    Person,
    Shown,
    attention_rows,
    person,
)
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Record

DEFAULT_DETAIL_LIMIT = 25
"""At most this many production models get a section of their own, unless configured."""


@dataclass(frozen=True, slots=True)
class ModelRow:
    id: str
    name: str
    version: Shown
    lifecycle: Shown
    tier: Shown
    eu_class: Shown
    operator: Person
    failing: int
    waived: int


@dataclass(frozen=True, slots=True)
class ModelRef:
    id: str
    name: str


@dataclass(frozen=True, slots=True)
class ModelInventory:
    rows: tuple[ModelRow, ...]
    """Every model while they fit in :data:`LISTING_LIMIT` rows; else those needing
    attention (findings, waivers, high-risk production)."""
    listed_all: bool
    count: int
    summarised: tuple[ModelRef, ...]
    """Production models without a section of their own."""


def _model_row(evaluated: Evaluated, model: Record) -> ModelRow:
    mine = evaluated.results_of(Kind.MODEL, model.id)
    risk = model.data.get("risk") or {}
    return ModelRow(
        id=model.id,
        name=model.name,
        version=model.data.get("version"),
        lifecycle=model.data.get("lifecycle"),
        tier=risk.get("tier"),
        eu_class=(risk.get("eu_ai_act") or {}).get("class", "—"),
        operator=person(evaluated.facts, (model.data.get("ownership") or {}).get("operator")),
        failing=sum(r.status is Status.FAIL for r in mine),
        waived=sum(r.status is Status.WAIVED for r in mine),
    )


def _needs_attention(row: ModelRow) -> bool:
    return bool(row.failing or row.waived or (row.lifecycle == "production" and row.tier == "high"))


def build_model_inventory(evaluated: Evaluated, detailed: tuple[Record, ...]) -> ModelInventory:
    rows = [_model_row(evaluated, model) for model in evaluated.models]
    return ModelInventory(
        rows=attention_rows(rows, LISTING_LIMIT, _needs_attention),
        listed_all=len(rows) <= LISTING_LIMIT,
        count=len(rows),
        summarised=tuple(
            ModelRef(id=m.id, name=m.name) for m in evaluated.production if m not in detailed
        ),
    )


def _weight(results: tuple[Result, ...]) -> int:
    """How much a subject's failures weigh: severity counts tenfold per level."""
    return sum(10 ** int(r.severity) for r in results if r.status is Status.FAIL)


def detailed_models(evaluated: Evaluated, limit: int) -> tuple[Record, ...]:
    """The production models that get a section: all while at most ``limit``; else the
    high-risk ones and those with findings, severe findings first, in id order."""
    production = evaluated.production
    if len(production) <= limit:
        return production

    def results(model: Record) -> tuple[Result, ...]:
        return evaluated.results_of(Kind.MODEL, model.id)

    def needs_attention(model: Record) -> bool:
        tier = (model.data.get("risk") or {}).get("tier")
        return tier == "high" or any(r.status is not Status.PASS for r in results(model))

    ranked = sorted(
        (m for m in production if needs_attention(m)),
        key=lambda m: (-_weight(results(m)), m.id),
    )
    return tuple(sorted(ranked[:limit], key=lambda m: m.id))
