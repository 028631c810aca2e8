"""The step library of governance scenarios: Gherkin steps that need no Python.

A scenario selects records ("Given the production models"), may follow references and
lineage from them ("And their on-call rotations"), and states what must hold for each of
them ("Then no rotation has fewer than 2 active members"). A failing step names every
record that broke it, with its file and line. A scenario may also state how a rule treats
an example record written inside the scenario ("Given a model record:" with YAML or a
field/value table, "When the rules are checked", "Then rule MON-01-drift-thresholds fails
for it"); the example is checked inside the inventory being read, so it may name the
inventory's people, rotations and datasets.

This module is a pytest plugin. ``compliance-tool scenarios`` loads it and hands it the
inventory (read once per run, from the working tree or a commit) and the evaluation date
through the pytest configuration; run by hand, ``pytest -p compliance_tool.scenarios.steps`` reads
``--governance-repo``, ``--governance-ref`` and ``--governance-as-of``. Every date is
compared with the run's evaluation date. Each step's docstring is its entry in the
catalogue (``compliance-tool scenarios steps``) and ends with one ``Example:`` line.
"""

from __future__ import annotations

import datetime as dt
import difflib
import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, NoReturn, TypeVar, cast

import pytest
from pytest_bdd import given, parsers, then, when

from compliance_tool.checks.engine import CheckResult, Engine, Result, Status
from compliance_tool.checks.examples import evaluate_record
from compliance_tool.checks.facts import Facts, parse_date, parse_datetime
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Inventory, Record
from compliance_tool.repository.yamlio import Path as DocPath
from compliance_tool.repository.yamlio import parse_document

F = TypeVar("F", bound=Callable[..., Any])

LINKED_FOLDERS = ("runbooks", "evidence", "docs")
"""Folders of the Markdown files that records link to (runbooks, DPIAs, reviews)."""

KIND_WORDS: dict[str, Kind] = {
    "model": Kind.MODEL,
    "dataset": Kind.DATASET,
    "person": Kind.PERSON,
    "rotation": Kind.ROTATION,
    "incident": Kind.INCIDENT,
    "waiver": Kind.WAIVER,
    "team": Kind.TEAM,
}
PLURAL_WORDS: dict[str, Kind] = {
    "models": Kind.MODEL,
    "datasets": Kind.DATASET,
    "people": Kind.PERSON,
    "rotations": Kind.ROTATION,
    "incidents": Kind.INCIDENT,
    "waivers": Kind.WAIVER,
    "teams": Kind.TEAM,
}
IN_USE = ("development", "validation", "production", "deprecated")
NUMBER_WORDS = {"one": 1, "two": 2, "three": 3, "four": 4, "five": 5}

# regular-expression pieces shared by the steps
_PATH = r"(?P<path>[A-Za-z_][\w-]*(?:\.[\w-]+)*)"
_OTHER = r"(?P<other>[A-Za-z_][\w-]*(?:\.[\w-]+)*)"
_COUNT = r"(?P<count>one|two|three|four|five|\d+)"
_KINDS = "|".join(KIND_WORDS)
_PLURALS = "|".join(PLURAL_WORDS)
_LIFECYCLES = "proposed|development|validation|production|deprecated|retired"


# -- the catalogue ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """One step as the catalogue shows it."""

    section: str
    keyword: str
    shape: str
    """The step with its parameters in angle brackets."""
    regex: re.Pattern[str]
    description: str
    example: str
    """One complete line of a feature file that uses the step."""

    @property
    def example_text(self) -> str:
        """The example without its leading Given/When/Then/And/But."""
        return self.example.split(" ", 1)[1] if " " in self.example else self.example


CATALOGUE: list[CatalogueEntry] = []
"""Every step of the library, in the order of this module."""

_SECTIONS: list[str] = []


def _section(title: str) -> None:
    """Start a section of the catalogue: the steps registered next belong to it."""
    _SECTIONS.append(title)


_DECORATORS = {"Given": given, "When": when, "Then": then}


def _step(keyword: str, shape: str, regex: str) -> Callable[[F], F]:
    """Register a step with pytest-bdd and in the catalogue (its docstring is the entry)."""

    def register(func: F) -> F:
        doc = inspect.getdoc(func) or ""
        example = ""
        description: list[str] = []
        for line in doc.splitlines():
            if line.startswith("Example:"):
                example = line.removeprefix("Example:").strip()
            else:
                description.append(line)
        CATALOGUE.append(
            CatalogueEntry(
                _SECTIONS[-1] if _SECTIONS else "Steps",
                keyword,
                shape,
                re.compile(regex),
                " ".join(" ".join(description).split()),
                example,
            )
        )
        # stacklevel 2: the step fixture goes into this module, the caller of ``register``
        return cast(F, _DECORATORS[keyword](parsers.re(regex), stacklevel=2)(func))

    return register


def catalogue_text() -> str:
    """The catalogue as text: each step, what it does, and an example line."""
    lines: list[str] = []
    current = ""
    for entry in CATALOGUE:
        if entry.section != current:
            if lines:
                lines.append("")
            lines.append(f"{entry.section}:")
            current = entry.section
        lines.append("")
        lines.append(f"  {entry.keyword} {entry.shape}")
        for text in _wrap(entry.description, 84):
            lines.append(f"      {text}")
        lines.append(f"      e.g.  {entry.example}")
    return "\n".join(lines) + "\n"


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]


def closest_steps(text: str, count: int = 3) -> list[CatalogueEntry]:
    """The ``count`` catalogue entries whose example or shape reads most like ``text``."""

    def score(entry: CatalogueEntry) -> float:
        wanted = text.lower()
        return max(
            difflib.SequenceMatcher(None, wanted, entry.example_text.lower()).ratio(),
            difflib.SequenceMatcher(None, wanted, entry.shape.lower()).ratio(),
        )

    return sorted(CATALOGUE, key=score, reverse=True)[:count]


