"""Fuzzing of the governance files: whatever a file holds, `validate` and `check` answer
with a documented exit code (0, 1 or 2) and a message, never a traceback or an internal
error, and a run that uses the cache says exactly what a run with `--no-cache` says.

Hypothesis draws one to three edits of the files of a repository: bytes flipped, the file
cut short, a line deleted, duplicated or re-indented, raw text inserted, a value replaced
(a huge number, a far-future date, a huge duration, text with control or bidi characters,
a YAML tag, an alias bomb, a list or a mapping), a value's type swapped, a key deleted, an
id renamed (to new text or to another record's id). Each example starts from the valid
repository and from the cache its earlier runs left, so a stale entry would be served if
the cache trusted anything but content. Examples are derived from the test's name
(``derandomize``), so every run, locally and in CI, tries the same inputs.

The repositories are the minimal one (every kind of file and reference once, so many
examples fit) and a copy of the sample (its 36 rules, custom rules and waivers).
"""

from __future__ import annotations

import datetime as dt
import io
import json
import re
import shutil
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML
from support.cli import quiet_env, run
from support.repos import AS_OF_TEXT, copy_sample, write_minirepo

from compliance_tool.cli import cli

DOCUMENTED_EXITS = frozenset({0, 1, 2})
"""0 passed, 1 findings, 2 usage or input error; 3 (internal error) is always a bug."""

COMMANDS = (("validate",), ("check", "--as-of", AS_OF_TEXT))

CACHE = ".compliance-cache"


# -- edits -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Raw:
    """YAML text put in place of a value as it is written (tags, aliases, escapes)."""

    text: str


PLACEHOLDER = "fuzz-raw-value-placeholder"


