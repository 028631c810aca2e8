"""``compliance-tool offboard``: the change set when a person leaves, and its writing.

Every record that names the person is read with ruamel.yaml's round trip, edited and
written back with its comments, key order, quoting and flow style. What follows from the
data is done (a member or deputy removed, the person's status or contract end recorded);
what a person must choose (a new owner, operator, rollback primary, team lead, or the only
deputy or member) is written as ``TODO``, which ``validate`` reports until it is filled
in; what the change set cannot decide at all (a waiver still valid that the person
requested or approved) is told, not edited.
"""

from __future__ import annotations

import datetime as dt
import difflib
import io
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ruamel.yaml import YAML, YAMLError
from ruamel.yaml.comments import CommentedMap, CommentedSeq

from compliance_tool.errors import InventoryError
from compliance_tool.repository.kinds import FOLDERS, YAML_SUFFIXES, Kind
from compliance_tool.repository.scaffold import PLACEHOLDER
from compliance_tool.repository.writing import write_outputs

EDITED_KINDS = (Kind.MODEL, Kind.DATASET, Kind.TEAM, Kind.ROTATION, Kind.WAIVER, Kind.PERSON)
"""The kinds whose records can name a person who leaves (incidents and approvals are
history: they keep the name)."""

INDENTS = ((2, 4, 2), (2, 2, 0))
"""Indentation styles (mapping, sequence, offset) tried, in order, for a round trip that
gives back a file's own bytes."""


def round_trip_yaml(indent: tuple[int, int, int] = INDENTS[0]) -> YAML:
    """A ruamel.yaml round-trip reader and writer that keeps quotes and long lines."""
    yaml = YAML(typ="rt")
    yaml.preserve_quotes = True
    yaml.width = 4096
    yaml.indent(mapping=indent[0], sequence=indent[1], offset=indent[2])
    return yaml


def dump(yaml: YAML, data: Any) -> str:
    """``data`` written by ``yaml`` as text."""
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


@dataclass(frozen=True, slots=True)
class Step:
    """One line of the change set: where, and what is done or to decide there."""

    path: str
    line: int
    text: str

    def format(self) -> str:
        return f"{self.path}:{self.line}: {self.text}"


@dataclass(frozen=True, slots=True)
class Edit:
    """One file's text before and after the change set."""

    path: str
    before: str
    after: str

    def diff(self) -> str:
        """The change as a unified diff, paths from the governance root."""
        lines = difflib.unified_diff(
            self.before.splitlines(keepends=True),
            self.after.splitlines(keepends=True),
            fromfile=f"a/{self.path}",
            tofile=f"b/{self.path}",
        )
        return "".join(lines)


@dataclass(frozen=True, slots=True)
class Offboarding:
    """The change set for ``person`` leaving on ``on``."""

    person: str
    on: dt.date
    edits: tuple[Edit, ...]
    changes: tuple[Step, ...]
    """What the edits do, line by line."""
    decisions: tuple[Step, ...]
    """What a person must decide: each TODO written, and what is not edited at all."""
    handovers: tuple[Step, ...]
    """Records and runbooks the person is accountable for, to hand over."""
    notes: tuple[str, ...] = ()

    @property
    def decided(self) -> bool:
        return not self.decisions


@dataclass
class _Planner:
    person: str
    on: dt.date
    today: dt.date
    can_leave: bool
    path: str = ""
    changes: list[Step] = field(default_factory=list)
    decisions: list[Step] = field(default_factory=list)
    handovers: list[Step] = field(default_factory=list)

    def add(self, bucket: list[Step], node: Any, key: Any, text: str) -> None:
        bucket.append(Step(self.path, _line(node, key), text))

    def why(self, what: str) -> str:
        return f"was {self.person}, left {self.on.isoformat()}: choose the new {what}"

    def todo(self, node: CommentedMap, key: str, where: str, what: str) -> None:
        """Replace the person at ``node[key]`` with TODO and say why on its line."""
        if node.get(key) != self.person:
            return
        self.add(self.decisions, node, key, f"{where}: TODO written: choose the new {what}")
        node[key] = PLACEHOLDER
        if key not in node.ca.items:  # an end-of-line comment of the file's own stays
            node.yaml_add_eol_comment(f"# {self.why(what)}", key)

    def leave_list(self, node: Any, key: str, where: str, what: str) -> None:
        """Remove the person from the list ``node[key]``; the only one: TODO instead."""
        seq = node.get(key) if isinstance(node, dict) else None
        if not isinstance(seq, list) or self.person not in seq:
            return
        index = seq.index(self.person)
        if len(seq) == 1:
            self.add(
                self.decisions,
                seq,
                index,
                f"{where}: {self.person} is the only {what}: TODO written: choose who replaces"
                " them",
            )
            seq[index] = PLACEHOLDER
            if (
                isinstance(seq, CommentedSeq)
                and not seq.fa.flow_style()
                and index not in seq.ca.items
            ):
                seq.yaml_add_eol_comment(f"# {self.why(what)}", index)
            return
        self.add(self.changes, seq, index, f"{where}: remove {self.person}")
        del seq[index]


