"""compile_selector agrees with Cerberus on every ``when`` of the rule catalogue.

The engine decides which records a rule applies to with the compiled predicate when there
is one, so a disagreement would silently skip (or wrongly select) records. Cerberus is the
reference: GovernanceValidator(when, allow_unknown=True).validate(data, normalize=False).
"""

from __future__ import annotations

import copy
from collections.abc import Iterator
from typing import Any

import pytest
from support.repos import AS_OF, REPO_ROOT

from compliance_tool.checks.custom_rules import CUSTOM_RULES, GovernanceValidator
from compliance_tool.checks.facts import Facts
from compliance_tool.checks.fastpath import SIMPLE, compile_selector
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Inventory, Record
from compliance_tool.repository.session import Where, open_inventory

MISSING = object()
"""Marks a field removed from a record."""


@pytest.fixture(scope="module")
def inventory() -> Inventory:
    return open_inventory(Where(REPO_ROOT, None, use_cache=False))


@pytest.fixture(scope="module")
def facts(inventory: Inventory) -> Facts:
    return Facts(inventory, AS_OF)


def _rules_with_when(inventory: Inventory) -> list[Record]:
    return [r for r in inventory.records(Kind.RULE) if r.data.get("when") is not None]


def _cerberus(when: dict[str, Any], facts: Facts, data: Any) -> bool:
    return bool(
        GovernanceValidator(when, allow_unknown=True, facts=facts).validate(data, normalize=False)
    )


def _rule(rules: list[Record], rule_id: str) -> Record:
    return next(r for r in rules if r.id == rule_id)


def _uses_custom_rule(schema: Any) -> bool:
    if isinstance(schema, dict):
        return any(k in CUSTOM_RULES or _uses_custom_rule(v) for k, v in schema.items())
    if isinstance(schema, list):
        return any(_uses_custom_rule(v) for v in schema)
    return False


def test_catalogue_has_compiled_and_uncompiled_selectors(inventory: Inventory) -> None:
    rules = _rules_with_when(inventory)
    compiled = {r.id for r in rules if compile_selector(r.data["when"]) is not None}
    across = {
        "DAT-03-dpia-personal-data",
        "EXT-01-access-review",
        "EXT-01-contract-current",
        "TRN-01-ai-literacy",
        "TRN-01-role-requirements",
    }
    # selections on other records (people on rotations, personal data) go to Cerberus
    assert {r.id for r in rules if _uses_custom_rule(r.data["when"])} == across
    # and so does a selection by pattern: RISK-02 selects the Annex III basis with a regex
    assert "regex" in str(_rule(rules, "RISK-02-fria").data["when"])
    assert {r.id for r in rules} - compiled == across | {"RISK-02-fria"}
    assert len(compiled) >= 20


def test_selectors_agree_with_cerberus_on_every_sample_record(
    inventory: Inventory, facts: Facts
) -> None:
    compared = selected = 0
    for rule in _rules_with_when(inventory):
        when = rule.data["when"]
        selector = compile_selector(when)
        if selector is None:
            continue
        for record in inventory.records(Kind(rule.data["applies_to"])):
            expected = _cerberus(when, facts, record.data)
            assert selector(record.data) == expected, (rule.id, record.id)
            compared += 1
            selected += expected
    # both outcomes occur, so agreement is not trivial
    assert compared > 300
    assert 0 < selected < compared


def _paths(
    schema: dict[str, Any], at: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], dict[str, Any]]]:
    for field, rules in schema.items():
        yield (*at, field), rules
        if isinstance(rules.get("schema"), dict):
            yield from _paths(rules["schema"], (*at, field))


def _with(data: dict[str, Any], path: tuple[str, ...], value: Any) -> dict[str, Any]:
    """A copy of ``data`` with ``value`` at ``path`` (parents made dicts when missing)."""
    out = copy.deepcopy(data)
    node = out
    for part in path[:-1]:
        if not isinstance(node.get(part), dict):
            node[part] = {}
        node = node[part]
    if value is MISSING:
        node.pop(path[-1], None)
    else:
        node[path[-1]] = value
    return out


def _edge_values(rules: dict[str, Any]) -> list[Any]:
    allowed = list(rules.get("allowed") or [])
    forbidden = list(rules.get("forbidden") or [])
    values: list[Any] = [MISSING, None, "", "zzz", 0, 1, True, False, 2.5, [], ["zzz"], {}]
    values += [{"zzz": 1}, [{"zzz": 1}], [None]]
    for known in allowed + forbidden:
        values += [known, [known], [known, known], [known, "zzz"], ["zzz", known], str(known)]
    if allowed:
        values.append(list(allowed))
    return values


def _is_dict_for_scalar(rules: dict[str, Any], value: Any) -> bool:
    """A mapping (even an empty one) where ``allowed`` expects a scalar or a list."""
    return isinstance(value, dict) and "allowed" in rules