def unknown_step_message(step_type: str, text: str, where: str = "") -> str:
    """Why a step is unknown, the other keyword it exists under, and the closest steps."""
    keyword = step_type.capitalize()
    lines = [f'unknown step: {keyword} "{text}"' + (f" ({where})" if where else "")]
    elsewhere = [e for e in CATALOGUE if e.regex.fullmatch(text) and e.keyword != keyword]
    if elsewhere:
        lines.append(
            f"this is a '{elsewhere[0].keyword}' step: move it under '{elsewhere[0].keyword}'"
        )
    lines.append("the closest known steps are:")
    for entry in closest_steps(text):
        lines.append(f"  {entry.example}    ({entry.keyword} {entry.shape})")
    lines.append("every step: compliance-tool scenarios steps")
    return "\n".join(lines)


# -- the governance context of a run ----------------------------------------------------


@dataclass
class Governance:
    """The inventory of one run at its evaluation date, and what steps derive from it."""

    inventory: Inventory
    as_of: dt.date

    @cached_property
    def facts(self) -> Facts:
        return Facts(self.inventory, self.as_of)

    @cached_property
    def check(self) -> CheckResult:
        """Every rule on the inventory, waivers applied (run on first use, once)."""
        return Engine(self.inventory, self.as_of).run(self.inventory.source.commit)

    @cached_property
    def rule_kinds(self) -> dict[str, Kind]:
        """Rule id -> the kind it applies to."""
        found: dict[str, Kind] = {}
        for record in self.inventory.records(Kind.RULE):
            applies = record.data.get("applies_to")
            if applies in Kind._value2member_map_:
                found[record.id] = Kind(str(applies))
        return found

    @cached_property
    def example_files(self) -> dict[str, bytes]:
        """Every governance file and linked document, the context of example records."""
        source = self.inventory.source
        files = {p: source.read(self.inventory.entries[p]) for p in self.inventory.yaml_paths()}
        for folder in LINKED_FOLDERS:
            files.update(source.documents(folder) or {})
        return files

    def file_problem(self, path: str) -> str | None:
        """Why ``path`` is not a file of the repository snapshot, or None."""
        return self.inventory.source.file_problem(path)

    def record(self, kind: Kind, record_id: str) -> Record | None:
        return self.inventory.record(kind, record_id)


GOVERNANCE = pytest.StashKey[Governance]()
"""Where ``compliance-tool scenarios`` leaves the run's governance context."""


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("compliance-tool", "governance scenarios")
    group.addoption(
        "--governance-repo", default=None, help="Governance repository root (default: cwd)."
    )
    group.addoption("--governance-ref", default=None, help="Read the repository at this commit.")
    group.addoption(
        "--governance-as-of", default=None, help="Evaluation date YYYY-MM-DD (default: today)."
    )


@pytest.fixture(scope="session")
def governance(request: pytest.FixtureRequest) -> Governance:
    """The run's inventory and evaluation date, read once per run."""
    config = request.config
    found = config.stash.get(GOVERNANCE, None)
    if found is None:
        from compliance_tool.checks.pipeline import today
        from compliance_tool.repository.session import Where, locate, open_inventory

        repo = config.getoption("governance_repo")
        as_of = config.getoption("governance_as_of")
        root = locate(Path(repo) if repo else None)
        found = Governance(
            open_inventory(Where(root, config.getoption("governance_ref"))),
            dt.date.fromisoformat(as_of) if as_of else today(),
        )
        config.stash[GOVERNANCE] = found
    return found


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_apply_tag(tag: str, function: Any) -> bool:
    """Tags of governance scenarios are control ids (@MON-01), not pytest marks: nothing to
    apply, and nothing for --strict-markers to reject."""
    return True


@pytest.hookimpl(trylast=True)
def pytest_bdd_step_func_lookup_error(request: pytest.FixtureRequest, step: Any) -> None:
    """An unknown step fails with the closest known steps (not just 'not found')."""
    from pytest_bdd import reporting

    report = reporting.scenario_reports_registry.get(request.node)
    if report is not None:  # so that Cucumber JSON shows the unknown step as failed
        report.add_step_report(reporting.StepReport(step=step))
        report.fail()
    where = f"line {step.line_number}"
    pytest.fail(unknown_step_message(step.type, step.name, where), pytrace=False)


# -- what a scenario holds while it runs ------------------------------------------------


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
        if self.selection is None:
            _fail(
                "no records are selected yet: start with a step such as 'Given the production models'"
            )
        return self.selection

    def select(self, noun: str, kind: Kind, records: Iterable[Record]) -> None:
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


# -- helpers ----------------------------------------------------------------------------


def _fail(message: str) -> NoReturn:
    __tracebackhide__ = True
    pytest.fail(message, pytrace=False)


def _doc_path(dotted: str) -> DocPath:
    return tuple(int(p) if p.isdigit() else p for p in dotted.split("."))


def _where(record: Record, dotted: str = "") -> str:
    line, column = record.position(_doc_path(dotted) if dotted else ())
    return f"{record.path}:{line}:{column}"


def _count(text: str) -> int:
    return NUMBER_WORDS.get(text, 0) if not text.isdigit() else int(text)


def _names(value: Any) -> list[str]:
    if value is None:
        return []
    return [str(v) for v in value] if isinstance(value, list) else [str(value)]


def _present(value: Any) -> bool:
    return value is not None and value != "" and value != [] and value != {}


def _scalar(text: str) -> Any:
    """A value written in a step or a table cell, read as YAML 1.2 (``true``, ``0.25``, ``[a, b]``)."""
    document = parse_document(f"value: {text}".encode())
    if document.data is None or document.issues:
        return text
    return document.data.get("value")


def _plural(count: int, one: str, many: str) -> str:
    return one if count == 1 else many


