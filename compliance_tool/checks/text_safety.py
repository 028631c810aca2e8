"""Text that reaches a reader reads as it is written: bidi controls and lookalike letters.

Two things make a governance file say one thing to the tool and another to the reader of
a report or a terminal. Unicode bidi controls reorder the text after them (an unclosed
RIGHT-TO-LEFT OVERRIDE in a name reverses the rest of its line), and letters of another
script look like Latin ones (a Cyrillic 'а' in 'Tobiаs Bauer' makes a second 'Tobias
Bauer'). Validation reports each at the value that holds it:

- ``bidi-control``: a string value (or key) of any governance file holding a bidi control;
- ``mixed-script``: a name or title mixing Latin letters with Cyrillic or Greek ones;
- ``confusable-name``: a person whose name, written with lookalike or invisible
  characters, looks like another person's name.

The lookalikes are a small table of Cyrillic and Greek letters that look like Latin ones
(:data:`LOOKALIKES`), taken from Unicode's confusables (UTS #39) for these three scripts:
no installed library offers the data, and the three scripts are what the names of this
domain are written in.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from typing import Any

from compliance_tool.repository.kinds import Kind, dotted
from compliance_tool.repository.loader import Inventory, Record
from compliance_tool.repository.problems import Problem

BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
"""The characters that change the order text is shown in: ARABIC LETTER MARK, the
LEFT-TO-RIGHT and RIGHT-TO-LEFT MARKs, the embeddings and overrides (U+202A-U+202E) and
the isolates (U+2066-U+2069)."""

_BIDI = re.compile("[" + "".join(sorted(BIDI_CONTROLS)) + "]")
_FOREIGN = re.compile(
    "[\u0370-\u03ff\u0400-\u052f\u1c80-\u1c8f\u1f00-\u1fff\u2de0-\u2dff\ua640-\ua69f]"
)
"""The Greek and Cyrillic blocks: text without them cannot mix these scripts with Latin."""

NAME_FIELDS = frozenset({"name", "title", "organisation"})
"""Fields (at any depth) that name something to a reader, checked for mixed scripts."""

LOOKALIKES: dict[str, str] = {
    # Cyrillic capitals
    "А": "A", "В": "B", "Е": "E", "К": "K", "М": "M", "Н": "H", "О": "O", "Р": "P",
    "С": "C", "Т": "T", "Х": "X", "У": "Y", "Ү": "Y", "Ѕ": "S", "І": "I", "Ј": "J",
    "Ӏ": "I", "Ԛ": "Q", "Ԝ": "W", "Һ": "H",
    # Cyrillic small letters
    "а": "a", "е": "e", "о": "o", "р": "p", "с": "c", "у": "y", "ү": "y", "х": "x",
    "ѕ": "s", "і": "i", "ј": "j", "ӏ": "l", "һ": "h", "ԁ": "d", "ԛ": "q", "ԝ": "w",
    # Greek capitals
    "Α": "A", "Β": "B", "Ε": "E", "Ζ": "Z", "Η": "H", "Ι": "I", "Κ": "K", "Μ": "M",
    "Ν": "N", "Ο": "O", "Ρ": "P", "Τ": "T", "Υ": "Y", "Χ": "X", "Ϲ": "C", "Ϳ": "J",
    # Greek small letters
    "α": "a", "ι": "i", "ν": "v", "ο": "o", "ρ": "p", "υ": "u", "γ": "y", "ϲ": "c",
    "ϳ": "j",
}  # fmt: skip
"""Cyrillic and Greek letters and the Latin letter each is mistaken for. Accented forms
(Cyrillic 'ё', Greek 'ό') are covered through their decomposition."""

SCRIPTS = ("LATIN", "CYRILLIC", "GREEK")
OTHER_SCRIPTS = frozenset(SCRIPTS[1:])
MIRRORED = dict(zip("()[]{}<>", ")(][}{><", strict=True))

Path = tuple[str | int, ...]


# -- what a string holds --------------------------------------------------------------------


def shown(text: str) -> str:
    """``text`` as a message may print it: bidi and other invisible control characters
    written as ``\\u202e``, so that the message itself is not reordered or hidden."""
    return "".join(
        f"\\u{ord(c):04x}" if c in BIDI_CONTROLS or unicodedata.category(c) in ("Cc", "Cf") else c
        for c in text
    )


def script(char: str) -> str | None:
    """The script of a letter (``LATIN``, ``CYRILLIC``, ``GREEK``...), None for others."""
    if not unicodedata.category(char).startswith("L"):
        return None
    return unicodedata.name(char, "").split(" ", 1)[0] or None


def _fold(text: str) -> str:
    """Compatibility forms unified, lookalikes replaced by their Latin letter, invisible
    format characters dropped (before spaces are collapsed)."""
    decomposed = unicodedata.normalize("NFD", unicodedata.normalize("NFKC", text))
    mapped = "".join(LOOKALIKES.get(c, c) for c in decomposed if unicodedata.category(c) != "Cf")
    return unicodedata.normalize("NFC", mapped)


def skeleton(text: str) -> str:
    """What ``text`` looks like: two strings with the same skeleton are read as the same
    name (``'Tobiаs Bauer'`` and ``'Tobias Bauer'``; also a trailing zero-width space)."""
    return " ".join(_fold(text).split())


def _named(char: str, index: int) -> str:
    name = unicodedata.name(char, f"U+{ord(char):04X}")
    if unicodedata.category(char) in ("Cc", "Cf", "Zs") or char.isspace():
        return f"U+{ord(char):04X} {name} at position {index + 1}"
    return f"the '{char}' at position {index + 1} is {name}"


def _listed(notes: list[str], limit: int = 3) -> str:
    more = len(notes) - limit
    return ", ".join(notes[:limit]) + (f" and {more} more" if more > 0 else "")


def lookalike_notes(text: str) -> list[str]:
    """Each character of ``text`` that is not what it looks like, named."""
    notes = []
    for index, char in enumerate(text):
        if _fold(char) != unicodedata.normalize("NFC", char) or (
            char.isspace() and (char != " " or _extra_space(text, index))
        ):
            notes.append(_named(char, index))
    return notes


def _extra_space(text: str, index: int) -> bool:
    """A space that shows as nothing: leading, trailing, or after another space."""
    return index in (0, len(text) - 1) or text[index - 1].isspace()


def _words(text: str) -> Iterator[tuple[int, str]]:
    """Runs of letters and marks, with the index each starts at."""
    for match in re.finditer(r"[^\W\d_]+(?:[\u0300-\u036f][^\W\d_]*)*", text):
        yield match.start(), match.group()


def mixed_script(text: str) -> tuple[list[str], list[str]] | None:
    """The scripts mixed in ``text`` and the letters that mix them, or None: a word of
    Latin with Cyrillic or Greek letters, or a Cyrillic or Greek word made only of Latin
    lookalikes in Latin text. A word written wholly in one script is left alone
    (``Ivan Petrov (Иван Петров)``)."""
    if not _FOREIGN.search(text) or not any(script(c) == "LATIN" for c in text):
        return None
    found: list[tuple[int, str]] = []
    for start, word in _words(text):
        scripts = {script(c) for c in word} - {None}
        strangers = [(start + i, c) for i, c in enumerate(word) if script(c) in OTHER_SCRIPTS]
        if not strangers:
            continue
        letters = [c for c in word if script(c) is not None]
        disguised = all(_fold(c).isascii() for c in letters)
        if "LATIN" in scripts or disguised:
            found.extend(strangers)
    if not found:
        return None
    present = {script(c) for _, c in found} | {"LATIN"}
    names = [s.title() for s in SCRIPTS if s in present]
    return names, [_named(c, i) for i, c in found]


def _and(names: list[str]) -> str:
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def displayed(text: str) -> str | None:
    """How ``text`` shows on its own, when that is certain without the whole bidi
    algorithm: one unclosed RIGHT-TO-LEFT OVERRIDE in text without right-to-left letters
    shows the rest reversed (brackets mirrored). None otherwise."""
    controls = _BIDI.findall(text)
    if controls != ["\u202e"]:
        return None
    if any(unicodedata.bidirectional(c) in ("R", "AL", "AN") for c in text):
        return None
    before, _, after = text.partition("\u202e")
    core = after.rstrip()  # white space at the end of a line keeps its place
    shown_core = "".join(MIRRORED.get(c, c) for c in reversed(core))
    shows = before + shown_core + after[len(core) :]
    return shows if shows != before + after else None


# -- problems ---------------------------------------------------------------------------------


def text_problems(inventory: Inventory, records: Iterable[Record]) -> list[Problem]:
    """Bidi controls, mixed scripts and confusable people in ``records``, compared with
    every person of ``inventory`` (people are parsed for that only when one is checked)."""
    records = list(records)
    people: dict[str, list[Record]] = {}
    if any(r.kind is Kind.PERSON for r in records):
        for person in inventory.records(Kind.PERSON):
            name = person.data.get("name")
            if isinstance(name, str):
                people.setdefault(skeleton(name), []).append(person)
    found: list[Problem] = []
    for record in records:
        for path, text, is_key in _strings(record.data):
            person_name = record.kind is Kind.PERSON and path == ("name",)
            if text.isascii() and not person_name:
                continue  # no bidi control, no other script; spaces matter in people only
            if _BIDI.search(text):
                found.append(_bidi_problem(record, path, text, is_key))
            if not is_key and path and path[-1] in NAME_FIELDS:
                problem = _name_problem(record, path, text, people if person_name else {})
                if problem is not None:
                    found.append(problem)
    return found


def _problem(
    record: Record, path: Path, message: str, hint: str, code: str, key: bool = False
) -> Problem:
    line, column = record.document.key_position(path) if key else record.position(path)
    return Problem(record.path, line, column, record.kind.value, dotted(path), message, hint, code)


def _strings(data: Any) -> Iterator[tuple[Path, str, bool]]:
    """Every string of a record with its path: values, and mapping keys (``True``)."""
    stack: list[tuple[Path, Any]] = [((), data)]
    while stack:
        path, value = stack.pop()
        if isinstance(value, str):
            yield path, value, False
        elif isinstance(value, dict):
            for key, item in value.items():
                if isinstance(key, str):
                    yield (*path, key), key, True
                if isinstance(item, (str, dict, list)):
                    stack.append(((*path, key), item))
        elif isinstance(value, list):
            stack.extend(
                ((*path, index), item)
                for index, item in enumerate(value)
                if isinstance(item, (str, dict, list))
            )


def _bidi_problem(record: Record, path: Path, text: str, is_key: bool) -> Problem:
    notes = [_named(c, i) for i, c in enumerate(text) if c in BIDI_CONTROLS]
    what = "key" if is_key else "value"
    count = "a bidi control" if len(notes) == 1 else f"{len(notes)} bidi controls"
    message = (
        f"{what} '{shown(text)}' holds {count} ({_listed(notes)}), which changes "
        "the order the text after it is shown in"
    )
    shows = displayed(text)
    hint = "remove it: write the text in the order it is read"
    if shows is not None:
        hint = f"it is shown as '{shown(shows)}'; " + hint
    return _problem(record, path, message, hint, "bidi-control", key=is_key)


def _name_problem(
    record: Record, path: Path, text: str, people: dict[str, list[Record]]
) -> Problem | None:
    """A name mixing scripts, or a person's name that looks like another person's."""
    twins = _twins(record, text, people) if people else []
    mixed = mixed_script(text)
    if mixed is not None:
        scripts, notes = mixed
        message = f"'{shown(text)}' mixes {_and(scripts)} ({_listed(notes)})"
        like = skeleton(text)
        if twins:
            hint = f"it looks like {_twin_list(twins)}; write every letter in Latin"
        elif like != text:
            hint = f"in Latin letters it reads '{shown(like)}': write every letter in one script"
        else:
            hint = "write each word in one script"
        return _problem(record, path, message, hint, "mixed-script")
    if twins:
        message = (
            f"'{shown(text)}' looks like the name of another person "
            f"({_listed(lookalike_notes(text))})"
        )
        hint = (
            f"it looks like {_twin_list(twins)}; write the name in the letters it is "
            "spelled with, so that readers can tell the two apart"
        )
        return _problem(record, path, message, hint, "confusable-name")
    return None


def _twins(record: Record, name: str, people: dict[str, list[Record]]) -> list[Record]:
    """Other people whose name looks the same as ``name`` but is written differently,
    when ``name`` is the one that uses lookalikes (the plainly written one is left alone)."""
    like = skeleton(name)
    if like == name:
        return []
    return [
        other
        for other in people.get(like, ())
        if other.id != record.id and other.data.get("name") != name
    ]


def _twin_list(twins: list[Record]) -> str:
    return ", ".join(f"'{shown(str(t.data.get('name')))}' ({t.path})" for t in twins)
