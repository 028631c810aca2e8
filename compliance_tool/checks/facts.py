"""Facts that span records, computed once per run and shared by rules, lineage and reports.

Who is active and in which roles, who sits on which rotation, which datasets carry or
derive from personal data, the lineage closure of datasets and models, and the one
evaluation date that every time-dependent check uses.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass, field
from functools import cached_property
from typing import TYPE_CHECKING, Any

from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Inventory, Record

if TYPE_CHECKING:
    from compliance_tool.checks.reconcile import Reconciliation

_DURATION = re.compile(
    r"^P(?:(?P<years>\d+)Y)?(?:(?P<months>\d+)M)?(?:(?P<weeks>\d+)W)?(?:(?P<days>\d+)D)?"
    r"(?:T(?:(?P<hours>\d+)H)?(?:(?P<minutes>\d+)M)?(?:(?P<seconds>\d+)S)?)?$"
)


def parse_duration(text: str) -> dt.timedelta:
    """An ISO 8601 duration as a timedelta; years count 365 days and months 30 days."""
    match = _DURATION.match(text) if isinstance(text, str) else None
    if not match or text in ("P", "PT"):
        raise ValueError(f"'{text}' is not an ISO 8601 duration (e.g. P30D)")
    parts = {k: int(v) for k, v in match.groupdict().items() if v}
    days = parts.get("years", 0) * 365 + parts.get("months", 0) * 30 + parts.get("weeks", 0) * 7
    try:
        return dt.timedelta(
            days=days + parts.get("days", 0),
            hours=parts.get("hours", 0),
            minutes=parts.get("minutes", 0),
            seconds=parts.get("seconds", 0),
        )
    except OverflowError:
        raise ValueError(f"'{text}' is longer than any duration that can be computed") from None


def date_after(day: dt.date, delta: dt.timedelta) -> dt.date | None:
    """``day + delta``, or None when that falls after the last day of the calendar
    (9999-12-31): a record's far-future date or huge duration, which the schemas refuse,
    must still never stop a run."""
    try:
        return day + delta
    except OverflowError:
        return None


def parse_date(value: Any) -> dt.date | None:
    """A ``YYYY-MM-DD`` date, or the date part of an RFC 3339 date-time; None otherwise."""
    if not isinstance(value, str):
        return None
    try:
        if len(value) > 10:
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
        return dt.date.fromisoformat(value)
    except ValueError:
        return None


def parse_datetime(value: Any) -> dt.datetime | None:
    """An RFC 3339 date-time (or a date, taken at midnight UTC)."""
    if not isinstance(value, str):
        return None
    try:
        if len(value) <= 10:
            day = dt.date.fromisoformat(value)
            return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC)
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00"))
        return parsed if parsed.tzinfo else parsed.replace(tzinfo=dt.UTC)
    except ValueError:
        return None


def is_active(status: str, contract_end: dt.date | None, day: dt.date) -> bool:
    """Whether a person of ``status`` whose contract (if any) ends on ``contract_end`` is
    active on ``day``: the one definition rules, continuity and reports share."""
    return status == "active" and (contract_end is None or contract_end >= day)


_UNKNOWN = object()


@dataclass(frozen=True, slots=True)
class PersonFacts:
    """What rules need to know about a person."""

    id: str
    active: bool
    external: bool
    organisation: str
    roles: frozenset[str]
    contract_end: dt.date | None = None


@dataclass
class Facts:
    """Cross-record facts of one inventory at one evaluation date."""

    inventory: Inventory
    as_of: dt.date
    _pii: dict[str, bool] = field(default_factory=dict)
    _facts: dict[tuple[str, str], Any] = field(default_factory=dict)
    failing: set[tuple[str, str, str]] | None = None
    """(rule, kind, subject) of every failure, known once non-waiver rules have run."""

    def fact(self, name: str, key: str) -> Any:
        """One fact by name, as a plain comparable value. Custom rules read facts only
        through here, so a cached result can list what it depended on and be reused
        exactly when those facts are unchanged."""
        found = self._facts.get((name, key), _UNKNOWN)
        if found is _UNKNOWN:
            found = self._facts[(name, key)] = self._fact(name, key)
        return found

    def _fact(self, name: str, key: str) -> Any:
        if name == "today":
            return self.as_of.isoformat()
        if name == "between":  # is the evaluation date within FIRST|LAST (inclusive)?
            first, _, last = key.partition("|")
            return first <= self.as_of.isoformat() <= last
        if name == "person":
            person = self.people.get(key)
            return (
                None
                if person is None
                else (person.active, person.external, tuple(sorted(person.roles)))
            )
        if name == "affiliation":  # (external, organisation, contract_end or None)
            person = self.people.get(key)
            if person is None:
                return None
            end = person.contract_end.isoformat() if person.contract_end else None
            return (person.external, person.organisation, end)
        if name == "rotation":
            rotation = self.rotations.get(key)
            if rotation is None:
                return None
            return tuple(
                (str(m), self.fact("person", str(m))) for m in rotation.data.get("members") or ()
            )
        if name == "on_rotation":
            return bool(self.rotations_of_person.get(key))
        if name == "personal_data":
            return self.personal_data(key)
        if name == "lineage_complete":
            return self.lineage_complete(key)
        if name == "file":
            return self.inventory.source.file_problem(key)
        if name == "role":  # what the Role record KEY requires, or None without one
            role = self.inventory.record(Kind.ROLE, key)
            if role is None:
                return None
            return json.dumps(role.data.get("requires") or {}, sort_keys=True, default=str)
        if name == "training":  # the person's training record: name -> date
            record = self.inventory.record(Kind.PERSON, key)
            training = record.data.get("training") if record is not None else None
            return json.dumps(training if isinstance(training, dict) else {}, default=str)
        if name == "week_gaps":  # ROTATION|YYYY-MM-DD: the gaps of that day's local week
            return self.week_gaps(*key.split("|"))
        if name == "reconciled":  # FINDING-KIND\0SUBJECT-KIND\0ID: [[entry index, message]]
            kind, subject_kind, subject = key.split("\0")
            found = self.reconciled.get((kind, subject_kind, subject), [])
            return json.dumps(found)
        raise KeyError(name)

    def week_gaps(self, rotation_id: str, day: str) -> tuple[str, ...]:
        """What leaves the week of ``day`` without cover on a rotation, in words: each gap
        (``no one on call Sun 22:00–Mon 06:00 Europe/Berlin``), or why the cover is
        unknown (no such rotation, a free-text or an invalid schedule)."""
        from compliance_tool.checks.schedule import describe_gap, parse_schedule, week_gaps

        rotation = self.rotations.get(rotation_id)
        if rotation is None:
            return (f"'{rotation_id}' is not a rotation in the inventory",)
        unknown = f"the cover of rotation '{rotation_id}' is unknown"
        try:
            schedule = parse_schedule(rotation)
        except ValueError as error:
            return (f"{unknown}: its schedule is invalid ({error})",)
        if schedule is None:
            return (f"{unknown}: its schedule is free text, not data",)
        found = week_gaps(schedule, dt.date.fromisoformat(day))
        return tuple(
            f"no one on call {describe_gap(schedule, *gap)} (rotation '{rotation_id}')"
            for gap in found
        )

    @cached_property
    def reconciliation(self) -> Reconciliation:
        """The records reconciled with the committed snapshots at the evaluation date."""
        from compliance_tool.checks.reconcile import reconcile

        return reconcile(self.inventory, self.as_of)

    @cached_property
    def reconciled(self) -> dict[tuple[str, str, str], list[tuple[int | None, str]]]:
        return self.reconciliation.messages()

    def prepare(self) -> None:
        """Compute every fact now (before worker processes fork and share them)."""
        _ = self.people, self.rotations, self.rotations_of_person, self.models
        if self.inventory.records(Kind.OBSERVATION):
            _ = self.reconciled
        for dataset_id in self.datasets:
            self.personal_data(dataset_id)
        _ = self.models_of_dataset

    @cached_property
    def people(self) -> dict[str, PersonFacts]:
        found = {}
        for record in self.inventory.records(Kind.PERSON):
            affiliation = record.data.get("affiliation") or {}
            contract_end = parse_date(affiliation.get("contract_end"))
            status = record.data.get("status", "active")
            active = is_active(str(status), contract_end, self.as_of)
            found[record.id] = PersonFacts(
                record.id,
                active,
                affiliation.get("type") == "external",
                str(affiliation.get("organisation", "")),
                frozenset(str(r) for r in record.data.get("roles") or ()),
                contract_end,
            )
        return found

    @cached_property
    def rotations(self) -> dict[str, Record]:
        return {r.id: r for r in self.inventory.records(Kind.ROTATION)}

    @cached_property
    def rotations_of_person(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for rotation in self.rotations.values():
            for member in rotation.data.get("members") or ():
                found.setdefault(str(member), []).append(rotation.id)
        return found

    @cached_property
    def datasets(self) -> dict[str, Record]:
        return {r.id: r for r in self.inventory.records(Kind.DATASET)}

    @cached_property
    def models(self) -> dict[str, Record]:
        return {r.id: r for r in self.inventory.records(Kind.MODEL)}

    def parents(self, dataset_id: str) -> list[str]:
        record = self.datasets.get(dataset_id)
        raw = record.data.get("parents") if record else None
        return [str(p) for p in raw] if isinstance(raw, list) else []

    def ancestors(self, dataset_id: str) -> list[str]:
        """Every dataset ``dataset_id`` derives from, nearest first, each once."""
        seen: list[str] = []
        queue = list(self.parents(dataset_id))
        while queue:
            current = queue.pop(0)
            if current in seen or current == dataset_id:
                continue
            seen.append(current)
            queue.extend(self.parents(current))
        return seen

    def lineage_complete(self, dataset_id: str) -> bool:
        """Every ancestor resolves and the lineage has no cycle through this dataset."""
        if dataset_id not in self.datasets:
            return False
        ancestors = self.ancestors(dataset_id)
        if any(a not in self.datasets for a in ancestors):
            return False
        return dataset_id not in {p for a in [dataset_id, *ancestors] for p in self.parents(a)}

    def has_pii(self, dataset_id: str) -> bool:
        record = self.datasets.get(dataset_id)
        return bool(record and (record.data.get("classification") or {}).get("contains_pii"))

    def personal_data(self, dataset_id: str) -> bool:
        """Whether the dataset holds personal data or derives from a dataset that does."""
        known = self._pii.get(dataset_id)
        if known is None:
            known = self.has_pii(dataset_id) or any(
                self.has_pii(a) for a in self.ancestors(dataset_id)
            )
            self._pii[dataset_id] = known
        return known

    def model_datasets(self, model_id: str) -> list[str]:
        """The datasets a model names directly (inputs.datasets[].ref)."""
        record = self.models.get(model_id)
        refs = ((record.data.get("inputs") or {}).get("datasets") or []) if record else []
        return [str(d.get("ref")) for d in refs if isinstance(d, dict) and d.get("ref")]

    def upstream_models(self, model_id: str) -> list[str]:
        record = self.models.get(model_id)
        raw = ((record.data.get("inputs") or {}).get("upstream_models") or []) if record else []
        return [str(m) for m in raw]

    @cached_property
    def models_of_dataset(self) -> dict[str, list[str]]:
        """Dataset id -> models that use it directly or through lineage."""
        found: dict[str, list[str]] = {}
        for model_id in sorted(self.models):
            for direct in self.model_datasets(model_id):
                for dataset in [direct, *self.ancestors(direct)]:
                    users = found.setdefault(dataset, [])
                    if model_id not in users:
                        users.append(model_id)
        return found