def _alias_bomb(levels: int) -> str:
    """A flow sequence whose anchors each repeat the previous one ten times."""
    parts = ["&a0 [x, x, x, x, x, x, x, x, x, x]"]
    for level in range(1, levels):
        parts.append(f"&a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    return "[" + ", ".join(parts) + "]"


RAW_VALUES = [
    Raw(_alias_bomb(9)),  # billion laughs
    Raw(_alias_bomb(3)),  # a thousand values: allowed, reaches the schema and the rules
    Raw("&r [*r]"),
    Raw("[" * 80 + "]" * 80),
    Raw("!!python/object/apply:os.system [echo]"),
    Raw("!!python/name:os.system"),
    Raw("!!binary aGVsbG8="),
    Raw("!!set {a, b}"),
    Raw("!!omap [a: 1]"),
    Raw("!!timestamp 2026-01-01"),
    Raw("!!str 2026-01-01"),
    Raw("!!int '12'"),
    Raw("!!float x"),
    Raw("!custom value"),
    Raw("!<tag:example.com,2026:x> y"),
    Raw('"\\ud800"'),  # a lone surrogate, by YAML escape
    Raw('"\\0\\a\\e"'),
    Raw('"\\u202egnirocs-tiderc"'),
    Raw("9999-12-31T23:59:59Z"),
    Raw("0000-00-00"),
    Raw("2026-02-30"),
    Raw(".nan"),
    Raw("-.inf"),
    Raw("0x7fffffffffffffffffff"),
    Raw("1e400"),
    Raw("9" * 5000),  # above Python's limit for converting text to int
    Raw("yes"),
    Raw("~"),
    Raw("'x' * 2"),
    Raw('"' + "x" * (1 << 20) + '"'),  # the file above the size limit
]
"""Values that only YAML text can say."""

INTERESTING = [
    10**400,
    -(2**63),
    2**64 + 1,
    float("nan"),
    float("inf"),
    1e308,
    dt.date(9999, 12, 31),
    dt.date(1, 1, 1),
    dt.datetime(9999, 12, 31, 23, 59, 59),
    "9999-12-31",
    "P9999Y",
    "P99999999999999D",
    "PT99999999999H",
    "P0D",
    "-P1D",
    "P",
    "\u202egnirocs-tiderc",
    "Tobias B\u0430uer",
    "a\u2066b\u2069",
    "\u200b",
    "\x7f\x85\x9b",
    "\ufeff",
    "line\u2028separator",
    "",
    None,
    True,
    [],
    {},
    [None],
    {"": None},
    {"a": {"b": [1, {"c": None}]}},
]
"""Values that break assumptions about sizes, dates, durations, text and types."""

VALUES: st.SearchStrategy[Any] = st.one_of(
    st.sampled_from(INTERESTING),
    st.sampled_from(RAW_VALUES),
    st.integers(),
    st.dates(),
    st.text(max_size=12).map(lambda s: Raw(json.dumps(s, ensure_ascii=False))),
    st.from_regex(r"\AP(T?[0-9]{1,19}[YMWDHS])+\Z").filter(lambda s: not s.endswith("T")),
    st.lists(st.text(max_size=6), max_size=3),
)


@dataclass(frozen=True)
class FlipByte:
    at: int
    mask: int

    def apply(self, raw: bytes, context: Context) -> bytes:
        if not raw:
            return raw
        at = self.at % len(raw)
        return raw[:at] + bytes([raw[at] ^ self.mask]) + raw[at + 1 :]


@dataclass(frozen=True)
class Truncate:
    at: int

    def apply(self, raw: bytes, context: Context) -> bytes:
        return raw[: self.at % (len(raw) + 1)]


@dataclass(frozen=True)
class LineEdit:
    """Delete, duplicate or re-indent one line, or insert raw text before it."""

    action: str
    line: int
    text: str = ""

    def apply(self, raw: bytes, context: Context) -> bytes:
        lines = raw.split(b"\n")
        at = self.line % len(lines)
        text = self.text.encode("utf-8", "surrogatepass")
        if self.action == "delete":
            del lines[at]
        elif self.action == "duplicate":
            lines.insert(at, lines[at])
        elif self.action == "indent":
            lines[at] = text + lines[at].lstrip(b" \t")
        else:
            lines.insert(at, text)
        return b"\n".join(lines)


@dataclass(frozen=True)
class TreeEdit:
    """Replace, delete or retype the ``node``-th value of the document (depth first)."""

    action: str
    node: int
    value: Any = None

    def apply(self, raw: bytes, context: Context) -> bytes:
        document = _load(raw)
        if document is None:
            return raw
        slots = list(_slots(document))
        if not slots:
            return raw
        parent, key = slots[self.node % len(slots)]
        if self.action == "delete":
            del parent[key]
        elif self.action == "swap":
            parent[key] = _swapped(parent[key])
        else:
            parent[key] = PLACEHOLDER if isinstance(self.value, Raw) else self.value
        return _dump(document, self.value if isinstance(self.value, Raw) else None)


@dataclass(frozen=True)
class Extreme:
    """Replace the ``node``-th date, duration, text or number of the document with one of
    its own type (so that the file may stay valid and reach the rules): ``date``,
    ``duration``, ``text`` or ``number``, whichever fits."""

    node: int
    date: dt.date
    duration: str
    text: str
    number: int

    def apply(self, raw: bytes, context: Context) -> bytes:
        document = _load(raw)
        if document is None:
            return raw
        slots = [
            (parent, key)
            for parent, key in _slots(document)
            if isinstance(parent[key], dt.date | str | int) and key != "id"
        ]
        if not slots:
            return raw
        parent, key = slots[self.node % len(slots)]
        value = parent[key]
        if isinstance(value, bool):
            parent[key] = not value
        elif isinstance(value, dt.date):
            parent[key] = self.date
        elif isinstance(value, int):
            parent[key] = self.number
        elif DURATION.match(value):
            parent[key] = self.duration
        else:
            parent[key] = self.text
        return _dump(document, None)


DURATION = re.compile(r"-?P[0-9T]")

DATES = (
    st.sampled_from(
        [
            dt.date(9999, 12, 31),
            dt.date(1, 1, 1),
            dt.date(1970, 1, 1),
            dt.date(2026, 11, 25),
            dt.date(2026, 11, 26),
            dt.date(2026, 11, 27),
        ]
    )
    | st.dates()
)

DURATIONS = st.sampled_from(
    ["P9999Y", "P99999999999999D", "PT99999999999H", "P100000W", "P0D", "PT0S", "P1D", "P90D"]
) | st.from_regex(r"\AP[0-9]{1,19}[YMWD]\Z")

TEXTS = st.sampled_from(
    [
        "\u202egnirocs-tiderc",
        "Tobias B\u0430uer",
        "a\u2066b",
        "x\u200by",
        "\x7f",
        "\u0085",
        "x" * 10_000,
        "",
        " ",
        "Ωmega",
        "<b>&amp;</b>",
    ]
) | st.text(max_size=16)

NUMBERS = st.sampled_from([0, -1, 10**400, 2**63, 2**64 + 1]) | st.integers()


@dataclass(frozen=True)
class RenameId:
    """Give the record a new id, or the id of the ``other``-th file's record."""

    new: str | None = None
    other: int = 0

    def apply(self, raw: bytes, context: Context) -> bytes:
        document = _load(raw)
        if document is None or not hasattr(document, "keys"):
            return raw
        document["id"] = (
            self.new if self.new is not None else context.ids[self.other % len(context.ids)]
        )
        return _dump(document, None)


@dataclass(frozen=True)
class SetField:
    """Set the value at a dotted path of the document (explicit examples only)."""

    path: str
    value: Any

    def apply(self, raw: bytes, context: Context) -> bytes:
        document = _load(raw)
        *parents, last = self.path.split(".")
        node = document
        for part in parents:
            node = node[part]
        node[last] = PLACEHOLDER if isinstance(self.value, Raw) else self.value
        return _dump(document, self.value if isinstance(self.value, Raw) else None)


Edit = FlipByte | Truncate | LineEdit | TreeEdit | Extreme | RenameId | SetField

EDITS: st.SearchStrategy[Edit] = st.one_of(
    st.builds(FlipByte, st.integers(0, 1 << 16), st.integers(1, 255)),
    st.builds(Truncate, st.integers(0, 1 << 16)),
    st.builds(LineEdit, st.sampled_from(["delete", "duplicate"]), st.integers(0, 200)),
    st.builds(
        LineEdit,
        st.just("indent"),
        st.integers(0, 200),
        st.sampled_from(["", " ", "   ", "\t", "        ", "\u3000"]),
    ),
    st.builds(
        LineEdit,
        st.just("insert"),
        st.integers(0, 200),
        st.sampled_from(
            ["---", "...", "%YAML 1.1", "? [a, b]", "<<: *x", "\x00", "\ufeff", "id: dup"]
        )
        | st.text(max_size=10),
    ),
    st.builds(TreeEdit, st.just("replace"), st.integers(0, 200), VALUES),
    st.builds(TreeEdit, st.sampled_from(["delete", "swap"]), st.integers(0, 200)),
    st.builds(Extreme, st.integers(0, 200), DATES, DURATIONS, TEXTS, NUMBERS),
    st.builds(RenameId, st.none() | st.text(max_size=10), st.integers(0, 1000)),
)


def _yaml() -> YAML:
    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.allow_unicode = True
    return yaml


def _load(raw: bytes) -> Any:
    """The file read round-trip (comments and formats kept), or None when it is not YAML
    any more (an earlier edit broke it): the edit then changes nothing."""
    try:
        return _yaml().load(raw.decode("utf-8"))
    except Exception:
        return None


def _dump(document: Any, raw: Raw | None) -> bytes:
    out = io.StringIO()
    _yaml().dump(document, out)
    text = out.getvalue()
    if raw is not None:
        text = text.replace(PLACEHOLDER, raw.text, 1)
    return text.encode("utf-8", "surrogatepass")


def _slots(node: Any) -> Iterator[tuple[Any, Any]]:
    """Every (container, key) of a document, depth first."""
    if hasattr(node, "keys"):
        for key in list(node.keys()):
            yield node, key
            yield from _slots(node[key])
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield node, index
            yield from _slots(item)


def _swapped(value: Any) -> Any:
    """A list for a mapping, a mapping for a list, a list of the value for a scalar."""
    if hasattr(value, "keys"):
        return list(value.values())
    if isinstance(value, list):
        return {str(index): item for index, item in enumerate(value)}
    return [value]


# -- repositories and runs -------------------------------------------------------------


@dataclass(repr=False)
class Context:
    """A repository under fuzzing: its valid files, their ids, and the cache its valid
    state left."""

    root: Path
    files: list[str]
    pristine: dict[str, bytes]
    ids: list[str]
    cache: Path
    edited: set[str] = field(default_factory=set)

    def __repr__(self) -> str:  # what Hypothesis prints of a failing example
        return f"Context({self.root.name}, {len(self.files)} files)"

    def restore(self) -> None:
        """Back to the valid files and the cache their runs left."""
        for relative in self.edited:
            (self.root / relative).write_bytes(self.pristine[relative])
        self.edited.clear()
        shutil.rmtree(self.root / CACHE, ignore_errors=True)
        shutil.copytree(self.cache, self.root / CACHE)


def _context(root: Path) -> Context:
    files = sorted(
        p.relative_to(root).as_posix()
        for tree in ("inventory", "policies")
        for p in (root / tree).rglob("*.yaml")
    )
    pristine = {relative: (root / relative).read_bytes() for relative in files}
    ids = sorted({str(_load(data)["id"]) for data in pristine.values()})
    for command in COMMANDS:  # fill the cache, and make sure the valid state is clean
        result = _run(root, command, cache=True)
        assert result.exit_code in (0, 1), result.output
    cache = root.parent / "valid-cache"
    shutil.copytree(root / CACHE, cache)
    return Context(root, files, pristine, ids, cache)


@pytest.fixture(scope="module")
def minimal(tmp_path_factory: pytest.TempPathFactory) -> Context:
    return _context(write_minirepo(tmp_path_factory.mktemp("fuzz-minimal") / "repo"))


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Context:
    return _context(copy_sample(tmp_path_factory.mktemp("fuzz-sample") / "repo"))


@dataclass(frozen=True)
class Outcome:
    exit_code: int
    stdout: str
    stderr: str


def _run(root: Path, command: tuple[str, ...], *, cache: bool) -> Outcome:
    flags = () if cache else ("--no-cache",)
    result = run("--repo", root, *command, *flags, env=quiet_env())
    return Outcome(result.exit_code, result.stdout, result.stderr)


def _traceback(root: Path, command: tuple[str, ...]) -> str:
    """The traceback of an internal error, for the failure message (--debug re-raises)."""
    result = CliRunner().invoke(cli, ["--repo", str(root), "--debug", *command], env=quiet_env())
    if result.exc_info is None:
        return "(no exception with --debug)"
    return "".join(traceback.format_exception(*result.exc_info))


def _apply(context: Context, edits: list[tuple[int | str, Edit]]) -> list[str]:
    """Write the edits (each to the file of that number, or of that path); returns what
    was done, for the failure message."""
    done = []
    for choice, edit in edits:
        relative = choice if isinstance(choice, str) else context.files[choice % len(context.files)]
        path = context.root / relative
        context.edited.add(relative)
        path.write_bytes(edit.apply(path.read_bytes(), context))
        done.append(f"{relative}: {edit!r}")
    return done


def _fuzz(context: Context, edits: list[tuple[int | str, Edit]]) -> None:
    context.restore()
    done = _apply(context, edits)
    outcomes = []
    for command in COMMANDS:
        # first with the valid state's cache, then without any, then with what the first
        # run stored for these contents
        runs = [_run(context.root, command, cache=c) for c in (True, False, True)]
        where = f"{' '.join(command)} after {done}"
        for outcome in runs:
            assert outcome.exit_code in DOCUMENTED_EXITS, (
                f"{where}: exit {outcome.exit_code}\n{outcome.stderr}\n"
                + _traceback(context.root, command)
            )
            assert "Traceback" not in outcome.stdout + outcome.stderr, where
            assert outcome.stderr.strip() or outcome.stdout.strip(), f"{where}: said nothing"
        assert runs[0] == runs[1], f"{where}: the cached run differs from --no-cache"
        assert runs[2] == runs[1], f"{where}: the second cached run differs from --no-cache"
        outcomes.append(runs[1])
    validated, checked = outcomes
    # validate is the gate for input: what it passes, check evaluates without an input error
    assert not (validated.exit_code == 0 and checked.exit_code == 2), (
        f"check after {done}: validate passed, check exit 2\n{checked.stderr}"
    )


EDIT_LISTS = st.lists(st.tuples(st.integers(0, 10_000), EDITS), min_size=1, max_size=3)

FUZZ = settings(
    derandomize=True,
    database=None,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


@settings(FUZZ, max_examples=50)
@given(edits=EDIT_LISTS)
def test_fuzzed_minimal_repository(minimal: Context, edits: list[tuple[int | str, Edit]]) -> None:
    _fuzz(minimal, edits)


PERSON = "inventory/people/ajoshi.yaml"


@settings(FUZZ, max_examples=8)
@given(edits=EDIT_LISTS)
# inputs that once passed validate and stopped check, or misled a reader: always tried
@example(edits=[(PERSON, SetField("access_review.last", dt.date(9999, 12, 31)))])
@example(edits=[(PERSON, SetField("access_review.cadence", "P9999Y"))])
@example(edits=[(PERSON, SetField("name", "Arjun \u202eihsoJ"))])
@example(edits=[("policies/rules/MON-03-budgets-set.yaml", TreeEdit("swap", 130))])
def test_fuzzed_sample(sample: Context, edits: list[tuple[int | str, Edit]]) -> None:
    _fuzz(sample, edits)