def _check_each(
    world: World, check: Callable[[Record], tuple[str, str] | None], kinds: Iterable[Kind] = ()
) -> None:
    """Fail naming every selected record for which ``check`` returns (field, reason)."""
    __tracebackhide__ = True
    selection = world.current()
    wanted = tuple(kinds)
    if wanted and selection.kind not in wanted:
        plural = {kind: word for word, kind in PLURAL_WORDS.items()}
        names = " or ".join(plural[k] for k in wanted)
        _fail(f"this step checks {names}, but the selection holds {selection.noun}")
    broken = []
    for record in selection.records:
        problem = check(record)
        if problem is None:
            continue
        dotted, reason = problem
        via = selection.via.get(record.path)
        suffix = f"  (via {', '.join(via)})" if via else ""
        broken.append(f"  {_where(record, dotted)}  {record.id}: {reason}{suffix}")
    if broken:
        total = len(selection.records)
        verb = _plural(len(broken), "breaks", "break")
        _fail(f"{len(broken)} of {total} {selection.noun} {verb} it:\n" + "\n".join(broken))


def _person_problem(facts: Facts, person_id: str, roles: set[str] | None = None) -> str | None:
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


def _qualifies(facts: Facts, person_id: str, who: str) -> bool:
    """Whether a person is active and, for ``internal``/``external``, so affiliated."""
    person = facts.people.get(person_id)
    if person is None or not person.active:
        return False
    if who == "internal":
        return not person.external
    if who == "external":
        return person.external
    return True


def _resolve(world: World, kind: Kind, ids: Iterable[str]) -> list[Record]:
    found = []
    for record_id in ids:
        record = world.governance.record(kind, record_id)
        if record is not None:
            found.append(record)
    return found


# -- selecting records ------------------------------------------------------------------

_section("Selecting records (Given)")


@_step(
    "Given",
    "the [<lifecycle>] models [in use] [with risk tier <tier>] [that affect people]",
    rf"the (?:(?P<lifecycle>{_LIFECYCLES}) )?models(?P<in_use> in use)?"
    r"(?: with risk tier (?P<tier>high|medium|low))?(?P<people> that affect people)?",
)
def select_models(
    scenario_world: World,
    lifecycle: str | None,
    in_use: str | None,
    tier: str | None,
    people: str | None,
) -> None:
    """Select models: of one lifecycle stage (proposed, development, validation, production,
    deprecated, retired), or in use (development to deprecated), or all; optionally only
    those of one risk tier, and only those whose intended use affects people.
    Example: Given the production models with risk tier high
    """
    records = scenario_world.governance.inventory.records(Kind.MODEL)
    if lifecycle:
        records = [r for r in records if r.get("lifecycle") == lifecycle]
    if in_use:
        records = [r for r in records if r.get("lifecycle") in IN_USE]
    if tier:
        records = [r for r in records if r.get("risk.tier") == tier]
    if people:
        records = [r for r in records if r.get("intended_use.affects_people") is True]
    noun = " ".join(
        part
        for part in (
            lifecycle,
            "models",
            "in use" if in_use else "",
            f"with risk tier {tier}" if tier else "",
            "that affect people" if people else "",
        )
        if part
    )
    scenario_world.select(noun, Kind.MODEL, records)


@_step("Given", "all <kind plural>", rf"all (?P<plural>{_PLURALS})")
def select_all(scenario_world: World, plural: str) -> None:
    """Select every record of a kind: models, datasets, people, rotations, incidents,
    waivers or teams.
    Example: Given all rotations
    """
    kind = PLURAL_WORDS[plural]
    scenario_world.select(plural, kind, scenario_world.governance.inventory.records(kind))


@_step(
    "Given",
    "the <kind> <id>",
    rf"the (?P<kind_word>{_KINDS}) (?P<record_id>[A-Za-z0-9][\w.-]*)",
)
def select_one(scenario_world: World, kind_word: str, record_id: str) -> None:
    """Select one record by its id (its file name without .yaml).
    Example: Given the model credit-scoring
    """
    kind = KIND_WORDS[kind_word]
    record = scenario_world.governance.record(kind, record_id)
    if record is None:
        known = sorted(scenario_world.governance.inventory.ids[kind])
        close = difflib.get_close_matches(record_id, known, n=3)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        _fail(f"there is no {kind_word} '{record_id}' in the inventory{hint}")
    scenario_world.select(f"{kind_word} {record_id}", kind, [record])


@_step(
    "Given",
    "the <people | external specialists | internal staff> on a rotation",
    r"the (?P<who>people|external specialists|internal staff) on a rotation",
)
def select_rotation_people(scenario_world: World, who: str) -> None:
    """Select the people who are members of at least one rotation, whether active or
    not: everyone, only external specialists (affiliation type external), or only staff.
    Example: Given the external specialists on a rotation
    """
    governance = scenario_world.governance
    members = _resolve(scenario_world, Kind.PERSON, sorted(governance.facts.rotations_of_person))
    if who == "external specialists":
        members = [p for p in members if p.get("affiliation.type") == "external"]
    elif who == "internal staff":
        members = [p for p in members if p.get("affiliation.type") != "external"]
    scenario_world.select(f"{who} on a rotation", Kind.PERSON, members)


@_step("Given", "the datasets with personal data", r"the datasets with personal data")
def select_personal_datasets(scenario_world: World) -> None:
    """Select the datasets that hold personal data or derive from a dataset that does,
    through any number of lineage steps (aggregates of personal data included).
    Example: Given the datasets with personal data
    """
    facts = scenario_world.governance.facts
    records = [r for r in facts.datasets.values() if facts.personal_data(r.id)]
    scenario_world.select("datasets with personal data", Kind.DATASET, records)


@_step(
    "Given",
    "the <resolved | serious> incidents",
    r"the (?P<which>resolved|serious) incidents",
)
def select_incidents(scenario_world: World, which: str) -> None:
    """Select the incidents that are resolved (resolved_at set), or that were assessed
    as serious under EU AI Act Art. 73 (serious_incident.is_serious true).
    Example: Given the resolved incidents
    """
    records = scenario_world.governance.inventory.records(Kind.INCIDENT)
    if which == "resolved":
        records = [r for r in records if _present(r.get("resolved_at"))]
    else:
        records = [r for r in records if r.get("serious_incident.is_serious") is True]
    scenario_world.select(f"{which} incidents", Kind.INCIDENT, records)