def _line(node: Any, key: Any) -> int:
    """1-based line of ``key`` in the mapping or sequence ``node`` (1 when unknown)."""
    try:
        if isinstance(node, CommentedSeq):
            return int(node.lc.item(key)[0]) + 1
        return int(node.lc.key(key)[0]) + 1
    except (AttributeError, KeyError, IndexError, TypeError):
        return 1


def _model(plan: _Planner, data: CommentedMap) -> None:
    own = data.get("ownership")
    if not isinstance(own, CommentedMap):
        return
    record = f"model {data.get('id')}"
    for key in ("owner", "operator"):
        if own.get(key) == plan.person:
            runbook = (data.get("operations") or {}).get("runbook")
            extra = f" and its runbook {runbook}" if isinstance(runbook, str) else ""
            plan.add(plan.handovers, own, key, f"hand over {record} (its {key}){extra}")
        plan.todo(own, key, f"ownership.{key}", key)
    plan.leave_list(own, "developers", "ownership.developers", "developer")
    rollback = own.get("rollback_authority")
    if isinstance(rollback, CommentedMap):
        where = "ownership.rollback_authority"
        plan.todo(rollback, "primary", f"{where}.primary", "rollback primary")
        plan.leave_list(rollback, "deputies", f"{where}.deputies", "rollback deputy")


def _dataset(plan: _Planner, data: CommentedMap) -> None:
    if data.get("owner") == plan.person:
        plan.add(plan.handovers, data, "owner", f"hand over dataset {data.get('id')} (its owner)")
    plan.todo(data, "owner", "owner", "dataset owner")


def _team(plan: _Planner, data: CommentedMap) -> None:
    plan.todo(data, "lead", "lead", "team lead")
    plan.leave_list(data, "members", "members", "team member")


def _schedule(plan: _Planner, schedule: Any) -> None:
    """The person leaves every layer's hand-over order; their overrides are removed."""
    if not isinstance(schedule, CommentedMap):
        return
    layers = schedule.get("layers")
    for index, layer in enumerate(layers if isinstance(layers, list) else ()):
        where = f"schedule.layers[{index}].order"
        plan.leave_list(layer, "order", where, f"member of layer {layer.get('name', index + 1)}")
    overrides = schedule.get("overrides")
    if not isinstance(overrides, CommentedSeq):
        return
    for index in range(len(overrides) - 1, -1, -1):
        item = overrides[index]
        if isinstance(item, dict) and item.get("person") == plan.person:
            text = f"schedule.overrides: remove {plan.person}'s override from {item.get('from')}"
            plan.add(plan.changes, overrides, index, text)
            del overrides[index]


def _rotation(plan: _Planner, data: CommentedMap) -> None:
    plan.leave_list(data, "members", "members", "rotation member")
    _schedule(plan, data.get("schedule"))
    steps = data.get("escalation")
    if not isinstance(steps, CommentedSeq):
        return
    for index in range(len(steps) - 1, -1, -1):
        step = steps[index]
        if isinstance(step, dict) and step.get("to") == plan.person:
            level = step.get("level")
            plan.add(
                plan.changes, steps, index, f"escalation: remove level {level} ({plan.person})"
            )
            del steps[index]


def _waiver(plan: _Planner, data: CommentedMap) -> None:
    expires = data.get("expires")
    if isinstance(expires, dt.date) and expires < plan.on:
        return  # no longer waives anything: the names are history
    for key, role in (("requested_by", "requester"), ("approved_by", "approver")):
        if data.get(key) == plan.person:
            plan.add(
                plan.decisions,
                data,
                key,
                f"{key}: {plan.person} is the {role} of waiver {data.get('id')}, valid until "
                f"{expires}: not edited; decide whether it stands, is re-approved or withdrawn",
            )


def _person(plan: _Planner, data: CommentedMap) -> None:
    affiliation = data.get("affiliation")
    on = plan.on.isoformat()
    if isinstance(affiliation, CommentedMap) and affiliation.get("type") == "external":
        end = affiliation.get("contract_end")
        if not isinstance(end, dt.date) or end > plan.on:
            line_of = "contract_end" if "contract_end" in affiliation else "type"
            plan.add(plan.changes, affiliation, line_of, f"affiliation.contract_end: {on}")
            affiliation["contract_end"] = plan.on
    if plan.on > plan.today or not plan.can_leave:
        why = "a future date" if plan.can_leave else "the schema has no status 'left'"
        plan.add(
            plan.changes,
            data,
            "id",
            f"status not changed ({why}): run offboard again on or after {on} to set it",
        )
        return
    if data.get("status") == "left":
        return
    if "status" in data:
        data["status"] = "left"
    else:
        keys = list(data)
        data.insert(
            keys.index("affiliation") if "affiliation" in keys else len(keys), "status", "left"
        )
    plan.add(plan.changes, data, "id", "status: left")


