"""What a scenario holds while it runs (its selection, its example record), and what every
step uses to read records and to fail naming each record that broke it."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, NoReturn

import pytest

from compliance_tool.checks.engine import Result
from compliance_tool.checks.facts import Facts
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Record
from compliance_tool.repository.yamlio import Path as DocPath
from compliance_tool.repository.yamlio import parse_document
from compliance_tool.scenarios.steps.context import Governance
from compliance_tool.scenarios.steps.vocabulary import NUMBER_WORDS, PLURAL_WORDS


@dataclass
class Selection:
    """The records the next steps talk about."""

    noun: str
    kind: Kind
    records: list[Record]
    via: dict[str, list[str]] = field(default_factory=dict)
    """Record path -> ids of the records it was reached from."""


@dataclass
class World:
    """The state of one scenario: its selection and its example record."""

    governance: Governance
    selection: Selection | None = None
    example_kind: Kind | None = None
    example_data: dict[str, Any] | None = None
    example_results: list[Result] | None = None

    def current(self) -> Selection:
        """The selection; a scenario that has not selected anything yet fails here."""
        if self.selection is None:
            fail(
                "no records are selected yet: start with a step such as 'Given the production models'"
            )
        return self.selection

    def select(self, noun: str, kind: Kind, records: Iterable[Record]) -> None:
        """Select ``records`` (each once), called ``noun`` in messages."""
        unique = {r.path: r for r in records}
        self.selection = Selection(noun, kind, list(unique.values()))

    def follow(self, noun: str, kind: Kind, links: Callable[[Record], Iterable[Record]]) -> None:
        """Replace the selection by the records reached from each selected record."""
        current = self.current()
        found: dict[str, Record] = {}
        via: dict[str, list[str]] = {}
        for origin in current.records:
            for record in links(origin):
                found.setdefault(record.path, record)
                sources = via.setdefault(record.path, [])
                if origin.id not in sources:
                    sources.append(origin.id)
        self.selection = Selection(noun, kind, list(found.values()), via)

    def narrow(self, noun: str, keep: Callable[[Record], bool]) -> None:
        """Keep the selected records for which ``keep`` holds."""
        current = self.current()
        self.selection = Selection(
            f"{current.noun} {noun}",
            current.kind,
            [r for r in current.records if keep(r)],
            current.via,
        )


@pytest.fixture
def scenario_world(governance: Governance) -> World:
    """A fresh state for each scenario."""
    return World(governance)


def fail(message: str) -> NoReturn:
    """Fail the step with ``message`` alone: no traceback, it is the scenario's report."""
    __tracebackhide__ = True
    pytest.fail(message, pytrace=False)


def doc_path(dotted: str) -> DocPath:
    """A dotted field path (``escalation.0.to``) as a document path, list items by number."""
    return tuple(int(p) if p.isdigit() else p for p in dotted.split("."))


def record_at(record: Record, dotted: str = "") -> str:
    """``file:line:column`` of a record, or of one of its fields."""
    line, column = record.position(doc_path(dotted) if dotted else ())
    return f"{record.path}:{line}:{column}"


def count_of(text: str) -> int:
    """A count written in a step, in digits or as a word (one to five)."""
    return NUMBER_WORDS.get(text, 0) if not text.isdigit() else int(text)


def id_list(value: Any) -> list[str]:
    """The ids a field holds: one id or a list of them."""
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def is_present(value: Any) -> bool:
    """Whether a field holds something: not missing, not an empty text, list or mapping."""
    return value is not None and value != "" and value != [] and value != {}


def yaml_value(text: str) -> Any:
    """A value written in a step or a table cell, read as YAML 1.2 (``true``, ``0.25``, ``[a, b]``)."""
    document = parse_document(f"value: {text}".encode())
    if document.data is None or document.issues:
        return text
    return document.data.get("value")


def noun_for(count: int, one: str, many: str) -> str:
    """``one`` for a count of one, else ``many``."""
    return one if count == 1 else many


def check_each(
    world: World, check: Callable[[Record], tuple[str, str] | None], kinds: Iterable[Kind] = ()
) -> None:
    """Fail naming every selected record for which ``check`` returns (field, reason)."""
    __tracebackhide__ = True
    selection = world.current()
    wanted = tuple(kinds)
    if wanted and selection.kind not in wanted:
        plural = {kind: word for word, kind in PLURAL_WORDS.items()}
        names = " or ".join(plural[k] for k in wanted)
        fail(f"this step checks {names}, but the selection holds {selection.noun}")
    broken = []
    for record in selection.records:
        problem = check(record)
        if problem is None:
            continue
        dotted, reason = problem
        via = selection.via.get(record.path)
        suffix = f"  (via {', '.join(via)})" if via else ""
        broken.append(f"  {record_at(record, dotted)}  {record.id}: {reason}{suffix}")
    if broken:
        total = len(selection.records)
        verb = noun_for(len(broken), "breaks", "break")
        fail(f"{len(broken)} of {total} {selection.noun} {verb} it:\n" + "\n".join(broken))


def person_problem(facts: Facts, person_id: str, roles: set[str] | None = None) -> str | None:
    """Why ``person_id`` is not an active person (holding one of ``roles``), or None."""
    person = facts.people.get(person_id)
    if person is None:
        return f"'{person_id}' is not a person in the inventory"
    if not person.active:
        record = facts.inventory.record(Kind.PERSON, person_id)
        status = str(record.get("status", "active")) if record else "active"
        end = record.get("affiliation.contract_end") if record else None
        why = f"status {status}" if status != "active" else f"contract ended {end}"
        return f"'{person_id}' is not an active person ({why})"
    if roles and not roles & person.roles:
        return f"'{person_id}' holds none of the roles {', '.join(sorted(roles))}"
    return None


def qualifies(facts: Facts, person_id: str, who: str) -> bool:
    """Whether a person is active and, for ``internal``/``external``, so affiliated."""
    person = facts.people.get(person_id)
    if person is None or not person.active:
        return False
    if who == "internal":
        return not person.external
    if who == "external":
        return person.external
    return True


def records_of(world: World, kind: Kind, ids: Iterable[str]) -> list[Record]:
    """The records of ``kind`` with these ids; ids that name no record are left out."""
    found = []
    for record_id in ids:
        record = world.governance.record(kind, record_id)
        if record is not None:
            found.append(record)
    return found