# -- following references and lineage ---------------------------------------------------

_section("Following references and lineage (And, after a selection)")


@_step(
    "Given",
    "the datasets they <are trained on | use>[, directly or through lineage]",
    r"the datasets they (?P<how>are trained on|use)(?P<lineage>, directly or through lineage)?",
)
def follow_datasets(scenario_world: World, how: str, lineage: str | None) -> None:
    """From models, go to the datasets they name in inputs.datasets: for 'are trained
    on', those with role training or fine-tuning; for 'use', all of them. With 'directly
    or through lineage', every dataset those derive from is added.
    Example: And the datasets they are trained on, directly or through lineage
    """
    facts = scenario_world.governance.facts
    if scenario_world.current().kind is not Kind.MODEL:
        _fail(
            f"this step starts from models, but the selection holds {scenario_world.current().noun}"
        )
    roles = {"training", "fine-tuning"} if how == "are trained on" else None

    def links(model: Record) -> list[Record]:
        direct = [
            str(d.get("ref"))
            for d in model.get("inputs.datasets") or []
            if isinstance(d, dict) and d.get("ref") and (roles is None or d.get("role") in roles)
        ]
        ids = list(direct)
        if lineage:
            for dataset in direct:
                ids.extend(a for a in facts.ancestors(dataset) if a not in ids)
        return _resolve(scenario_world, Kind.DATASET, ids)

    noun = f"datasets they {how}" + (" (with lineage)" if lineage else "")
    scenario_world.follow(noun, Kind.DATASET, links)


@_step("Given", "the datasets they derive from", r"the datasets they derive from")
def follow_ancestors(scenario_world: World) -> None:
    """From datasets, go to every dataset they derive from (parents, their parents...).
    Example: And the datasets they derive from
    """
    facts = scenario_world.governance.facts
    if scenario_world.current().kind is not Kind.DATASET:
        _fail(
            f"this step starts from datasets, but the selection holds {scenario_world.current().noun}"
        )
    scenario_world.follow(
        "datasets they derive from",
        Kind.DATASET,
        lambda d: _resolve(scenario_world, Kind.DATASET, facts.ancestors(d.id)),
    )


@_step("Given", "their on-call rotations", r"their on-call rotations")
def follow_rotations(scenario_world: World) -> None:
    """From models, go to the rotations named in operations.oncall (models without one
    are left out: the rule ONC-01-model-on-call reports them).
    Example: And their on-call rotations
    """
    if scenario_world.current().kind is not Kind.MODEL:
        _fail(
            f"this step starts from models, but the selection holds {scenario_world.current().noun}"
        )
    noun = f"on-call rotations of the {scenario_world.current().noun}"
    scenario_world.follow(
        noun,
        Kind.ROTATION,
        lambda m: _resolve(scenario_world, Kind.ROTATION, _names(m.get("operations.oncall"))),
    )


@_step(
    "Given",
    "the members of those rotations",
    r"(?:the members of those rotations|their members)",
)
def follow_members(scenario_world: World) -> None:
    """From rotations, go to the people listed as their members, active or not.
    Example: And the members of those rotations
    """
    if scenario_world.current().kind is not Kind.ROTATION:
        _fail(
            f"this step starts from rotations, but the selection holds {scenario_world.current().noun}"
        )
    scenario_world.follow(
        "members of those rotations",
        Kind.PERSON,
        lambda r: _resolve(scenario_world, Kind.PERSON, _names(r.get("members"))),
    )


@_step(
    "Given",
    "the <kind plural> named in <path>",
    rf"the (?P<plural>{_PLURALS}) named in {_PATH}",
)
def follow_named(scenario_world: World, plural: str, path: str) -> None:
    """Go to the records whose ids the selected records hold at a field (an id or a list
    of ids), e.g. the deputies of the rollback authority, or the models of an incident.
    Example: And the people named in ownership.rollback_authority.deputies
    """
    kind = PLURAL_WORDS[plural]
    scenario_world.follow(
        f"{plural} named in {path}",
        kind,
        lambda r: _resolve(scenario_world, kind, _names(r.get(path))),
    )


_section("Narrowing the selection (And)")


@_step(
    "Given",
    "only those with personal data",
    r"only those with personal data",
)
def narrow_personal(scenario_world: World) -> None:
    """Keep the selected datasets that hold or derive from personal data.
    Example: And only those with personal data
    """
    facts = scenario_world.governance.facts
    if scenario_world.current().kind is not Kind.DATASET:
        _fail(f"this step keeps datasets, but the selection holds {scenario_world.current().noun}")
    scenario_world.narrow("with personal data", lambda r: facts.personal_data(r.id))


@_step(
    "Given",
    "only those with <path> equal to <value>",
    rf"only those with {_PATH} equal to (?P<value>.+)",
)
def narrow_equal(scenario_world: World, path: str, value: str) -> None:
    """Keep the selected records whose field equals a value (read as YAML: true, 0.25,
    high).
    Example: And only those with risk.tier equal to high
    """
    expected = _scalar(value)
    scenario_world.narrow(f"with {path} {value}", lambda r: r.get(path) == expected)


@_step(
    "Given",
    "only those who are <active | internal | external>",
    r"only those who are (?P<who>active|internal|external)",
)
def narrow_people(scenario_world: World, who: str) -> None:
    """Keep the selected people who are active (internal and external both have to be
    active too); a person is active when their status is active and, for an external
    specialist, the contract has not ended.
    Example: And only those who are external
    """
    facts = scenario_world.governance.facts
    if scenario_world.current().kind is not Kind.PERSON:
        _fail(f"this step keeps people, but the selection holds {scenario_world.current().noun}")
    scenario_world.narrow(f"who are {who}", lambda r: _qualifies(facts, r.id, who))


