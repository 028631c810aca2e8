"""Steps that follow references and lineage from the selected records (the datasets a
model is trained on, the rotations it is operated by, their members...), and steps that
keep part of the selection."""

from __future__ import annotations

from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Record
from compliance_tool.scenarios.steps.catalogue import FOLLOWING, NARROWING
from compliance_tool.scenarios.steps.vocabulary import PATH, PLURAL_WORDS, PLURALS
from compliance_tool.scenarios.steps.world import (
    World,
    fail,
    id_list,
    qualifies,
    records_of,
    yaml_value,
)


@FOLLOWING.step(
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
        fail(
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
        return records_of(scenario_world, Kind.DATASET, ids)

    noun = f"datasets they {how}" + (" (with lineage)" if lineage else "")
    scenario_world.follow(noun, Kind.DATASET, links)


@FOLLOWING.step("Given", "the datasets they derive from", r"the datasets they derive from")
def follow_ancestors(scenario_world: World) -> None:
    """From datasets, go to every dataset they derive from (parents, their parents...).
    Example: And the datasets they derive from
    """
    facts = scenario_world.governance.facts
    if scenario_world.current().kind is not Kind.DATASET:
        fail(
            f"this step starts from datasets, but the selection holds {scenario_world.current().noun}"
        )
    scenario_world.follow(
        "datasets they derive from",
        Kind.DATASET,
        lambda d: records_of(scenario_world, Kind.DATASET, facts.ancestors(d.id)),
    )


@FOLLOWING.step("Given", "their on-call rotations", r"their on-call rotations")
def follow_rotations(scenario_world: World) -> None:
    """From models, go to the rotations named in operations.oncall (models without one
    are left out: the rule ONC-01-model-on-call reports them).
    Example: And their on-call rotations
    """
    if scenario_world.current().kind is not Kind.MODEL:
        fail(
            f"this step starts from models, but the selection holds {scenario_world.current().noun}"
        )
    noun = f"on-call rotations of the {scenario_world.current().noun}"
    scenario_world.follow(
        noun,
        Kind.ROTATION,
        lambda m: records_of(scenario_world, Kind.ROTATION, id_list(m.get("operations.oncall"))),
    )


@FOLLOWING.step(
    "Given",
    "the members of those rotations",
    r"(?:the members of those rotations|their members)",
)
def follow_members(scenario_world: World) -> None:
    """From rotations, go to the people listed as their members, active or not.
    Example: And the members of those rotations
    """
    if scenario_world.current().kind is not Kind.ROTATION:
        fail(
            f"this step starts from rotations, but the selection holds {scenario_world.current().noun}"
        )
    scenario_world.follow(
        "members of those rotations",
        Kind.PERSON,
        lambda r: records_of(scenario_world, Kind.PERSON, id_list(r.get("members"))),
    )


@FOLLOWING.step(
    "Given",
    "the <kind plural> named in <path>",
    rf"the (?P<plural>{PLURALS}) named in {PATH}",
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
        lambda r: records_of(scenario_world, kind, id_list(r.get(path))),
    )


@NARROWING.step(
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
        fail(f"this step keeps datasets, but the selection holds {scenario_world.current().noun}")
    scenario_world.narrow("with personal data", lambda r: facts.personal_data(r.id))


@NARROWING.step(
    "Given",
    "only those with <path> equal to <value>",
    rf"only those with {PATH} equal to (?P<value>.+)",
)
def narrow_equal(scenario_world: World, path: str, value: str) -> None:
    """Keep the selected records whose field equals a value (read as YAML: true, 0.25,
    high).
    Example: And only those with risk.tier equal to high
    """
    expected = yaml_value(value)
    scenario_world.narrow(f"with {path} {value}", lambda r: r.get(path) == expected)


@NARROWING.step(
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
        fail(f"this step keeps people, but the selection holds {scenario_world.current().noun}")
    scenario_world.narrow(f"who are {who}", lambda r: qualifies(facts, r.id, who))
