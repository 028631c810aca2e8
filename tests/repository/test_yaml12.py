"""YAML 1.2 core-schema semantics of the loader, checked directly and against ruamel.yaml.

ruamel.yaml's pure safe loader follows YAML 1.2, with two habits kept from YAML 1.1 that
the comparison has to account for: it still resolves unquoted timestamps (compared here by
their ISO value, since the tool keeps them as the strings the schema checks), and it
accepts a few integer spellings that the 1.2 core schema does not have (see
RUAMEL_EXTENSIONS). Everything else must come out identical.
"""

from __future__ import annotations

import datetime
import math
from typing import Any

import pytest
from ruamel.yaml import YAML

from compliance_tool.repository.yamlio import parse_document


def load_value(text: str) -> Any:
    """The value of ``v`` in ``v: <text>`` as the tool reads it (no issues allowed)."""
    document = parse_document(f"v: {text}\n".encode())
    assert document.issues == ()
    assert document.data is not None
    return document.data["v"]


@pytest.mark.parametrize(
    "word",
    [
        "NO",
        "No",
        "no",
        "yes",
        "Yes",
        "YES",
        "off",
        "Off",
        "OFF",
        "on",
        "On",
        "ON",
        "y",
        "n",
        "Y",
        "N",
    ],
)
def test_yaml11_booleans_stay_strings(word: str) -> None:
    assert load_value(word) == word
    document = parse_document(f"{word}: {word}\n".encode())
    assert document.data == {word: word}


@pytest.mark.parametrize(
    "text", ["2026-01-01", "2026-12-31", "2026-01-01T10:12:00Z", "2026-01-01 10:12:00", "2026-1-1"]
)
def test_unquoted_dates_stay_strings(text: str) -> None:
    assert load_value(text) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("0o17", 15),
        ("0x1F", 31),
        ("0x1f", 31),
        ("017", 17),
        ("-42", -42),
        ("+7", 7),
        ("1e3", 1000.0),
        ("1E3", 1000.0),
        ("-1.5e-3", -0.0015),
        (".5", 0.5),
        ("1.", 1.0),
        ("~", None),
        ("null", None),
        ("", None),
        ("true", True),
        ("True", True),
        ("FALSE", False),
        (".inf", math.inf),
        ("-.Inf", -math.inf),
    ],
)
def test_core_schema_scalars(text: str, expected: Any) -> None:
    value = load_value(text)
    assert type(value) is type(expected)
    assert value == expected


def test_mapping_keys_stay_as_written() -> None:
    """Keys are field names: never converted (a JSON object's keys are strings anyway)."""
    document = parse_document(b"1e3: a\n0x1F: b\ntrue: c\nnull: d\nyes: e\n")
    assert document.data == {"1e3": "a", "0x1F": "b", "true": "c", "null": "d", "yes": "e"}


def test_nan() -> None:
    value = load_value(".NaN")
    assert isinstance(value, float)
    assert math.isnan(value)


@pytest.mark.parametrize(
    "text",
    [
        "0O17",
        "0X1F",
        "0o8",
        "0xG",
        "tRue",
        "nULL",
        "inf",
        "nan",
        "1e",
        "1:20",
        "1.2.0",
        "P30D",
        "12:30",
        "1,000",
    ],
)
def test_lookalikes_stay_strings(text: str) -> None:
    assert load_value(text) == text


@pytest.mark.parametrize("text", ["'yes'", '"0x1F"', "'2026-01-01'", '"true"', "'~'", '"1e3"'])
def test_quoted_scalars_are_strings(text: str) -> None:
    assert load_value(text) == text[1:-1]


RUAMEL_EXTENSIONS = {
    # text: what the YAML 1.2 core schema makes of it (ruamel.yaml reads these otherwise)
    "0b101": "0b101",  # binary integers are YAML 1.1 only
    "1_000": "1_000",  # digit separators are YAML 1.1 only
    "+0x1F": "+0x1F",  # core hexadecimal and octal integers take no sign
    "-0o7": "-0o7",
    "=": "=",  # the YAML 1.1 'value' type
    "<<": "<<",  # the YAML 1.1 merge key, as a value
    "!": "",  # the non-specific tag '!' makes a string, here an empty one
}