def _edge_cases(
    inventory: Inventory, *, dict_for_scalar: bool
) -> Iterator[tuple[str, dict[str, Any], dict[str, Any]]]:
    for rule in _rules_with_when(inventory):
        when = rule.data["when"]
        if compile_selector(when) is None:
            continue
        bases = [r.data for r in inventory.records(Kind(rule.data["applies_to"]))[:3]] + [{}]
        for path, rules in _paths(when):
            for value in _edge_values(rules):
                if _is_dict_for_scalar(rules, value) != dict_for_scalar:
                    continue
                for base in bases:
                    yield rule.id, when, _with(base, path, value)


def test_selectors_agree_with_cerberus_on_edge_records(inventory: Inventory, facts: Facts) -> None:
    disagreements = []
    compared = 0
    for rule_id, when, data in _edge_cases(inventory, dict_for_scalar=False):
        selector = compile_selector(when)
        assert selector is not None
        compared += 1
        if selector(data) != _cerberus(when, facts, data):
            disagreements.append((rule_id, data))
    assert compared > 2000
    assert disagreements == []


@pytest.mark.parametrize(
    ("when", "data", "expected"),
    [
        # missing field: selected only when not required
        ({"lifecycle": {"allowed": ["production"]}}, {}, True),
        ({"lifecycle": {"required": True, "allowed": ["production"]}}, {}, False),
        # None: fails unless nullable
        ({"lifecycle": {"allowed": ["production"]}}, {"lifecycle": None}, False),
        ({"lifecycle": {"nullable": True, "allowed": ["production"]}}, {"lifecycle": None}, True),
        # a list with allowed: every item must be allowed (an empty list has none that is not)
        ({"tags": {"allowed": ["a", "b"]}}, {"tags": ["a", "b"]}, True),
        ({"tags": {"allowed": ["a", "b"]}}, {"tags": ["a", "c"]}, False),
        ({"tags": {"allowed": ["a", "b"]}}, {"tags": []}, True),
        # forbidden on a list: no item may be forbidden
        ({"tags": {"forbidden": ["x"]}}, {"tags": ["a", "x"]}, False),
        ({"tags": {"forbidden": ["x"]}}, {"tags": ["a"]}, True),
        # a non-dict where a dict is expected
        (
            {"risk": {"type": "dict", "schema": {"tier": {"allowed": ["high"]}}}},
            {"risk": "high"},
            False,
        ),
        (
            {"risk": {"type": "dict", "schema": {"tier": {"allowed": ["high"]}}}},
            {"risk": ["high"]},
            False,
        ),
        ({"risk": {"type": "dict", "schema": {"tier": {"allowed": ["high"]}}}}, {"risk": {}}, True),
        (
            {"risk": {"type": "dict", "schema": {"tier": {"required": True, "allowed": ["high"]}}}},
            {"risk": {}},
            False,
        ),
        # booleans compare equal to 1 and 0, in Python and in Cerberus alike
        ({"x": {"allowed": [True]}}, {"x": 1}, True),
    ],
)
def test_documented_semantics(
    facts: Facts, when: dict[str, Any], data: dict[str, Any], expected: bool
) -> None:
    selector = compile_selector(when)
    assert selector is not None
    assert _cerberus(when, facts, data) is expected
    assert selector(data) is expected


@pytest.mark.parametrize(
    "when",
    [
        {"x": {"type": "string"}},  # a type other than dict
        {"x": {"empty": False}},  # a rule beyond the simple ones
        {"x": {"schema": {"y": {"required": True}}}},  # schema without type: dict (list items)
        {"x": {"type": "dict", "schema": {"y": {"min": 1}}}},  # nested rule beyond the simple ones
        {"x": {"on_rotation": True}},  # a custom rule
        {"x": "required"},  # not a rules mapping
        ["x"],
    ],
)
def test_anything_beyond_the_simple_rules_goes_to_cerberus(when: Any) -> None:
    assert compile_selector(when) is None
    assert "empty" not in SIMPLE


def test_selectors_agree_with_cerberus_on_mappings_where_scalars_are_expected(
    inventory: Inventory, facts: Facts
) -> None:
    when = {"lifecycle": {"required": True, "allowed": ["production"]}}
    selector = compile_selector(when)
    assert selector is not None
    for data in ({"lifecycle": {"production": 1}}, {"lifecycle": {}}):
        assert selector(data) == _cerberus(when, facts, data), data
    # and on every selector of the catalogue
    disagreements = []
    for rule_id, rule_when, data in _edge_cases(inventory, dict_for_scalar=True):
        rule_selector = compile_selector(rule_when)
        assert rule_selector is not None
        if rule_selector(data) != _cerberus(rule_when, facts, data):
            disagreements.append((rule_id, data))
    assert disagreements == []
