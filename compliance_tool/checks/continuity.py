"""Continuity: who keeps each production model running, and what breaks when people go.

For every production model: who can operate it (its operator and the members of its
on-call rotation), roll it back (the primary
rollback authority and the deputies) and be paged (the members of its on-call rotation and
the people its escalation chain names), each with their organisation and whether they are
active; its bus factor; and whether it depends on one external organisation alone.

Given departures (people by id, organisations by name) and a date at which contracts that
ended before it count as gone, :func:`continuity` also says what breaks: models that lose
their last active operator or rollback authority, rotations that fall below two active
members or lose every internal member, escalation steps that reach a departed person, and
runbooks whose only authors in git history have departed.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance_tool.checks.facts import is_active, parse_date
from compliance_tool.errors import GitError, InventoryError
from compliance_tool.repository.kinds import Kind, Lifecycle
from compliance_tool.repository.loader import Inventory, Record
from compliance_tool.repository.sources import open_repo, repo_prefix

OWN_STAFF = "own staff"
"""How internal staff without an organisation of their own are grouped."""

OPERATE = "operation"
ROLLBACK = "rollback"

CAPABILITIES = (OPERATE, ROLLBACK)
"""What a production model needs someone active for; its bus factor counts these."""

NO_GIT = "no git history"

_PATHS_PER_LOG = 500
"""Runbook paths given to one ``git log`` (a command line has a length limit)."""


@dataclass(frozen=True, slots=True)
class Holder:
    """A person in one capacity: who they are, for whom they work, whether active."""

    id: str
    name: str
    organisation: str
    external: bool
    active: bool


@dataclass(frozen=True, slots=True)
class ModelContinuity:
    id: str
    name: str
    rotation: str | None
    operators: tuple[Holder, ...]
    rollback: tuple[Holder, ...]
    paged: tuple[Holder, ...]
    bus_factor: int
    single_external_organisation: str | None
    loses: tuple[str, ...] = ()
    """The capabilities (:data:`CAPABILITIES`) it had an active person for and has none."""


@dataclass(frozen=True, slots=True)
class RotationBreak:
    id: str
    active_members: tuple[str, ...]
    departed_members: tuple[str, ...]
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class EscalationBreak:
    rotation: str
    level: int
    to: str


@dataclass(frozen=True, slots=True)
class RunbookBreak:
    path: str
    models: tuple[str, ...]
    authors: tuple[str, ...]
    """The people (ids) who wrote it, every one of them departed."""


@dataclass(frozen=True, slots=True)
class Continuity:
    """The continuity of the production models at one date, under a set of departures."""

    as_of: dt.date
    at: dt.date
    without: tuple[str, ...]
    scenario: bool
    """Whether departures or a later date were asked about (what breaks is reported)."""
    models: tuple[ModelContinuity, ...]
    departed: tuple[Holder, ...] = ()
    rotations: tuple[RotationBreak, ...] = ()
    escalations: tuple[EscalationBreak, ...] = ()
    runbooks: tuple[RunbookBreak, ...] = ()
    runbook_note: str | None = None
    """Why runbooks were not looked at (``no git history``), or None."""

    @property
    def breaks(self) -> bool:
        """Whether anything would break under the departures."""
        return bool(
            any(m.loses for m in self.models) or self.rotations or self.escalations or self.runbooks
        )

    @property
    def fragile(self) -> tuple[ModelContinuity, ...]:
        """Production models that one departure (or none) leaves without a capability."""
        return tuple(m for m in self.models if m.bus_factor <= 1)

    @property
    def passed(self) -> bool:
        return not self.breaks and not self.fragile


@dataclass(frozen=True, slots=True)
class _Person:
    record: Record
    organisation: str
    external: bool
    status: str
    contract_end: dt.date | None

    def active_at(self, day: dt.date) -> bool:
        return is_active(self.status, self.contract_end, day)


def _people(inventory: Inventory) -> dict[str, _Person]:
    found = {}
    for record in inventory.records(Kind.PERSON):
        affiliation = record.data.get("affiliation") or {}
        external = affiliation.get("type") == "external"
        organisation = str(affiliation.get("organisation") or "")
        found[record.id] = _Person(
            record,
            organisation or ("" if external else OWN_STAFF),
            external,
            str(record.data.get("status", "active")),
            parse_date(affiliation.get("contract_end")),
        )
    return found


def resolve_departures(people: dict[str, _Person], names: tuple[str, ...]) -> set[str]:
    """The ids of the people that ``names`` (person ids or organisation names, any case)
    name; InventoryError, with the closest known names, for a name that names nobody."""
    by_id = {p.lower(): p for p in people}
    organisations: dict[str, set[str]] = {}
    for person_id, person in people.items():
        if person.organisation:
            organisations.setdefault(person.organisation.lower(), set()).add(person_id)
    gone: set[str] = set()
    for name in names:
        key = name.strip().lower()
        if key in by_id:
            gone.add(by_id[key])
        elif key in organisations:
            gone |= organisations[key]
        else:
            known = sorted(people) + sorted({p.organisation for p in people.values()} - {""})
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
            lowered = {k.lower(): k for k in known}
            close += [
                lowered[c]
                for c in difflib.get_close_matches(key, list(lowered), n=3, cutoff=0.5)
                if lowered[c] not in close
            ]
            hint = f"did you mean {', '.join(repr(c) for c in close[:3])}?" if close else None
            raise InventoryError(
                f"--without '{name}' names no person id and no organisation of the inventory",
                hint=hint or "give a Person id or an affiliation.organisation",
            )
    return gone


class _World:
    """Who is active before and after the departures."""

    def __init__(self, inventory: Inventory, as_of: dt.date, at: dt.date, gone: set[str]):
        self.people = _people(inventory)
        self.before = {p for p, person in self.people.items() if person.active_at(min(as_of, at))}
        self.after = {p for p in self.before if p not in gone and self.people[p].active_at(at)}
        self.rotations = {r.id: r for r in inventory.records(Kind.ROTATION)}

    def holder(self, person_id: str) -> Holder:
        person = self.people.get(person_id)
        if person is None:
            return Holder(person_id, person_id, "", False, False)
        return Holder(
            person_id,
            person.record.name,
            person.organisation,
            person.external,
            person_id in self.after,
        )

    def members(self, rotation_id: str | None) -> list[str]:
        rotation = self.rotations.get(rotation_id or "")
        return [str(m) for m in (rotation.data.get("members") or [])] if rotation else []

    def escalation(self, rotation_id: str | None) -> list[tuple[int, str]]:
        rotation = self.rotations.get(rotation_id or "")
        steps = (rotation.data.get("escalation") or []) if rotation else []
        return [
            (int(s.get("level", 0)), str(s["to"]))
            for s in steps
            if isinstance(s, dict) and s.get("to") and str(s["to"]) != "rotation"
        ]


def _unique(ids: list[str]) -> list[str]:
    return list(dict.fromkeys(i for i in ids if i))


def capabilities(
    model: Record | dict[str, Any], on_call: list[str] | tuple[str, ...] = ()
) -> dict[str, list[str]]:
    """Who can do what a production model needs: :data:`CAPABILITIES` -> person ids. The
    model (a record or its data) is operated by its accountable operator and by the
    members of its on-call rotation (``on_call``), who run it when they are paged; it is
    rolled back by the rollback authority and its deputies."""
    data = model.data if isinstance(model, Record) else model
    ownership = data.get("ownership") or {}
    rollback = ownership.get("rollback_authority") or {}
    deputies = rollback.get("deputies") or []
    return {
        OPERATE: _unique([str(ownership.get("operator") or ""), *on_call]),
        ROLLBACK: _unique([str(rollback.get("primary") or ""), *(str(d) for d in deputies)]),
    }


def bus_factor(able: dict[str, list[str]], active: set[str]) -> int:
    """The fewest departures that leave some capability without an active person: the
    smallest count, over the capabilities, of the active people able to do it."""
    return min((sum(1 for p in people if p in active) for people in able.values()), default=0)


def single_organisation(holders: dict[str, list[Holder]]) -> str | None:
    """The external organisation that alone holds some capability (every active person
    able to do it is external and works for it), or None."""
    for capability in CAPABILITIES:
        active = [h for h in holders.get(capability, []) if h.active]
        organisations = {h.organisation for h in active}
        if active and all(h.external for h in active) and len(organisations) == 1:
            return organisations.pop() or None
    return None


def _model(world: _World, record: Record, scenario: bool) -> ModelContinuity:
    rotation = (record.data.get("operations") or {}).get("oncall")
    rotation_id = str(rotation) if rotation else None
    able = capabilities(record, world.members(rotation_id))
    paged_ids = _unique(
        [*world.members(rotation_id), *(to for _, to in world.escalation(rotation_id))]
    )
    holders = {c: [world.holder(p) for p in ids] for c, ids in able.items()}
    loses = tuple(
        c
        for c, ids in able.items()
        if scenario
        and any(p in world.before for p in ids)
        and not any(p in world.after for p in ids)
    )
    return ModelContinuity(
        record.id,
        record.name,
        rotation_id,
        tuple(holders[OPERATE]),
        tuple(holders[ROLLBACK]),
        tuple(world.holder(p) for p in paged_ids if p not in world.rotations),
        bus_factor(able, world.after),
        single_organisation(holders),
        loses,
    )


def _rotation_break(world: _World, rotation_id: str) -> RotationBreak | None:
    members = world.members(rotation_id)
    before = [m for m in members if m in world.before]
    after = [m for m in members if m in world.after]
    reasons = []
    if len(before) >= 2 and len(after) < 2:
        reasons.append("fewer than two active members")

    def internal(ids: list[str]) -> bool:
        return any(not world.people[m].external for m in ids)

    if internal(before) and not internal(after):
        reasons.append("no internal member")
    if not reasons:
        return None
    departed = tuple(m for m in before if m not in world.after)
    return RotationBreak(rotation_id, tuple(after), departed, tuple(reasons))


def continuity(
    inventory: Inventory,
    as_of: dt.date,
    *,
    at: dt.date | None = None,
    without: tuple[str, ...] = (),
    history: bool = True,
) -> Continuity:
    """The continuity of every production model at ``as_of``, and what breaks when the
    people ``without`` names leave and the contracts ending before ``at`` have ended."""
    at = at or as_of
    world = _World(inventory, as_of, at, resolve_departures(_people(inventory), without))
    scenario = bool(without) or at != as_of
    production = sorted(
        (
            r
            for r in inventory.records(Kind.MODEL)
            if r.data.get("lifecycle") == Lifecycle.PRODUCTION
        ),
        key=lambda r: r.id,
    )
    models = tuple(_model(world, r, scenario) for r in production)
    result = Continuity(as_of, at, tuple(without), scenario, models)
    if not scenario:
        return result
    departed = sorted(world.before - world.after)
    used = sorted({m.rotation for m in models if m.rotation in world.rotations} - {None})
    rotations = [b for b in (_rotation_break(world, str(r)) for r in used) if b is not None]
    escalations = [
        EscalationBreak(str(r), level, to)
        for r in used
        for level, to in world.escalation(str(r))
        if to in departed
    ]
    runbooks: list[RunbookBreak] = []
    note: str | None = None
    if history:
        runbooks, note = _runbook_breaks(inventory, world, production, set(departed))
    return Continuity(
        as_of,
        at,
        tuple(without),
        True,
        models,
        tuple(world.holder(p) for p in departed),
        tuple(rotations),
        tuple(escalations),
        tuple(runbooks),
        note,
    )


def _runbook_breaks(
    inventory: Inventory, world: _World, production: list[Record], departed: set[str]
) -> tuple[list[RunbookBreak], str | None]:
    paths: dict[str, list[str]] = {}
    for record in production:
        runbook = (record.data.get("operations") or {}).get("runbook")
        if isinstance(runbook, str) and runbook:
            paths.setdefault(runbook, []).append(record.id)
    try:
        authors = runbook_authors(inventory.source.root, inventory.source.commit, sorted(paths))
    except GitError:
        return [], NO_GIT
    who = _identities(world)
    found = []
    for path, models in sorted(paths.items()):
        matched = [_match(who, email, name) for email, name in authors.get(path, ())]
        people = _unique([p or "" for p in matched])
        if people and None not in matched and all(p in departed for p in people):
            found.append(RunbookBreak(path, tuple(models), tuple(people)))
    return found, None


def _identities(world: _World) -> dict[str, str]:
    """Lower-cased email address or account handle -> person id."""
    found: dict[str, str] = {}
    for person_id, person in world.people.items():
        accounts: dict[str, Any] = person.record.data.get("accounts") or {}
        for handle in accounts.values():
            if isinstance(handle, str) and handle.strip("@"):
                found.setdefault(handle.strip("@").lower(), person_id)
        email = person.record.data.get("email")
        if isinstance(email, str) and email:
            found[email.lower()] = person_id
    return found


def runbook_authors(
    root: Path, commit: str | None, paths: list[str]
) -> dict[str, list[tuple[str, str]]]:
    """path -> the authors of every commit reachable from ``commit`` (HEAD when None) that
    changed it, as (email, name), newest first. GitError when ``root`` is in no git repository."""
    import git

    repo = open_repo(root)
    prefix = repo_prefix(repo, root)
    found: dict[str, list[tuple[str, str]]] = {}
    for start in range(0, len(paths), _PATHS_PER_LOG):
        chunk = [prefix + p for p in paths[start : start + _PATHS_PER_LOG]]
        args = ["git", "--literal-pathspecs", "log", "--format=%x1e%ae%x00%an", "--name-only"]
        try:
            output = str(repo.git.execute([*args, "--no-renames", commit or "HEAD", "--", *chunk]))
        except git.GitCommandError:
            raise GitError("git log failed", hint="check the repository") from None
        for entry in output.split("\x1e"):
            header, _, names = entry.strip("\n").partition("\n")
            if "\x00" not in header:
                continue
            email, _, name = header.partition("\x00")
            for line in names.splitlines():
                path = line.strip()[len(prefix) :]
                if path:
                    found.setdefault(path, []).append((email, name))
    return found


def _match(who: dict[str, str], email: str, name: str) -> str | None:
    """The person who wrote a commit: by email address, else by an account handle equal
    to the author's name or to the handle of a GitHub no-reply address."""
    local, _, domain = email.lower().partition("@")
    handles = [name.lower()]
    if domain.endswith("users.noreply.github.com"):
        handles.append(local.split("+")[-1])
    for key in (email.lower(), *handles):
        if key in who:
            return who[key]
    return None