# -- asserting over the selection -------------------------------------------------------

_section("Asserting over the selection (Then, And)")


@_step("Then", "the selection is not empty", r"the selection is not empty")
def assert_not_empty(scenario_world: World) -> None:
    """At least one record is selected (guards against a scenario that checks nothing).
    Example: Then the selection is not empty
    """
    selection = scenario_world.current()
    if not selection.records:
        _fail(f"no {selection.noun} are selected")


@_step("Then", "the selection is empty", r"the selection is empty")
def assert_empty(scenario_world: World) -> None:
    """No record is selected: states that something must not exist.
    Example: Then the selection is empty
    """
    selection = scenario_world.current()
    if selection.records:
        lines = [f"  {_where(r)}  {r.id}" for r in selection.records]
        _fail(f"{len(lines)} {selection.noun} are selected, none expected:\n" + "\n".join(lines))


@_step("Then", "the selection includes <id>, <id> and <id>", r"the selection includes (?P<ids>.+)")
def assert_includes(scenario_world: World, ids: str) -> None:
    """Each of the named records is in the selection (ids separated by commas or 'and').
    Example: Then the selection includes core-banking-transactions-raw and credit-features
    """
    selection = scenario_world.current()
    wanted = [i.strip() for i in re.split(r",|\band\b", ids) if i.strip()]
    present = {r.id for r in selection.records}
    missing = [i for i in wanted if i not in present]
    if missing:
        _fail(
            f"{', '.join(missing)} {_plural(len(missing), 'is', 'are')} not among the "
            f"{len(present)} {selection.noun}: {', '.join(sorted(present)) or 'none'}"
        )


@_step("Then", "each has a field <path>", rf"each has a field {_PATH}")
def assert_field(scenario_world: World, path: str) -> None:
    """Each selected record has a non-empty value at the field (dotted path; list items
    by number, e.g. escalation.0.to).
    Example: Then each has a field monitoring.thresholds.data_drift.page
    """
    _check_each(
        scenario_world,
        lambda r: None if _present(r.get(path)) else (path, f"{path} is missing"),
    )


@_step(
    "Then",
    "each has <path> of at <most | least> <number>",
    rf"each has {_PATH} of at (?P<bound>most|least) (?P<number>-?\d+(?:\.\d+)?)",
)
def assert_bound(scenario_world: World, path: str, bound: str, number: str) -> None:
    """Each selected record has a number at the field, at most (or at least) the given one.
    Example: Then each has monitoring.logging.retention_days of at least 183
    """
    limit = float(number)

    def check(record: Record) -> tuple[str, str] | None:
        value = record.get(path)
        if isinstance(value, bool) or not isinstance(value, int | float):
            return (
                path,
                f"{path} is {'missing' if value is None else repr(value) + ', not a number'}",
            )
        if (bound == "most" and value > limit) or (bound == "least" and value < limit):
            return path, f"{path} is {value}, {'above' if bound == 'most' else 'below'} {number}"
        return None

    _check_each(scenario_world, check)


@_step(
    "Then",
    "each has <path> of at <most | least> its <other path>",
    rf"each has {_PATH} of at (?P<bound>most|least) its {_OTHER}",
)
def assert_bound_field(scenario_world: World, path: str, bound: str, other: str) -> None:
    """Each selected record has a number at the field, at most (or at least) the number
    at another field of the same record (a measured figure against its budget).
    Example: Then each has operations.metrics.latency_p99_ms of at most its monitoring.thresholds.latency_p99_ms.max
    """

    def check(record: Record) -> tuple[str, str] | None:
        value, limit = record.get(path), record.get(other)
        for name, number in ((path, value), (other, limit)):
            if isinstance(number, bool) or not isinstance(number, int | float):
                return name, f"{name} is {'missing' if number is None else 'not a number'}"
        assert isinstance(value, int | float) and isinstance(limit, int | float)
        if (bound == "most" and value > limit) or (bound == "least" and value < limit):
            side = "above" if bound == "most" else "below"
            return path, f"{path} is {value}, {side} {other} {limit}"
        return None

    _check_each(scenario_world, check)


@_step(
    "Then",
    "each has <path> within <N> days before the evaluation date",
    rf"each has {_PATH} within (?P<days>\d+) days before the evaluation date",
)
def assert_recent(scenario_world: World, path: str, days: str) -> None:
    """Each selected record has a date at the field that is at most N days before the
    evaluation date, and not after it.
    Example: Then each has access_review.last within 90 days before the evaluation date
    """
    as_of, limit = scenario_world.governance.as_of, int(days)

    def check(record: Record) -> tuple[str, str] | None:
        value = record.get(path)
        day = parse_date(value)
        if day is None:
            return path, f"{path} is {'missing' if value is None else repr(value) + ', not a date'}"
        age = (as_of - day).days
        if age < 0:
            return path, f"{path} {value} is after the evaluation date {as_of}"
        if age > limit:
            return path, f"{path} {value} is {age} days before {as_of}, more than {limit}"
        return None

    _check_each(scenario_world, check)


@_step(
    "Then",
    "each has <path> on or after the evaluation date",
    rf"each has {_PATH} on or after the evaluation date",
)
def assert_not_past(scenario_world: World, path: str) -> None:
    """Each selected record has a date at the field that is the evaluation date or later
    (an expiry, a contract end, a due date).
    Example: Then each has affiliation.contract_end on or after the evaluation date
    """
    as_of = scenario_world.governance.as_of

    def check(record: Record) -> tuple[str, str] | None:
        value = record.get(path)
        day = parse_date(value)
        if day is None:
            return path, f"{path} is {'missing' if value is None else repr(value) + ', not a date'}"
        if day < as_of:
            return path, f"{path} {value} is before the evaluation date {as_of}"
        return None

    _check_each(scenario_world, check)


