"""Semantic differences between two snapshots of the governance repository.

Entities are matched by kind and id, not by path: a file moved to a new path with the same
id is a rename. Changes are reported field by field with old and new values, and the rule
results of both snapshots are compared (newly failing, newly passing, newly waived).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from compliance_tool.checks.engine import CheckResult, Status
from compliance_tool.repository.kinds import Kind, dotted
from compliance_tool.repository.loader import Inventory, Record

MISSING = object()


@dataclass(frozen=True, slots=True)
class FieldChange:
    """One field that differs: ``path`` with its old and new value (None when absent)."""

    path: str
    old: Any
    new: Any
    added: bool = False
    removed: bool = False


@dataclass(frozen=True, slots=True)
class ObservedChange:
    """One change of what a source showed between two snapshots of it, in its own terms
    (:mod:`compliance_tool.audit.observed`): ``change`` names what happened (e.g.
    ``alias-moved``), ``entry`` the snapshot entry by its key, ``model`` the model it
    concerns, ``text`` the sentence; ``old`` and ``new`` are the values that changed."""

    change: str
    entry: str
    model: str
    text: str
    old: Any = None
    new: Any = None


@dataclass(frozen=True, slots=True)
class EntityChange:
    """What happened to one entity between the snapshots."""

    kind: Kind
    id: str
    change: str
    """added, removed, renamed or modified."""
    path: str
    old_path: str | None = None
    fields: tuple[FieldChange, ...] = ()
    name: str = ""
    observed: tuple[ObservedChange, ...] = ()
    """For a snapshot (an Observation record): its entries' changes, which ``fields``
    then leaves out."""


@dataclass(frozen=True, slots=True)
class ResultChange:
    rule: str
    kind: str
    subject: str
    old: str
    """pass, fail, waived, or 'not applicable'."""
    new: str
    severity: str
    path: str
    line: int

    @property
    def label(self) -> str:
        if self.new == "fail":
            return "newly failing"
        if self.new == "waived":
            return "newly waived"
        if self.old in ("fail", "waived") and self.new in ("pass", "not applicable"):
            return "resolved" if self.new == "pass" else "no longer applies"
        return f"{self.old} -> {self.new}"


@dataclass(frozen=True, slots=True)
class SemanticDiff:
    base: str
    head: str
    entities: tuple[EntityChange, ...]
    results: tuple[ResultChange, ...] = field(default=())
    rules_compared: bool = False

    @property
    def empty(self) -> bool:
        return not self.entities and not self.results


def field_changes(old: Any, new: Any, path: tuple[str | int, ...] = ()) -> list[FieldChange]:
    """Field-level differences of two values; dicts recurse, lists of mappings recurse by
    position when their lengths agree, other lists compare as wholes."""
    if isinstance(old, dict) and isinstance(new, dict):
        found: list[FieldChange] = []
        for key in list(old) + [k for k in new if k not in old]:
            if key not in new:
                found.append(FieldChange(dotted((*path, key)), old[key], None, removed=True))
            elif key not in old:
                found.append(FieldChange(dotted((*path, key)), None, new[key], added=True))
            else:
                found.extend(field_changes(old[key], new[key], (*path, key)))
        return found
    if (
        isinstance(old, list)
        and isinstance(new, list)
        and len(old) == len(new)
        and all(isinstance(v, dict) for v in old + new)
    ):
        return [
            c
            for i, (a, b) in enumerate(zip(old, new, strict=True))
            for c in field_changes(a, b, (*path, i))
        ]
    if old == new and type(old) is type(new):
        return []
    return [FieldChange(dotted(path), old, new)]


def _records(inventory: Inventory, paths: set[str] | None) -> dict[tuple[Kind, str], Record]:
    found: dict[tuple[Kind, str], Record] = {}
    wanted = (
        inventory.yaml_paths()
        if paths is None
        else sorted(p for p in paths if p in inventory.entries)
    )
    for item in inventory.load_all(wanted):
        if item.record is not None:
            found[(item.record.kind, item.record.id)] = item.record
    return found


def diff_inventories(
    base: Inventory, head: Inventory, changed_paths: set[str] | None = None
) -> list[EntityChange]:
    """Entity changes between two snapshots. With ``changed_paths`` (from git), only
    those files are parsed; renames are found among them. A snapshot's entries are
    compared in domain terms (:mod:`compliance_tool.audit.observed`), dated by the newer
    snapshot's ``observed_at``."""
    from compliance_tool.audit.observed import record_changes

    old = _records(base, changed_paths)
    new = _records(head, changed_paths)
    changes: list[EntityChange] = []
    for key in sorted(set(old) | set(new), key=lambda k: (k[0].value, k[1])):
        before, after = old.get(key), new.get(key)
        kind, record_id = key
        if before is None and after is not None:
            if changed_paths is not None and base.has(kind, record_id):
                before = base.record(kind, record_id)
            if before is None:
                changes.append(EntityChange(kind, record_id, "added", after.path, name=after.name))
                continue
        if after is None and before is not None:
            if changed_paths is not None and head.has(kind, record_id):
                after = head.record(kind, record_id)
            if after is None:
                changes.append(
                    EntityChange(kind, record_id, "removed", before.path, name=before.name)
                )
                continue
        assert before is not None and after is not None
        fields, observed = record_changes(kind is Kind.OBSERVATION, before.data, after.data)
        if before.path != after.path:
            changes.append(
                EntityChange(
                    kind,
                    record_id,
                    "renamed",
                    after.path,
                    before.path,
                    fields,
                    after.name,
                    observed,
                )
            )
        elif fields or observed:
            changes.append(
                EntityChange(
                    kind, record_id, "modified", after.path, None, fields, after.name, observed
                )
            )
    return changes


def diff_results(base: CheckResult, head: CheckResult) -> list[ResultChange]:
    """Rule results whose status changed between two evaluations."""

    def index(result: CheckResult) -> dict[tuple[str, str, str], Any]:
        return {(r.rule, r.kind.value, r.subject): r for r in result.results}

    old, new = index(base), index(head)
    changes = []
    for key in sorted(set(old) | set(new)):
        before, after = old.get(key), new.get(key)
        old_status = before.status.value if before else "not applicable"
        new_status = after.status.value if after else "not applicable"
        if old_status == new_status:
            continue
        if {old_status, new_status} <= {Status.PASS.value, "not applicable"}:
            continue  # a passing rule starting or stopping to apply is not news
        shown = after or before
        assert shown is not None
        changes.append(
            ResultChange(
                key[0],
                key[1],
                key[2],
                old_status,
                new_status,
                shown.severity.label,
                shown.path,
                shown.line,
            )
        )
    return changes