@pytest.mark.parametrize(("text", "expected"), sorted(RUAMEL_EXTENSIONS.items()))
def test_yaml11_only_forms_follow_the_core_schema(text: str, expected: str) -> None:
    assert load_value(text) == expected


CORPUS = [
    *[
        "NO",
        "No",
        "no",
        "yes",
        "Yes",
        "YES",
        "y",
        "Y",
        "n",
        "N",
        "on",
        "On",
        "ON",
        "off",
        "Off",
        "OFF",
    ],
    *[
        "true",
        "True",
        "TRUE",
        "false",
        "False",
        "FALSE",
        "tRue",
        "fAlse",
        "~",
        "null",
        "Null",
        "NULL",
        "nULL",
    ],
    *[
        "0o17",
        "0O17",
        "0x1F",
        "0x1f",
        "0X1F",
        "017",
        "012",
        "08",
        "0o8",
        "0xG",
        "-0",
        "+1",
        "-42",
        "007",
    ],
    *[
        "1e3",
        "1E3",
        "1e+3",
        "-1e-3",
        "1.5e3",
        ".5",
        "1.",
        "0.",
        "-.5",
        "+0.5",
        "3.14159",
        "1e",
        "e3",
        "1.0e",
    ],
    *[
        ".inf",
        ".Inf",
        ".INF",
        "-.inf",
        "+.inf",
        ".nan",
        ".NaN",
        ".NAN",
        "inf",
        "nan",
        "Infinity",
        "NaN",
    ],
    *["2026-01-01", "2026-1-1", "2026-01-01T10:12:00Z", "2026-01-01t10:12:00z"],
    "2026-01-01 10:12:00",
    "2026-01-01T10:12:00.5+02:00",
    *[
        "1:20",
        "190:20:30",
        "12:30",
        "1,000",
        "0.1.2",
        "v1.2",
        "1.2.0",
        "4.2.0-rc.1",
        "P30D",
        "PT15M",
    ],
    *["'yes'", "'no'", '"on"', "'2026-01-01'", '"0x1F"', "'~'", '""', "''"],
    "",
    "[yes, no, 0o10, 2026-01-01, ~]",
    "{on: off, yes: NO, ~x: 2026-01-01}",
    "|\n  yes\n",
    ">-\n  0x1F\n",
]


def _same(ours: Any, theirs: Any) -> bool:
    """Whether the tool's value equals ruamel.yaml's, reading ruamel's dates as ISO text."""
    if isinstance(theirs, datetime.datetime):
        # ruamel.yaml resolved a timestamp; the tool keeps the text, which must name the
        # same instant (isoformat would spell 'Z' as '+00:00' and ' ' as 'T')
        return isinstance(ours, str) and datetime.datetime.fromisoformat(ours.upper()) == theirs
    if isinstance(theirs, datetime.date):
        return ours == theirs.isoformat()
    if isinstance(ours, float) and isinstance(theirs, float) and math.isnan(ours):
        return math.isnan(theirs)
    if isinstance(ours, dict) and isinstance(theirs, dict):
        return list(ours) == list(theirs) and all(_same(ours[k], theirs[k]) for k in ours)
    if isinstance(ours, list) and isinstance(theirs, list):
        return len(ours) == len(theirs) and all(
            _same(a, b) for a, b in zip(ours, theirs, strict=True)
        )
    return type(ours) is type(theirs) and ours == theirs


@pytest.mark.parametrize("text", CORPUS)
def test_agrees_with_ruamel_pure_safe_loader(text: str) -> None:
    source = f"v: {text}\n"
    raw = YAML(typ="safe", pure=True).load(source)["v"]
    ours = load_value(text)
    assert _same(ours, raw), f"{text!r}: tool {ours!r}, ruamel {raw!r}"


def test_ruamel_loader_is_yaml12() -> None:
    """The reference really is a 1.2 loader (otherwise the comparison proves nothing)."""
    loader = YAML(typ="safe", pure=True)
    assert loader.load("v: yes\n") == {"v": "yes"}
    assert loader.load("v: 0o17\n") == {"v": 15}
    assert loader.load("v: 017\n") == {"v": 17}