@_step(
    "Then",
    "each has <path> within <N> days after <other path>",
    rf"each has {_PATH} within (?P<days>\d+) days after {_OTHER}",
)
def assert_within_days_of(scenario_world: World, path: str, days: str, other: str) -> None:
    """Each selected record has a date (or date-time) at the field that is at most N days
    after the date at another field of the same record, and not before it.
    Example: Then each has postmortem_completed within 10 days after resolved_at
    """
    limit = int(days)

    def check(record: Record) -> tuple[str, str] | None:
        start, end = parse_datetime(record.get(other)), parse_datetime(record.get(path))
        if end is None:
            return path, f"{path} is missing or not a date"
        if start is None:
            return other, f"{other} is missing or not a date"
        gap = (end - start).total_seconds() / 86400
        if gap > limit:
            return (
                path,
                f"{path} {record.get(path)} is {gap:.0f} days after {other}, more than {limit}",
            )
        if gap < 0:
            return path, f"{path} {record.get(path)} is before {other} {record.get(other)}"
        return None

    _check_each(scenario_world, check)


@_step(
    "Then",
    "<each | none> has <path> equal to <value>",
    rf"(?P<which>each|none) has {_PATH} equal to (?P<value>.+)",
)
def assert_equal(scenario_world: World, which: str, path: str, value: str) -> None:
    """Each (or no) selected record has the value at the field; the value is read as YAML,
    so true, 90 and P90D mean a boolean, a number and a text.
    Example: Then each has access_review.cadence equal to P90D
    """
    expected = _scalar(value)

    def check(record: Record) -> tuple[str, str] | None:
        actual = record.get(path)
        if which == "each" and actual != expected:
            shown = "missing" if actual is None else repr(actual)
            return path, f"{path} is {shown}, not {value}"
        if which == "none" and actual == expected:
            return path, f"{path} is {value}"
        return None

    _check_each(scenario_world, check)


@_step(
    "Then",
    "each has <path> naming an active person [with one of the roles <role>, <role>]",
    rf"each has {_PATH} naming an active person(?: with one of the roles (?P<roles>.+))?",
)
def assert_active_person(scenario_world: World, path: str, roles: str | None) -> None:
    """Each selected record names at least one person at the field (an id or a list of
    ids), and every person named there is active (status active, contract not ended) and,
    when roles are given, holds one of them.
    Example: Then each has approved_by naming an active person with one of the roles model-risk, risk-officer, head-of-mlops
    """
    facts = scenario_world.governance.facts
    wanted = {r.strip() for r in re.split(r",|\bor\b", roles) if r.strip()} if roles else None

    def check(record: Record) -> tuple[str, str] | None:
        names = _names(record.get(path))
        if not names:
            return path, f"{path} names nobody"
        problems = [p for p in (_person_problem(facts, n, wanted) for n in names) if p]
        return (path, f"{path}: {'; '.join(problems)}") if problems else None

    _check_each(scenario_world, check)


@_step(
    "Then",
    "each has a rollback authority who is an active person",
    r"each has a rollback authority who is an active person",
)
def assert_rollback_authority(scenario_world: World) -> None:
    """Each selected model names a primary rollback authority
    (ownership.rollback_authority.primary) who is an active person.
    Example: Then each has a rollback authority who is an active person
    """
    assert_active_person(scenario_world, "ownership.rollback_authority.primary", None)


@_step(
    "Then",
    "each has at least <N> [internal | external] rollback deputy",
    rf"each has at least {_COUNT} (?:(?P<who>internal|external) )?rollback deput(?:y|ies)",
)
def assert_deputies(scenario_world: World, count: str, who: str | None) -> None:
    """Each selected model has at least N active people among its rollback deputies
    (ownership.rollback_authority.deputies); with internal or external, only staff or
    only external specialists count. Deputies who left or whose contract ended do not.
    Example: Then each has at least one rollback deputy
    """
    assert_people_count(
        scenario_world, count, who, "ownership.rollback_authority.deputies", Kind.MODEL
    )


@_step(
    "Then",
    "each has at least <N> [internal | external] people in <path>",
    rf"each has at least {_COUNT} (?:(?P<who>internal|external) )?(?:active )?"
    rf"(?:person|people) in {_PATH}",
)
def assert_people_in(scenario_world: World, count: str, who: str | None, path: str) -> None:
    """Each selected record names at least N active people at the field; with internal or
    external, only staff or only external specialists count.
    Example: Then each has at least 1 internal person in ownership.rollback_authority.deputies
    """
    assert_people_count(scenario_world, count, who, path, None)


def assert_people_count(
    world: World, count: str, who: str | None, path: str, kind: Kind | None
) -> None:
    __tracebackhide__ = True
    facts, wanted = world.governance.facts, _count(count)
    label = f"active {who} " if who else "active "

    def check(record: Record) -> tuple[str, str] | None:
        names = _names(record.get(path))
        good = [n for n in names if _qualifies(facts, n, who or "")]
        if len(good) < wanted:
            listed = ", ".join(names) or "nobody"
            return path, (
                f"{path} has {len(good)} {label}{_plural(len(good), 'person', 'people')} "
                f"({listed}), needs {wanted}"
            )
        return None

    _check_each(world, check, (kind,) if kind else ())


@_step(
    "Then",
    "each has <path> not listed in <other path>",
    rf"each has {_PATH} not listed in {_OTHER}",
)
def assert_distinct(scenario_world: World, path: str, other: str) -> None:
    """Nobody named at the field is also named at another field of the same record (the
    validator is not a developer, the approver is not the requester).
    Example: Then each has validation.validator not listed in ownership.developers
    """

    def check(record: Record) -> tuple[str, str] | None:
        clash = sorted(set(_names(record.get(path))) & set(_names(record.get(other))))
        return (path, f"{', '.join(clash)} is also named in {other}") if clash else None

    _check_each(scenario_world, check)


