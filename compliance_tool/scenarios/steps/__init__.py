"""The step library of governance scenarios: Gherkin steps that need no Python.

A scenario selects records ("Given the production models"), may follow references and
lineage from them ("And their on-call rotations"), and states what must hold for each of
them ("Then no rotation has fewer than 2 active members"). A failing step names every
record that broke it, with its file and line. A scenario may also state how a rule treats
an example record written inside the scenario ("Given a model record:" with YAML or a
field/value table, "When the rules are checked", "Then rule MON-01-drift-thresholds fails
for it"); the example is checked inside the inventory being read, so it may name the
inventory's people, rotations and datasets.

This package is a pytest plugin. ``compliance-tool scenarios`` loads it and hands it the
inventory (read once per run, from the working tree or a commit) and the evaluation date
through the pytest configuration; run by hand, ``pytest -p compliance_tool.scenarios.steps``
reads ``--governance-repo``, ``--governance-ref`` and ``--governance-as-of``. Every date is
compared with the run's evaluation date. Each step's docstring is its entry in the
catalogue (``compliance-tool scenarios steps``) and ends with one ``Example:`` line.

The steps live in one module per section of the catalogue, listed in :data:`STEP_MODULES`
in catalogue order; this module registers each of them with pytest-bdd, so that the plugin
holds every step fixture, the fixtures and the hooks.
"""

from __future__ import annotations

from pytest_bdd import given, parsers, then, when

from compliance_tool.scenarios.steps import (
    documents,
    fields,
    following,
    observed,
    people,
    rules,
    selection,
)
from compliance_tool.scenarios.steps.catalogue import (
    CATALOGUE,
    CatalogueEntry,
    catalogue_text,
    closest_steps,
    unknown_step_message,
)
from compliance_tool.scenarios.steps.context import (
    GOVERNANCE,
    Governance,
    governance,
    pytest_addoption,
    pytest_bdd_apply_tag,
    pytest_bdd_step_func_lookup_error,
)
from compliance_tool.scenarios.steps.world import Selection, World, scenario_world

STEP_MODULES = (selection, following, fields, people, documents, rules, observed)
"""The modules of the steps, in the order of the catalogue."""

# the catalogue follows STEP_MODULES (each module's steps in their order), whatever the
# order of the imports above; a step in a module not listed stops the import here
_ORDER = {module.__name__: index for index, module in enumerate(STEP_MODULES)}
CATALOGUE.sort(key=lambda entry: _ORDER[entry.function.__module__])

_DECORATORS = {"Given": given, "When": when, "Then": then}

# pytest-bdd puts the fixture of a step into the namespace of the module that registers
# it (the caller of the decorator): this one, the plugin module pytest is given.
for _entry in CATALOGUE:
    _DECORATORS[_entry.keyword](parsers.re(_entry.regex.pattern))(_entry.function)
del _entry

__all__ = [
    "CATALOGUE",
    "GOVERNANCE",
    "STEP_MODULES",
    "CatalogueEntry",
    "Governance",
    "Selection",
    "World",
    "catalogue_text",
    "closest_steps",
    "governance",
    "pytest_addoption",
    "pytest_bdd_apply_tag",
    "pytest_bdd_step_func_lookup_error",
    "scenario_world",
    "unknown_step_message",
]
