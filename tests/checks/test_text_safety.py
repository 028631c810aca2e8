"""Text that misleads a reader is a validation problem: bidi controls anywhere, names that
mix Latin with Cyrillic or Greek letters, and people whose names look alike. The three
examples of the hardening probe, each in a copy of the sample, then the pieces the check
is made of (the lookalike table, skeletons, mixed scripts, how an override shows)."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from support.cli import Invoke
from support.repos import edit, position

from compliance_tool.checks.text_safety import (
    LOOKALIKES,
    displayed,
    mixed_script,
    script,
    shown,
    skeleton,
)

RLO = "\u202e"
CYRILLIC_A = "\u0430"


def _validate(run_cli: Invoke, root: Path, *targets: str) -> list[str]:
    result = run_cli("--repo", root, "validate", "--format", "text", *targets)
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    return result.stdout.splitlines()


# -- the examples of the probe, in real files ----------------------------------------------


def test_an_unclosed_override_in_a_persons_name(sample_copy: Path, run_cli: Invoke) -> None:
    person = sample_copy / "inventory/people/asmith.yaml"
    edit(person, "name: Anna Smith\n", f"name: Anna {RLO}Smith\n")
    line, column = position(person, "Anna ")
    assert _validate(run_cli, sample_copy) == [
        f"inventory/people/asmith.yaml:{line}:{column}: Person.name: value 'Anna \\u202eSmith' "
        "holds a bidi control (U+202E RIGHT-TO-LEFT OVERRIDE at position 6), which changes "
        "the order the text after it is shown in (it is shown as 'Anna htimS'; remove it: "
        "write the text in the order it is read)"
    ]


def test_a_model_name_that_shows_as_another(sample_copy: Path, run_cli: Invoke) -> None:
    model = sample_copy / "inventory/models/transaction-graph-fraud.yaml"
    text = model.read_text(encoding="utf-8")
    name_line = next(t for t in text.splitlines() if t.startswith("name: "))
    edit(model, name_line + "\n", 'name: "Graph scoring \\u202egnirocs-tiderc"\n')
    line, column = position(model, '"Graph scoring')
    assert _validate(run_cli, sample_copy) == [
        f"inventory/models/transaction-graph-fraud.yaml:{line}:{column}: Model.name: value "
        "'Graph scoring \\u202egnirocs-tiderc' holds a bidi control (U+202E RIGHT-TO-LEFT "
        "OVERRIDE at position 15), which changes the order the text after it is shown in "
        "(it is shown as 'Graph scoring credit-scoring'; remove it: write the text in the "
        "order it is read)"
    ]


def test_a_contractor_renamed_with_a_cyrillic_letter(sample_copy: Path, run_cli: Invoke) -> None:
    """Ravi Patel, an external deputy of Tobias Bauer's model, renamed 'Tobiаs Bauer'."""
    person = sample_copy / "inventory/people/rpatel.yaml"
    edit(person, "name: Ravi Patel\n", f"name: Tobi{CYRILLIC_A}s Bauer\n")
    line, column = position(person, "Tobi")
    expected = [
        f"inventory/people/rpatel.yaml:{line}:{column}: Person.name: 'Tobi{CYRILLIC_A}s Bauer' "
        "mixes Latin and Cyrillic (the 'а' at position 5 is CYRILLIC SMALL LETTER A) (it "
        "looks like 'Tobias Bauer' (inventory/people/tbauer.yaml); write every letter in Latin)"
    ]
    assert _validate(run_cli, sample_copy) == expected
    # the file alone (a pull request's changed file) is compared with every person too
    assert _validate(run_cli, sample_copy, person) == expected


# -- more of the same, in real files -------------------------------------------------------


def test_an_invisible_character_makes_a_second_person(sample_copy: Path, run_cli: Invoke) -> None:
    person = sample_copy / "inventory/people/rpatel.yaml"
    edit(person, "name: Ravi Patel\n", 'name: "Tobias  Bauer\\u200b"\n')
    line, column = position(person, '"Tobias')
    assert _validate(run_cli, sample_copy) == [
        f"inventory/people/rpatel.yaml:{line}:{column}: Person.name: 'Tobias  Bauer\\u200b' "
        "looks like the name of another person (U+0020 SPACE at position 8, U+200B ZERO "
        "WIDTH SPACE at position 14) (it looks like 'Tobias Bauer' "
        "(inventory/people/tbauer.yaml); write the name in the letters it is spelled with, so "
        "that readers can tell the two apart)"
    ]


def test_a_bidi_isolate_in_an_incident_title(sample_copy: Path, run_cli: Invoke) -> None:
    incident = sample_copy / "inventory/incidents/INC-2026-0042.yaml"
    text = incident.read_text(encoding="utf-8")
    incident.write_text(text.replace("title: ", "title: \u2067", 1), encoding="utf-8")
    lines = _validate(run_cli, sample_copy)
    assert len(lines) == 1
    assert lines[0].startswith("inventory/incidents/INC-2026-0042.yaml:")
    assert ": Incident.title: value '\\u2067" in lines[0]
    assert "(U+2067 RIGHT-TO-LEFT ISOLATE at position 1)" in lines[0]
    assert RLO not in lines[0] and "\u2067" not in lines[0]  # the message itself is safe


