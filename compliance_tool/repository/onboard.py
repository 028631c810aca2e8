"""``compliance-tool onboard``: a new person's file, and the rotations their role joins.

The file is the scaffold of ``compliance-tool new person`` with the role, affiliation and
team filled in and stubs for the access review and training that still read ``TODO``.
When the repository defines its roles (inventory/roles/), the role must be one of them,
and its record says what it requires and which rotations it joins; before that, a role is
a word, and the rotations it joins are those with a member who holds it today. Either way
the rotations are suggestions: none is edited.
"""

from __future__ import annotations

import datetime as dt
import difflib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ruamel.yaml import YAMLError
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from compliance_tool.errors import InventoryError
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.offboard import record_files, round_trip_yaml
from compliance_tool.repository.scaffold import PLACEHOLDER, scaffold
from compliance_tool.repository.schemas import SchemaSet

STUBS = ("accounts", "access_review", "training")
"""Optional fields of Person the onboarding file writes, to be filled in."""


@dataclass(frozen=True, slots=True)
class Newcomer:
    """Who joins, as the command line says it."""

    person: str
    role: str
    organisation: str | None = None
    contract_end: dt.date | None = None
    team: str | None = None


@dataclass(frozen=True, slots=True)
class Onboarding:
    """The new file's text, who holds the role already and the rotations it joins."""

    text: str
    holders: tuple[str, ...]
    rotations: tuple[str, ...]
    requires: tuple[str, ...] = ()
    """What the role's record requires, in words (nothing without a Role record)."""


def _records(root: Path, kind: Kind) -> list[Any]:
    yaml = round_trip_yaml()
    found = []
    for path in record_files(root, kind):
        try:
            data = yaml.load(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeError, YAMLError):  # validate reports a broken file
            continue
        if isinstance(data, dict):
            found.append(data)
    return found


def _present(person: Any, today: dt.date) -> bool:
    """Not left, and not an external whose contract has ended."""
    end = (person.get("affiliation") or {}).get("contract_end")
    return person.get("status") != "left" and not (isinstance(end, dt.date) and end < today)


def role_holders(root: Path, role: str, today: dt.date) -> list[str]:
    """The people who hold ``role`` on ``today``."""
    return sorted(
        str(p.get("id"))
        for p in _records(root, Kind.PERSON)
        if role in (p.get("roles") or []) and _present(p, today)
    )


def rotations_with(root: Path, members: list[str]) -> list[str]:
    """The rotations that have one of ``members`` as a member."""
    wanted = set(members)
    return sorted(
        str(r.get("id"))
        for r in _records(root, Kind.ROTATION)
        if wanted & set(r.get("members") or [])
    )


def _filler(newcomer: Newcomer) -> Any:
    def fill(document: CommentedMap) -> None:
        document["roles"] = CommentedSeq([newcomer.role])
        affiliation = document["affiliation"]
        if newcomer.organisation is not None:
            affiliation["type"] = "external"
            affiliation["organisation"] = newcomer.organisation
        if newcomer.contract_end is not None:
            affiliation["contract_end"] = newcomer.contract_end
        if newcomer.team is not None:
            document["teams"] = CommentedSeq([newcomer.team])
        document["access_review"]["last"] = PLACEHOLDER
        document["training"]["ai_literacy"] = PLACEHOLDER

    return fill


def plan_onboarding(
    root: Path, newcomer: Newcomer, schemas: SchemaSet, today: dt.date
) -> Onboarding:
    """The file of ``newcomer`` and the rotations their role joins."""
    optional = (*STUBS, "teams") if newcomer.team is not None else STUBS
    text = scaffold(
        Kind.PERSON, newcomer.person, schemas, today, optional=optional, fill=_filler(newcomer)
    )
    holders = role_holders(root, newcomer.role, today)
    roles = {str(r.get("id")): r for r in _records(root, Kind.ROLE)}
    record = roles.get(newcomer.role)
    if roles and record is None:
        close = difflib.get_close_matches(newcomer.role, list(roles), n=3)
        raise InventoryError(
            f"no role '{newcomer.role}' in {Kind.ROLE.folder}/",
            hint=f"did you mean {', '.join(close)}?"
            if close
            else "use one of: " + ", ".join(sorted(roles)),
        )
    if record is None:
        return Onboarding(text, tuple(holders), tuple(rotations_with(root, holders)))
    return Onboarding(
        text,
        tuple(holders),
        tuple(str(r) for r in record.get("rotations") or ()),
        _requires(record),
    )


def _requires(role: Any) -> tuple[str, ...]:
    """What a Role record requires of its holders, one line each."""
    requires = role.get("requires") or {}
    lines = [f"training: {t}" for t in requires.get("trainings") or ()]
    if requires.get("access_review"):
        lines.append("an access review (access_review)")
    lines += [f"access: {a}" for a in requires.get("access") or ()]
    return tuple(lines)
