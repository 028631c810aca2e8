"""Steps that select records: models by lifecycle, risk tier and use; all records of a
kind; one record by id; the people on rotations; datasets with personal data; incidents."""

from __future__ import annotations

import difflib

from compliance_tool.repository.kinds import Kind
from compliance_tool.scenarios.steps.catalogue import SELECTING
from compliance_tool.scenarios.steps.vocabulary import (
    IN_USE,
    KIND_WORDS,
    KINDS,
    LIFECYCLES,
    PLURAL_WORDS,
    PLURALS,
)
from compliance_tool.scenarios.steps.world import World, fail, is_present, records_of


@SELECTING.step(
    "Given",
    "the [<lifecycle>] models [in use] [with risk tier <tier>] [that affect people]",
    rf"the (?:(?P<lifecycle>{LIFECYCLES}) )?models(?P<in_use> in use)?"
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


@SELECTING.step("Given", "all <kind plural>", rf"all (?P<plural>{PLURALS})")
def select_all(scenario_world: World, plural: str) -> None:
    """Select every record of a kind: models, datasets, people, rotations, incidents,
    waivers or teams.
    Example: Given all rotations
    """
    kind = PLURAL_WORDS[plural]
    scenario_world.select(plural, kind, scenario_world.governance.inventory.records(kind))


@SELECTING.step(
    "Given",
    "the <kind> <id>",
    rf"the (?P<kind_word>{KINDS}) (?P<record_id>[A-Za-z0-9][\w.-]*)",
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
        fail(f"there is no {kind_word} '{record_id}' in the inventory{hint}")
    scenario_world.select(f"{kind_word} {record_id}", kind, [record])


@SELECTING.step(
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
    members = records_of(scenario_world, Kind.PERSON, sorted(governance.facts.rotations_of_person))
    if who == "external specialists":
        members = [p for p in members if p.get("affiliation.type") == "external"]
    elif who == "internal staff":
        members = [p for p in members if p.get("affiliation.type") != "external"]
    scenario_world.select(f"{who} on a rotation", Kind.PERSON, members)


@SELECTING.step("Given", "the datasets with personal data", r"the datasets with personal data")
def select_personal_datasets(scenario_world: World) -> None:
    """Select the datasets that hold personal data or derive from a dataset that does,
    through any number of lineage steps (aggregates of personal data included).
    Example: Given the datasets with personal data
    """
    facts = scenario_world.governance.facts
    records = [r for r in facts.datasets.values() if facts.personal_data(r.id)]
    scenario_world.select("datasets with personal data", Kind.DATASET, records)


@SELECTING.step(
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
        records = [r for r in records if is_present(r.get("resolved_at"))]
    else:
        records = [r for r in records if r.get("serious_incident.is_serious") is True]
    scenario_world.select(f"{which} incidents", Kind.INCIDENT, records)