@_step(
    "Then",
    "each has at least <N> entries in <path>",
    rf"each has at least {_COUNT} (?:entry|entries) in {_PATH}",
)
def assert_entries(scenario_world: World, count: str, path: str) -> None:
    """Each selected record has a list at the field with at least N entries.
    Example: Then each has at least 3 entries in escalation
    """
    wanted = _count(count)

    def check(record: Record) -> tuple[str, str] | None:
        value = record.get(path)
        size = len(value) if isinstance(value, list) else 0
        if size < wanted:
            return path, f"{path} has {size} {_plural(size, 'entry', 'entries')}, needs {wanted}"
        return None

    _check_each(scenario_world, check)


@_step(
    "Then",
    "no rotation has fewer than <N> [active] members",
    rf"no rotation has fewer than {_COUNT} (?P<active>active )?members",
)
def assert_rotation_size(scenario_world: World, count: str, active: str | None) -> None:
    """Each selected rotation lists at least N members; with 'active', only members who
    are active count (not those who left or whose contract ended).
    Example: Then no rotation has fewer than 2 active members
    """
    facts, wanted = scenario_world.governance.facts, _count(count)

    def check(record: Record) -> tuple[str, str] | None:
        members = _names(record.get("members"))
        counted = [m for m in members if _qualifies(facts, m, "")] if active else members
        if len(counted) < wanted:
            word = ("active " if active else "") + _plural(len(counted), "member", "members")
            listed = ", ".join(members) or "none"
            return "members", f"{len(counted)} {word} ({listed}), needs {wanted}"
        return None

    _check_each(scenario_world, check, (Kind.ROTATION,))


@_step(
    "Then",
    "at least <N> member(s) of each rotation <is | are> <internal | external>",
    rf"at least {_COUNT} members? of each rotation (?:is|are) (?P<who>internal|external)",
)
def assert_rotation_mix(scenario_world: World, count: str, who: str) -> None:
    """Each selected rotation has at least N active members who are staff (internal) or
    external specialists, so that knowledge stays when a contract ends.
    Example: Then at least one member of each rotation is internal
    """
    facts, wanted = scenario_world.governance.facts, _count(count)

    def check(record: Record) -> tuple[str, str] | None:
        members = _names(record.get("members"))
        good = [m for m in members if _qualifies(facts, m, who)]
        if len(good) < wanted:
            return "members", (
                f"{len(good)} active {who} {_plural(len(good), 'member', 'members')} "
                f"({', '.join(members) or 'none'}), needs {wanted}"
            )
        return None

    _check_each(scenario_world, check, (Kind.ROTATION,))


@_step(
    "Then",
    "each rotation has active members from at least <N> organisations",
    rf"each rotation has (?:active )?members from at least {_COUNT} organi[sz]ations",
)
def assert_rotation_organisations(scenario_world: World, count: str) -> None:
    """Each selected rotation has active members from at least N organisations
    (affiliation.organisation: the bank and each external firm count once).
    Example: Then each rotation has active members from at least 2 organisations
    """
    facts, wanted = scenario_world.governance.facts, _count(count)

    def check(record: Record) -> tuple[str, str] | None:
        people = [facts.people.get(m) for m in _names(record.get("members"))]
        orgs = sorted({p.organisation for p in people if p is not None and p.active})
        if len(orgs) < wanted:
            return (
                "members",
                f"active members come from {len(orgs)} organisation(s) ({', '.join(orgs) or 'none'}), needs {wanted}",
            )
        return None

    _check_each(scenario_world, check, (Kind.ROTATION,))


@_step("Then", "each is an active person", r"each is an active person")
def assert_each_active(scenario_world: World) -> None:
    """Each selected person is active: status active and, for an external specialist, a
    contract that has not ended by the evaluation date.
    Example: Then each is an active person
    """
    facts = scenario_world.governance.facts

    def check(record: Record) -> tuple[str, str] | None:
        problem = _person_problem(facts, record.id)
        if problem is None:
            return None
        field_name = (
            "status" if record.get("status", "active") != "active" else "affiliation.contract_end"
        )
        return field_name, problem

    _check_each(scenario_world, check, (Kind.PERSON,))


@_step("Then", "each has a DPIA on file", r"each has a DPIA on file")
def assert_dpia(scenario_world: World) -> None:
    """Each selected dataset (legal.dpia) or model (documentation.dpia) points to a data
    protection impact assessment that exists in the repository.
    Example: Then each has a DPIA on file
    """
    governance = scenario_world.governance

    def check(record: Record) -> tuple[str, str] | None:
        path = "legal.dpia" if record.kind is Kind.DATASET else "documentation.dpia"
        value = record.get(path)
        if not _present(value):
            return path, f"{path} is missing"
        problem = governance.file_problem(str(value))
        return (path, f"{path} '{value}' {problem}") if problem else None

    _check_each(scenario_world, check, (Kind.DATASET, Kind.MODEL))


@_step(
    "Then",
    "each has <path> pointing to a file in the repository",
    rf"each has {_PATH} pointing to a file in the repository",
)
def assert_repo_file(scenario_world: World, path: str) -> None:
    """Each selected record names, at the field, a file that exists in the repository
    (a runbook, a post-incident review, a model card).
    Example: Then each has operations.runbook pointing to a file in the repository
    """
    governance = scenario_world.governance

    def check(record: Record) -> tuple[str, str] | None:
        value = record.get(path)
        if not _present(value):
            return path, f"{path} is missing"
        problem = governance.file_problem(str(value))
        return (path, f"{path} '{value}' {problem}") if problem else None

    _check_each(scenario_world, check)


def _known_rule(world: World, rule_id: str) -> None:
    __tracebackhide__ = True
    known = world.governance.rule_kinds
    if rule_id not in known:
        close = difflib.get_close_matches(rule_id, list(known), n=3, cutoff=0.5)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        _fail(f"unknown rule '{rule_id}'{hint}: rules live in policies/rules/")


def _result_lines(result: Result) -> str:
    return "".join(f"\n      line {d.line}: {d.field}: {d.message}" for d in result.details)


