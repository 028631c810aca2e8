"""The step library as a package: one module per section of the catalogue, and one plugin
module (the package) that pytest is given and that holds every step."""

from __future__ import annotations

import compliance_tool.scenarios.steps as plugin
from compliance_tool.scenarios.steps import CATALOGUE, STEP_MODULES, catalogue_text
from compliance_tool.scenarios.steps.catalogue import (
    ASSERTING,
    EXAMPLES,
    FOLLOWING,
    NARROWING,
    OBSERVED,
    SELECTING,
)


def test_the_catalogue_follows_the_step_modules() -> None:
    modules = [module.__name__ for module in STEP_MODULES]
    order = [modules.index(entry.function.__module__) for entry in CATALOGUE]
    assert order == sorted(order)
    assert set(order) == set(range(len(modules)))  # no module without steps


def test_the_sections_in_catalogue_order() -> None:
    sections = list(dict.fromkeys(entry.section for entry in CATALOGUE))
    assert sections == [
        s.title for s in (SELECTING, FOLLOWING, NARROWING, ASSERTING, EXAMPLES, OBSERVED)
    ]
    headings = [line for line in catalogue_text().splitlines() if line.endswith(":")]
    assert headings[0] == f"{SELECTING.title}:"


def test_the_plugin_module_holds_one_step_fixture_per_step() -> None:
    fixtures = [name for name in vars(plugin) if name.startswith("pytestbdd_stepdef_")]
    assert len(fixtures) == len(CATALOGUE)
    for entry in CATALOGUE:
        kind = entry.keyword.lower()
        assert any(f.startswith(f"pytestbdd_stepdef_{kind}_") for f in fixtures), entry.shape


def test_each_example_line_matches_its_own_step_only() -> None:
    # an example matched by a second step of the same keyword would run either of them
    for entry in CATALOGUE:
        matching = [
            other.shape
            for other in CATALOGUE
            if other.keyword == entry.keyword and other.regex.fullmatch(entry.example_text)
        ]
        assert matching == [entry.shape], entry.example