EDITORS: dict[Kind, Callable[[_Planner, CommentedMap], None]] = {
    Kind.MODEL: _model,
    Kind.DATASET: _dataset,
    Kind.TEAM: _team,
    Kind.ROTATION: _rotation,
    Kind.WAIVER: _waiver,
    Kind.PERSON: _person,
}


def record_files(root: Path, kind: Kind) -> list[Path]:
    folder = root / kind.folder
    if not folder.is_dir():
        return []
    return sorted(p for p in folder.iterdir() if p.suffix in YAML_SUFFIXES and p.is_file())


def people(root: Path) -> list[str]:
    """The ids of the people of the repository at ``root`` (their file names)."""
    return [p.stem for p in record_files(root, Kind.PERSON)]


def unknown_person(root: Path, person: str) -> InventoryError | None:
    """The error for ``person`` when no file of ``inventory/people/`` is theirs."""
    known = people(root)
    if person in known:
        return None
    close = difflib.get_close_matches(person, known, n=3, cutoff=0.5)
    hint = (
        f"did you mean {', '.join(close)}?" if close else f"people are in {FOLDERS[Kind.PERSON]}/"
    )
    return InventoryError(f"no person {person!r} in the inventory", hint=hint)


def _load(path: str, text: str) -> tuple[YAML, Any, str | None]:
    """The round trip that gives ``text`` back, its data, and a note when none does."""
    for indent in INDENTS:
        yaml = round_trip_yaml(indent)
        try:
            data = yaml.load(text)
        except YAMLError as error:
            problem = str(error).splitlines()[0] if str(error) else type(error).__name__
            raise InventoryError(
                f"cannot read {path}: {problem}", hint=f"run 'compliance-tool validate {path}'"
            ) from None
        if dump(yaml, data) == text:
            return yaml, data, None
    return yaml, data, "its layout is not one the round trip keeps: check the diff"


def plan_offboarding(
    root: Path, person: str, on: dt.date, today: dt.date, can_leave: bool = True
) -> Offboarding:
    """The change set for ``person`` leaving on ``on`` (``today`` decides whether the
    status is set already; ``can_leave``: the Person schema has the status ``left``)."""
    error = unknown_person(root, person)
    if error is not None:
        raise error
    plan = _Planner(person, on, today, can_leave)
    edits: list[Edit] = []
    notes: list[str] = []
    for kind in EDITED_KINDS:
        for path in record_files(root, kind):
            text = path.read_text(encoding="utf-8")
            if kind is not Kind.PERSON and person not in text:
                continue
            if kind is Kind.PERSON and path.stem != person:
                continue
            plan.path = path.relative_to(root).as_posix()
            yaml, data, note = _load(plan.path, text)
            if not isinstance(data, CommentedMap):
                continue
            EDITORS[kind](plan, data)
            after = dump(yaml, data)
            if after != text:
                edits.append(Edit(plan.path, text, after))
                if note is not None:
                    notes.append(f"{plan.path}: {note}")
    return Offboarding(
        person,
        on,
        tuple(edits),
        tuple(plan.changes),
        tuple(plan.decisions),
        tuple(plan.handovers),
        tuple(notes),
    )


def uncommitted(root: Path, paths: list[str]) -> list[str] | None:
    """Those of ``paths`` (relative to ``root``) with changes git has not committed;
    None when git cannot tell (``root`` is in no git work tree, or git is missing)."""
    if not paths:
        return []
    try:
        done = subprocess.run(
            ["git", "status", "--porcelain", "-z", "--", *paths],
            cwd=root,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=60,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    if done.returncode != 0:
        return None
    top = subprocess.run(
        ["git", "rev-parse", "--show-toplevel"], cwd=root, capture_output=True, check=False
    )
    base = Path(top.stdout.decode().strip()) if top.returncode == 0 else root
    dirty = set()
    for entry in done.stdout.decode("utf-8", "replace").split("\0"):
        if len(entry) > 3:
            dirty.add((base / entry[3:]).resolve())
    return [p for p in paths if (root / p).resolve() in dirty]


def apply_offboarding(root: Path, plan: Offboarding) -> None:
    """Write every edited file of ``plan``, each atomically, together."""
    write_outputs({root / e.path: e.after.encode("utf-8") for e in plan.edits})