@_step(
    "Then",
    "rule <rule id> <passes for each | passes for each, or is waived | is waived for each>",
    r"rule (?P<rule_id>[\w.-]+) (?P<how>passes for each, or is waived|passes for each|is waived for each)",
)
def assert_rule_on_selection(scenario_world: World, rule_id: str, how: str) -> None:
    """The rule, run on the inventory at the evaluation date with waivers applied, passes
    for each selected record (or, with 'or is waived', passes or is covered by a valid
    waiver; or is waived for each). A record the rule does not apply to breaks the step.
    Example: Then rule VAL-01-validation-current passes for each, or is waived
    """
    _known_rule(scenario_world, rule_id)
    results = {
        (r.kind, r.subject): r for r in scenario_world.governance.check.results if r.rule == rule_id
    }
    accepted = {
        "passes for each": {Status.PASS},
        "passes for each, or is waived": {Status.PASS, Status.WAIVED},
        "is waived for each": {Status.WAIVED},
    }[how]
    selection = scenario_world.current()
    broken = []
    for record in selection.records:
        result = results.get((record.kind, record.id))
        if result is None:
            broken.append(f"  {_where(record)}  {record.id}: rule {rule_id} does not apply to it")
        elif result.status not in accepted:
            state = {
                Status.FAIL: "fails",
                Status.PASS: "passes",
                Status.WAIVED: f"is waived by {result.waiver} until {result.waiver_expires}",
            }[result.status]
            broken.append(
                f"  {result.path}:{result.line}:{result.column}  {record.id}: "
                f"rule {rule_id} {state}{_result_lines(result)}"
            )
    if broken:
        verb = _plural(len(broken), "breaks", "break")
        _fail(
            f"{len(broken)} of {len(selection.records)} {selection.noun} {verb} it:\n"
            + "\n".join(broken)
        )


# -- rules on example records -----------------------------------------------------------

_section("Rules on an example record written in the scenario (Given, When, Then)")


def _record_from_table(rows: list[list[str]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if rows and [c.strip().lower() for c in rows[0]] == ["field", "value"]:
        rows = rows[1:]
    for row in rows:
        if len(row) != 2:
            _fail(f"each table row needs a field and a value, got {len(row)} cells: {row}")
        dotted, text = row[0].strip(), row[1].strip()
        target = data
        parts = dotted.split(".")
        for part in parts[:-1]:
            nested = target.setdefault(part, {})
            if not isinstance(nested, dict):
                _fail(f"field {dotted}: {part} already holds a value")
            target = nested
        target[parts[-1]] = _scalar(text)
    return data


@_step(
    "Given",
    "a <kind> record:",
    rf"an? (?P<kind_word>{_KINDS}) record:?",
)
def example_record(
    scenario_world: World,
    kind_word: str,
    docstring: str | None = None,
    datatable: list[list[str]] | None = None,
) -> None:
    """An example record written in the scenario, as YAML in a docstring (three double
    quotes) or as a table of field | value rows (dotted fields, YAML values). Only the
    fields the rules need are required; without an id it is called 'example'. It is
    checked inside the inventory being read, so it may name its people and rotations.
    Example: Given a model record:
    """
    if docstring is not None:
        document = parse_document(docstring.encode("utf-8"))
        if document.data is None or document.issues:
            issue = document.issues[0] if document.issues else None
            detail = f"line {issue.line}: {issue.message}" if issue else "not a mapping"
            _fail(f"the {kind_word} record is not valid YAML ({detail})")
        data = document.data
    elif datatable is not None:
        data = _record_from_table([list(map(str, row)) for row in datatable])
    else:
        _fail(
            f"write the {kind_word} record below the step: YAML between three double quotes, "
            "or a table of | field | value | rows"
        )
    scenario_world.example_kind = KIND_WORDS[kind_word]
    scenario_world.example_data = data
    scenario_world.example_results = None


@_step("When", "the rules are checked", r"the rules are checked")
def check_example(scenario_world: World) -> None:
    """Run the rules that apply to the example record's kind on it, at the evaluation date,
    inside the inventory being read (waiver examples run with every rule).
    Example: When the rules are checked
    """
    kind, data = scenario_world.example_kind, scenario_world.example_data
    if kind is None or data is None:
        _fail("no example record: start with 'Given a model record:' and the record below it")
    governance = scenario_world.governance
    only = (
        None
        if kind is Kind.WAIVER
        else [rule for rule, applies in governance.rule_kinds.items() if applies is kind]
    )
    _, _, results = evaluate_record(
        governance.example_files,
        kind,
        data,
        governance.inventory.schemas,
        only,
        governance.as_of,
    )
    scenario_world.example_results = list(results)


@_step(
    "Then",
    "rule <rule id> <fails for it | passes for it | does not apply to it>",
    r"rule (?P<rule_id>[\w.-]+) (?P<outcome>fails for it|passes for it|does not apply to it)",
)
def assert_rule_on_example(scenario_world: World, rule_id: str, outcome: str) -> None:
    """How the rule treated the example record: it fails, it passes, or its 'when' did
    not select the record.
    Example: Then rule MON-01-drift-thresholds fails for it
    """
    _known_rule(scenario_world, rule_id)
    if scenario_world.example_results is None:
        _fail("the rules have not been checked: add 'When the rules are checked' before this step")
    mine = [r for r in scenario_world.example_results if r.rule == rule_id]
    actual = mine[0] if mine else None
    got = (
        "does not apply to it"
        if actual is None
        else {Status.PASS: "passes for it", Status.FAIL: "fails for it"}.get(
            actual.status, f"is {actual.status.value} for it"
        )
    )
    if got != outcome:
        kind = scenario_world.example_kind.value if scenario_world.example_kind else "record"
        subject = (scenario_world.example_data or {}).get("id") or "example"
        details = _result_lines(actual) if actual is not None else ""
        _fail(
            f"rule {rule_id} {got}, but the scenario says it {outcome}: {kind} '{subject}'{details}"
        )
