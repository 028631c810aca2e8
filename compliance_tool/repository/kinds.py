"""The kinds of governance file, where each lives, and which fields refer to what.

This is the one table of the data model's shape that code relies on: folders per kind,
reference fields (with their target kind) and fields that name repository files. The
validator, the rule engine, lineage and the diff all read it.
"""

from __future__ import annotations

import enum
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

API_VERSION = "governance/v1"
ID_PATTERN = r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}"
"""A record id, as the schemas' ``id`` definition has it: a letter or digit, then up to
127 letters, digits, '.', '_' or '-' (so an id is a safe file name and git path)."""
ID_RULE = "a letter or digit, then letters, digits, '.', '_' or '-'"
""":data:`ID_PATTERN` in words, for the messages that refuse an id."""


class Kind(enum.StrEnum):
    """A kind of governance file; the value is the ``kind:`` written in the file."""

    MODEL = "Model"
    DATASET = "Dataset"
    PERSON = "Person"
    TEAM = "Team"
    ROTATION = "Rotation"
    INCIDENT = "Incident"
    WAIVER = "Waiver"
    FRAMEWORK = "Framework"
    CONTROL = "Control"
    RULE = "Rule"
    OBSERVATION = "Observation"
    ROLE = "Role"

    @property
    def folder(self) -> str:
        """The repository folder that holds files of this kind."""
        return FOLDERS[self]

    @property
    def schema_name(self) -> str:
        """File name of this kind's JSON Schema in ``schemas/``."""
        return f"{self.value.lower()}.schema.json"


class Lifecycle(enum.StrEnum):
    """Where a model is in its life; order matters for 'in use' questions."""

    PROPOSED = "proposed"
    DEVELOPMENT = "development"
    VALIDATION = "validation"
    PRODUCTION = "production"
    DEPRECATED = "deprecated"
    RETIRED = "retired"


class Severity(enum.IntEnum):
    """Severity of a rule; ordered so that thresholds compare."""

    INFO = 0
    LOW = 1
    MEDIUM = 2
    HIGH = 3
    CRITICAL = 4

    @property
    def label(self) -> str:
        return self.name.lower()

    @classmethod
    def parse(cls, text: str) -> Severity:
        return cls[text.upper()]


FOLDERS: dict[Kind, str] = {
    Kind.MODEL: "inventory/models",
    Kind.DATASET: "inventory/datasets",
    Kind.PERSON: "inventory/people",
    Kind.TEAM: "inventory/teams",
    Kind.ROTATION: "inventory/rotations",
    Kind.INCIDENT: "inventory/incidents",
    Kind.WAIVER: "inventory/waivers",
    Kind.FRAMEWORK: "policies/frameworks",
    Kind.CONTROL: "policies/controls",
    Kind.RULE: "policies/rules",
    Kind.OBSERVATION: "inventory/observations",
    Kind.ROLE: "inventory/roles",
}
KIND_BY_FOLDER: dict[str, Kind] = {folder: kind for kind, folder in FOLDERS.items()}
ROOTS = ("inventory", "policies")
YAML_SUFFIXES = (".yaml", ".yml")


@dataclass(frozen=True, slots=True)
class RefField:
    """A field holding ids of another kind. ``*`` in ``pattern`` matches every list item."""

    pattern: tuple[str, ...]
    target: Kind | None
    """The kind named, or None when the target depends on the record (waiver subject)."""

    allow: frozenset[str] = frozenset()
    """Literal values that are not references (an escalation step 'to: rotation')."""


def _ref(spec: str, target: Kind | None, *allow: str) -> RefField:
    return RefField(tuple(spec.split(".")), target, frozenset(allow))


REFERENCES: dict[Kind, tuple[RefField, ...]] = {
    Kind.MODEL: (
        _ref("ownership.owner", Kind.PERSON),
        _ref("ownership.operator", Kind.PERSON),
        _ref("ownership.team", Kind.TEAM),
        _ref("ownership.developers.*", Kind.PERSON),
        _ref("ownership.rollback_authority.primary", Kind.PERSON),
        _ref("ownership.rollback_authority.deputies.*", Kind.PERSON),
        _ref("inputs.datasets.*.ref", Kind.DATASET),
        _ref("inputs.upstream_models.*", Kind.MODEL),
        _ref("operations.oncall", Kind.ROTATION),
        _ref("validation.validator", Kind.PERSON),
        _ref("approvals.*.by", Kind.PERSON),
    ),
    Kind.DATASET: (_ref("parents.*", Kind.DATASET), _ref("owner", Kind.PERSON)),
    Kind.PERSON: (_ref("teams.*", Kind.TEAM), _ref("roles.*", Kind.ROLE)),
    Kind.TEAM: (_ref("lead", Kind.PERSON), _ref("members.*", Kind.PERSON)),
    Kind.ROTATION: (
        _ref("team", Kind.TEAM),
        _ref("members.*", Kind.PERSON),
        _ref("escalation.*.to", Kind.PERSON, "rotation"),
    ),
    Kind.INCIDENT: (
        _ref("models.*", Kind.MODEL),
        _ref("commander", Kind.PERSON),
        _ref("actions.*.by", Kind.PERSON),
    ),
    Kind.WAIVER: (
        _ref("rule", Kind.RULE),
        _ref("requested_by", Kind.PERSON),
        _ref("approved_by", Kind.PERSON),
        _ref("subject.id", None),
    ),
    Kind.FRAMEWORK: (),
    Kind.CONTROL: (
        _ref("owner", Kind.TEAM),
        _ref("mappings.*.framework", Kind.FRAMEWORK),
        _ref("evidence.*.attested_by", Kind.PERSON),
        _ref("applies_from.framework", Kind.FRAMEWORK),
    ),
    Kind.RULE: (_ref("controls.*", Kind.CONTROL), _ref("applies_from.framework", Kind.FRAMEWORK)),
    Kind.OBSERVATION: (),
    Kind.ROLE: (_ref("rotations.*", Kind.ROTATION),),
}

FILE_FIELDS: dict[Kind, tuple[tuple[str, ...], ...]] = {
    Kind.MODEL: (
        ("operations", "runbook"),
        ("validation", "report"),
        ("documentation", "model_card"),
        ("documentation", "dpia"),
        ("risk", "eu_ai_act", "fria", "file"),
    ),
    Kind.DATASET: (("legal", "dpia"), ("contract",)),
    Kind.INCIDENT: (("postmortem",),),
    Kind.CONTROL: (("evidence", "*", "file"),),
}
"""Fields that name a file of the repository, which must exist inside it."""


def walk(
    data: Any, pattern: tuple[str, ...], at: tuple[str | int, ...] = ()
) -> Iterator[tuple[tuple[str | int, ...], Any]]:
    """Yield ``(path, value)`` for every value matching ``pattern`` (``*`` = each item)."""
    if not pattern:
        yield at, data
        return
    head, rest = pattern[0], pattern[1:]
    if head == "*":
        if isinstance(data, list):
            for index, item in enumerate(data):
                yield from walk(item, rest, (*at, index))
    elif isinstance(data, dict) and head in data:
        yield from walk(data[head], rest, (*at, head))


def linked_files(kind: Kind, data: Any) -> Iterator[str]:
    """The paths a record of ``kind`` links to through its :data:`FILE_FIELDS`."""
    for pattern in FILE_FIELDS.get(kind, ()):
        for _, value in walk(data, pattern):
            if isinstance(value, str):
                yield value


def dotted(path: tuple[str | int, ...]) -> str:
    """``('inputs', 'datasets', 0, 'ref')`` as ``inputs.datasets[0].ref``."""
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else part)
    return text
