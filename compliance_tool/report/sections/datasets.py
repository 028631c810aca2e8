"""Datasets and personal data: which datasets hold personal data or derive from one that
does, where they come from, which models use them, and whether they have a DPIA."""

from __future__ import annotations

from dataclasses import dataclass

from compliance_tool.checks.engine import Status
from compliance_tool.report.sections.common import LISTING_LIMIT, Evaluated, Shown, attention_rows
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Record


@dataclass(frozen=True, slots=True)
class DatasetRow:
    id: str
    name: str
    level: Shown
    personal: str
    """"own", "inherited" (from an ancestor) or "" (none)."""
    via: str
    """The first ancestors it inherits personal data from."""
    parents: str
    models: str
    dpia: Shown
    failing: int


@dataclass(frozen=True, slots=True)
class DatasetSection:
    rows: tuple[DatasetRow, ...]
    """Every dataset while they fit in :data:`LISTING_LIMIT` rows; else those with
    findings or with personal data but no DPIA."""
    listed_all: bool
    count: int
    personal_count: int


def _dataset_row(evaluated: Evaluated, dataset: Record) -> DatasetRow:
    facts = evaluated.facts
    own = facts.has_pii(dataset.id)
    inherited = [a for a in facts.ancestors(dataset.id) if facts.has_pii(a)] if not own else []
    legal = dataset.data.get("legal") or {}
    return DatasetRow(
        id=dataset.id,
        name=dataset.name,
        level=(dataset.data.get("classification") or {}).get("level"),
        personal="own" if own else ("inherited" if inherited else ""),
        via=", ".join(inherited[:3]) + ("…" if len(inherited) > 3 else ""),
        parents=", ".join(str(p) for p in dataset.data.get("parents") or []),
        models=", ".join(facts.models_of_dataset.get(dataset.id, [])),
        dpia=legal.get("dpia", ""),
        failing=sum(
            r.status is Status.FAIL for r in evaluated.results_of(Kind.DATASET, dataset.id)
        ),
    )


def _needs_attention(row: DatasetRow) -> bool:
    return bool(row.failing or (row.personal and not row.dpia))


def build_datasets(evaluated: Evaluated) -> DatasetSection:
    rows = [_dataset_row(evaluated, d) for d in evaluated.inventory.records(Kind.DATASET)]
    return DatasetSection(
        rows=attention_rows(rows, LISTING_LIMIT, _needs_attention),
        listed_all=len(rows) <= LISTING_LIMIT,
        count=len(rows),
        personal_count=sum(1 for d in rows if d.personal),
    )