def test_two_people_of_the_same_name_are_no_problem(sample_copy: Path, run_cli: Invoke) -> None:
    """Homonyms exist: the report tells them apart by id; only lookalikes are refused."""
    edit(sample_copy / "inventory/people/rpatel.yaml", "name: Ravi Patel\n", "name: Tobias Bauer\n")
    result = run_cli("--repo", sample_copy, "validate")
    assert result.exit_code == 0, result.output


def test_a_name_written_wholly_in_another_script_is_no_problem(
    sample_copy: Path, run_cli: Invoke
) -> None:
    person = sample_copy / "inventory/people/rpatel.yaml"
    edit(person, "name: Ravi Patel\n", "name: Ravi Patel (Рави Пател)\n")
    result = run_cli("--repo", sample_copy, "validate")
    assert result.exit_code == 0, result.output


# -- the pieces ------------------------------------------------------------------------------


@pytest.mark.parametrize("letter", sorted(LOOKALIKES))
def test_each_lookalike_is_a_cyrillic_or_greek_letter_for_a_latin_one(letter: str) -> None:
    latin = LOOKALIKES[letter]
    assert script(letter) in ("CYRILLIC", "GREEK"), unicodedata.name(letter)
    assert len(latin) == 1 and latin.isascii() and latin.isalpha()
    assert letter.isupper() == latin.isupper(), unicodedata.name(letter)
    assert unicodedata.normalize("NFD", letter) == letter  # decomposed forms reach the table


@pytest.mark.parametrize(
    ("text", "looks_like"),
    [
        (f"Tobi{CYRILLIC_A}s Bauer", "Tobias Bauer"),
        ("\u0422\u043eb\u0456\u0430\u0455 Bauer", "Tobias Bauer"),  # Т о b і а ѕ
        ("Lin Wu\u200b", "Lin Wu"),
        (" Lin\u00a0 Wu ", "Lin Wu"),
        ("\uff2cin Wu", "Lin Wu"),  # a fullwidth L
        ("\u0417\u043e\u0451", "\u0417o\u00eb"),  # Cyrillic ё decomposes to е, then e
        ("\u039d\u03af\u03ba\u03bf\u03c2", "N\u00edκoς"),  # Greek ί decomposes to ι, then i
        ("Hannah Müller", "Hannah Müller"),
        ("Aoife O'Brien", "Aoife O'Brien"),
    ],
)
def test_the_skeleton_is_what_a_name_looks_like(text: str, looks_like: str) -> None:
    assert skeleton(text) == looks_like


@pytest.mark.parametrize(
    ("text", "scripts", "letters"),
    [
        (f"Tobi{CYRILLIC_A}s Bauer", ["Latin", "Cyrillic"], ["'а' at position 5"]),
        ("Model \u0391", ["Latin", "Greek"], ["'Α' at position 7"]),  # a Greek word of lookalikes
        ("cr\u0435dit scoring", ["Latin", "Cyrillic"], ["'е' at position 3"]),
        ("Tobiжs", ["Latin", "Cyrillic"], ["'ж' at position 5"]),  # mixed, no lookalike
    ],
)
def test_mixed_scripts_name_each_foreign_letter(
    text: str, scripts: list[str], letters: list[str]
) -> None:
    found = mixed_script(text)
    assert found is not None
    assert found[0] == scripts
    assert [note.removeprefix("the ").split(" is ")[0] for note in found[1]] == letters


@pytest.mark.parametrize(
    "text",
    [
        "Hannah Müller",
        "Ravi Patel (Рави Пател)",  # each word in one script
        "Νίκος Παπαδόπουλος",  # no Latin at all
        "Иван Петров",
        "Drift over 3σ",  # a Greek sign, not a lookalike word
        "ML SRE – payments and financial crime",
    ],
)
def test_text_in_one_script_per_word_is_not_mixed(text: str) -> None:
    assert mixed_script(text) is None


@pytest.mark.parametrize(
    ("text", "shows"),
    [
        (f"{RLO}gnirocs-tiderc", "credit-scoring"),
        (f"Anna {RLO}Smith", "Anna htimS"),
        (f"a{RLO}(b", "ab)"),  # brackets are mirrored
        (f"Anna{RLO} Smith ", "AnnahtimS  "),  # a trailing space stays at the end
        (f"Anna Smith{RLO}", None),  # nothing after it
        (f"Anna {RLO}Smith\u202c", None),  # closed: left to the full algorithm
        (f"{RLO}\u05d0\u05d1", None),  # right-to-left letters: likewise
        ("Anna Smith", None),
    ],
)
def test_how_an_override_shows(text: str, shows: str | None) -> None:
    assert displayed(text) == shows


def test_messages_show_invisible_characters_as_escapes() -> None:
    assert shown(f"a{RLO}b\u200b\u2069c\u00e9") == "a\\u202eb\\u200b\\u2069cé"
