"""Assertions about the people records name (active, of a role, internal or external,
not named twice) and about rotations (their size, their mix of staff and external
specialists, the organisations their members come from)."""

from __future__ import annotations

import re

from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Record
from compliance_tool.scenarios.steps.catalogue import ASSERTING
from compliance_tool.scenarios.steps.vocabulary import COUNT, OTHER, PATH
from compliance_tool.scenarios.steps.world import (
    World,
    check_each,
    count_of,
    id_list,
    noun_for,
    person_problem,
    qualifies,
)


@ASSERTING.step(
    "Then",
    "each has <path> naming an active person [with one of the roles <role>, <role>]",
    rf"each has {PATH} naming an active person(?: with one of the roles (?P<roles>.+))?",
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
        names = id_list(record.get(path))
        if not names:
            return path, f"{path} names nobody"
        problems = [p for p in (person_problem(facts, n, wanted) for n in names) if p]
        return (path, f"{path}: {'; '.join(problems)}") if problems else None

    check_each(scenario_world, check)


@ASSERTING.step(
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


@ASSERTING.step(
    "Then",
    "each has at least <N> [internal | external] rollback deputy",
    rf"each has at least {COUNT} (?:(?P<who>internal|external) )?rollback deput(?:y|ies)",
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


@ASSERTING.step(
    "Then",
    "each has at least <N> [internal | external] people in <path>",
    rf"each has at least {COUNT} (?:(?P<who>internal|external) )?(?:active )?"
    rf"(?:person|people) in {PATH}",
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
    """Fail naming each selected record (of ``kind``, when given) that names fewer than
    ``count`` active people at ``path`` (only internal or external ones, with ``who``)."""
    __tracebackhide__ = True
    facts, wanted = world.governance.facts, count_of(count)
    label = f"active {who} " if who else "active "

    def check(record: Record) -> tuple[str, str] | None:
        names = id_list(record.get(path))
        good = [n for n in names if qualifies(facts, n, who or "")]
        if len(good) < wanted:
            listed = ", ".join(names) or "nobody"
            return path, (
                f"{path} has {len(good)} {label}{noun_for(len(good), 'person', 'people')} "
                f"({listed}), needs {wanted}"
            )
        return None

    check_each(world, check, (kind,) if kind else ())


@ASSERTING.step(
    "Then",
    "each has <path> not listed in <other path>",
    rf"each has {PATH} not listed in {OTHER}",
)
def assert_distinct(scenario_world: World, path: str, other: str) -> None:
    """Nobody named at the field is also named at another field of the same record (the
    validator is not a developer, the approver is not the requester).
    Example: Then each has validation.validator not listed in ownership.developers
    """

    def check(record: Record) -> tuple[str, str] | None:
        clash = sorted(set(id_list(record.get(path))) & set(id_list(record.get(other))))
        return (path, f"{', '.join(clash)} is also named in {other}") if clash else None

    check_each(scenario_world, check)


@ASSERTING.step(
    "Then",
    "each has at least <N> entries in <path>",
    rf"each has at least {COUNT} (?:entry|entries) in {PATH}",
)
def assert_entries(scenario_world: World, count: str, path: str) -> None:
    """Each selected record has a list at the field with at least N entries.
    Example: Then each has at least 3 entries in escalation
    """
    wanted = count_of(count)

    def check(record: Record) -> tuple[str, str] | None:
        value = record.get(path)
        size = len(value) if isinstance(value, list) else 0
        if size < wanted:
            return path, f"{path} has {size} {noun_for(size, 'entry', 'entries')}, needs {wanted}"
        return None

    check_each(scenario_world, check)


@ASSERTING.step(
    "Then",
    "no rotation has fewer than <N> [active] members",
    rf"no rotation has fewer than {COUNT} (?P<active>active )?members",
)
def assert_rotation_size(scenario_world: World, count: str, active: str | None) -> None:
    """Each selected rotation lists at least N members; with 'active', only members who
    are active count (not those who left or whose contract ended).
    Example: Then no rotation has fewer than 2 active members
    """
    facts, wanted = scenario_world.governance.facts, count_of(count)

    def check(record: Record) -> tuple[str, str] | None:
        members = id_list(record.get("members"))
        counted = [m for m in members if qualifies(facts, m, "")] if active else members
        if len(counted) < wanted:
            word = ("active " if active else "") + noun_for(len(counted), "member", "members")
            listed = ", ".join(members) or "none"
            return "members", f"{len(counted)} {word} ({listed}), needs {wanted}"
        return None

    check_each(scenario_world, check, (Kind.ROTATION,))


@ASSERTING.step(
    "Then",
    "at least <N> member(s) of each rotation <is | are> <internal | external>",
    rf"at least {COUNT} members? of each rotation (?:is|are) (?P<who>internal|external)",
)
def assert_rotation_mix(scenario_world: World, count: str, who: str) -> None:
    """Each selected rotation has at least N active members who are staff (internal) or
    external specialists, so that knowledge stays when a contract ends.
    Example: Then at least one member of each rotation is internal
    """
    facts, wanted = scenario_world.governance.facts, count_of(count)

    def check(record: Record) -> tuple[str, str] | None:
        members = id_list(record.get("members"))
        good = [m for m in members if qualifies(facts, m, who)]
        if len(good) < wanted:
            return "members", (
                f"{len(good)} active {who} {noun_for(len(good), 'member', 'members')} "
                f"({', '.join(members) or 'none'}), needs {wanted}"
            )
        return None

    check_each(scenario_world, check, (Kind.ROTATION,))


@ASSERTING.step(
    "Then",
    "each rotation has active members from at least <N> organisations",
    rf"each rotation has (?:active )?members from at least {COUNT} organi[sz]ations",
)
def assert_rotation_organisations(scenario_world: World, count: str) -> None:
    """Each selected rotation has active members from at least N organisations
    (affiliation.organisation: the bank and each external firm count once).
    Example: Then each rotation has active members from at least 2 organisations
    """
    facts, wanted = scenario_world.governance.facts, count_of(count)

    def check(record: Record) -> tuple[str, str] | None:
        people = [facts.people.get(m) for m in id_list(record.get("members"))]
        orgs = sorted({p.organisation for p in people if p is not None and p.active})
        if len(orgs) < wanted:
            return (
                "members",
                f"active members come from {len(orgs)} organisation(s) ({', '.join(orgs) or 'none'}), needs {wanted}",
            )
        return None

    check_each(scenario_world, check, (Kind.ROTATION,))


@ASSERTING.step("Then", "each is an active person", r"each is an active person")
def assert_each_active(scenario_world: World) -> None:
    """Each selected person is active: status active and, for an external specialist, a
    contract that has not ended by the evaluation date.
    Example: Then each is an active person
    """
    facts = scenario_world.governance.facts

    def check(record: Record) -> tuple[str, str] | None:
        problem = person_problem(facts, record.id)
        if problem is None:
            return None
        field_name = (
            "status" if record.get("status", "active") != "active" else "affiliation.contract_end"
        )
        return field_name, problem

    check_each(scenario_world, check, (Kind.PERSON,))
