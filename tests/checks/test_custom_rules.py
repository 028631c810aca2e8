"""Each custom rule on its own, at its edges: the day a window closes, the member a
rotation lacks, the approval by a developer, the waiver that waives nothing; and waivers
applied to results. The rules run in a real validator on the minimal repository's facts,
so each case takes milliseconds (these are the tests that mutation testing of the rule
engine leans on, see benchmarks/README.md).
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pytest
from support.repos import AS_OF, edit, write_minirepo

from compliance_tool.checks.custom_rules import CUSTOM_RULES, GovernanceValidator, describe
from compliance_tool.checks.engine import Result, Status, apply_waivers
from compliance_tool.checks.facts import Facts
from compliance_tool.repository.kinds import Kind, Severity
from compliance_tool.repository.loader import Inventory
from compliance_tool.repository.session import Where, open_inventory


@pytest.fixture(scope="module")
def inventory(tmp_path_factory: pytest.TempPathFactory) -> Inventory:
    """The minimal repository: asmith (internal, engineering-manager), bkumar (internal,
    ml-sre), cvendor (external ml-sre until 2027-06-30); rotation ml-oncall of bkumar and
    cvendor; events-features derives from events-raw, neither with personal data."""
    root = write_minirepo(tmp_path_factory.mktemp("custom-rules") / "repo")
    return open_inventory(Where(root, None, use_cache=False))


@pytest.fixture(scope="module")
def pii_inventory(tmp_path_factory: pytest.TempPathFactory) -> Inventory:
    """The minimal repository with personal data in events-raw."""
    root = write_minirepo(tmp_path_factory.mktemp("custom-rules-pii") / "repo")
    edit(root / "inventory/datasets/events-raw.yaml", "contains_pii: false", "contains_pii: true")
    return open_inventory(Where(root, None, use_cache=False))


def _messages(errors: Any) -> list[str]:
    """Every message of Cerberus's error tree; each must be on a field (the finding's
    line and field name come from it)."""
    if isinstance(errors, dict):
        assert all(isinstance(key, str | int) for key in errors), f"not on a field: {errors}"
        return [m for value in errors.values() for m in _messages(value)]
    if isinstance(errors, list):
        return [m for item in errors for m in _messages(item)]
    return [str(errors)]


def errors(
    inventory: Inventory,
    schema: dict[str, Any],
    document: dict[str, Any],
    as_of: dt.date = AS_OF,
    *,
    reads: list[tuple[str, str, Any]] | None = None,
    failing: set[tuple[str, str, str]] | None = None,
) -> list[str]:
    """What the rule says about ``document`` on ``as_of``: its messages, [] when it holds."""
    facts = Facts(inventory, as_of)
    facts.failing = failing
    validator = GovernanceValidator(schema, allow_unknown=True, facts=facts, reads=reads)
    validator.validate(document, normalize=False)
    assert set(validator.errors) <= set(schema), validator.errors
    return sorted(_messages(validator.errors))


# -- people and rotations ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("constraint", "value", "as_of", "expected"),
    [
        (True, "asmith", AS_OF, []),
        (True, "nobody", AS_OF, ["'nobody' is not a person in the inventory"]),
        (False, "nobody", AS_OF, []),
        (True, "cvendor", dt.date(2027, 6, 30), []),  # the contract's last day
        (True, "cvendor", dt.date(2027, 7, 1), ["'cvendor' is not an active person"]),
        (["ml-sre"], ["bkumar", "cvendor"], AS_OF, []),
        (["ml-sre"], ["asmith", "bkumar"], AS_OF, ["'asmith' holds none of the roles ml-sre"]),
        (
            ["risk-officer", "model-risk"],
            "asmith",
            AS_OF,
            ["'asmith' holds none of the roles model-risk, risk-officer"],
        ),
        (["engineering-manager", "x"], "asmith", AS_OF, []),
    ],
)
def test_active_person(
    inventory: Inventory, constraint: Any, value: Any, as_of: dt.date, expected: list[str]
) -> None:
    schema = {"p": {"active_person": constraint}}
    assert errors(inventory, schema, {"p": value}, as_of) == expected


@pytest.mark.parametrize(
    ("constraint", "as_of", "expected"),
    [
        ({"min_members": 2, "min_internal": 1}, AS_OF, []),
        ({}, AS_OF, []),
        (
            {"min_members": 3},
            AS_OF,
            ["rotation 'ml-oncall' has 2 active member(s), needs 3"],
        ),
        (
            {"min_internal": 2},
            AS_OF,
            ["rotation 'ml-oncall' has 1 active internal member(s), needs 2"],
        ),
        (  # the contractor's contract has ended: one member left, internal
            {"min_members": 2, "min_internal": 1},
            dt.date(2027, 7, 1),
            ["rotation 'ml-oncall' has 1 active member(s), needs 2"],
        ),
        ({"min_members": 1, "min_internal": 1}, dt.date(2027, 7, 1), []),
    ],
)
def test_rotation_staffed(
    inventory: Inventory, constraint: dict[str, int], as_of: dt.date, expected: list[str]
) -> None:
    schema = {"oncall": {"rotation_staffed": constraint}}
    assert errors(inventory, schema, {"oncall": "ml-oncall"}, as_of) == expected


def test_rotation_staffed_asks_only_what_the_rule_says(tmp_path: Path) -> None:
    """A rule that sets only one of the two minimums sets no other: a rotation left with
    no active member passes ``{min_internal: 0}`` and ``{min_members: 0}``."""
    root = write_minirepo(tmp_path / "repo")
    edit(root / "inventory/rotations/ml-oncall.yaml", "  - bkumar\n  - cvendor", "  - cvendor")
    inventory = open_inventory(Where(root, None, use_cache=False))
    after_contract = dt.date(2027, 7, 1)
    for constraint in ({"min_internal": 0}, {"min_members": 0}, {}):
        schema = {"oncall": {"rotation_staffed": constraint}}
        assert errors(inventory, schema, {"oncall": "ml-oncall"}, after_contract) == []
    schema = {"oncall": {"rotation_staffed": {"min_members": 1, "min_internal": 1}}}
    assert errors(inventory, schema, {"oncall": "ml-oncall"}, after_contract) == [
        "rotation 'ml-oncall' has 0 active internal member(s), needs 1",
        "rotation 'ml-oncall' has 0 active member(s), needs 1",
    ]


def test_rotation_staffed_names_an_unknown_rotation(inventory: Inventory) -> None:
    schema = {"oncall": {"rotation_staffed": {"min_members": 1}}}
    assert errors(inventory, schema, {"oncall": "nightly"}) == [
        "'nightly' is not a rotation in the inventory"
    ]


@pytest.mark.parametrize(
    ("constraint", "person", "expected"),
    [
        (True, "bkumar", []),
        (True, "asmith", ["'asmith' is not on a rotation"]),
        (False, "asmith", []),
        (False, "cvendor", ["'cvendor' is on a rotation"]),
    ],
)
def test_on_rotation(
    inventory: Inventory, constraint: bool, person: str, expected: list[str]
) -> None:
    assert errors(inventory, {"id": {"on_rotation": constraint}}, {"id": person}) == expected


# -- dates and durations -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2026-11-26", []),
        ("2026-10-27", []),  # 30 days before: the window's first day
        ("2026-10-26", ["2026-10-26 is 31 days before 2026-11-26, more than 30"]),
        ("2026-11-27", ["2026-11-27 is in the future (evaluation date 2026-11-26)"]),
        ("soon", ["'soon' is not a date"]),
    ],
)
def test_within_days(inventory: Inventory, value: str, expected: list[str]) -> None:
    assert errors(inventory, {"d": {"within_days": 30}}, {"d": value}) == expected


@pytest.mark.parametrize(
    ("tier", "value", "expected"),
    [
        ("high", "2026-11-16", []),
        ("high", "2026-11-15", ["2026-11-15 is 11 days before 2026-11-26, more than 10"]),
        ("medium", "2026-11-15", []),
        ("low", "1999-01-01", []),  # a tier not listed has no limit
    ],
)
def test_within_days_by_another_field(
    inventory: Inventory, tier: str, value: str, expected: list[str]
) -> None:
    schema = {"d": {"within_days": {"by": "risk.tier", "days": {"high": 10, "medium": 20}}}}
    assert errors(inventory, schema, {"risk": {"tier": tier}, "d": value}) == expected


def test_within_days_pass_holds_for_its_window(inventory: Inventory) -> None:
    """A pass is cached with the window of evaluation dates it holds for."""
    reads: list[tuple[str, str, Any]] = []
    assert errors(inventory, {"d": {"within_days": 30}}, {"d": "2026-11-20"}, reads=reads) == []
    assert ("between", "2026-11-20|2026-12-20", True) in reads


@pytest.mark.parametrize(
    ("start", "end", "expected"),
    [
        ("2026-01-01", "2026-01-11", []),
        ("2026-01-01", "2026-01-01", []),
        ("2026-01-01", "2026-01-12", ["2026-01-12 is 11 days after a.at, more than 10"]),
        ("2026-01-01", "2025-12-31", ["2025-12-31 is before a.at"]),
        ("2026-01-01T10:00:00Z", "2026-01-11T10:00:00Z", []),
        (
            "2026-01-01T10:00:00Z",
            "2026-01-11T10:00:01Z",
            ["2026-01-11T10:00:01Z is 10 days after a.at, more than 10"],
        ),
        (None, "2026-01-11", ["cannot compare '2026-01-11' with a.at"]),
        ("2026-01-01", "later", ["cannot compare 'later' with a.at"]),
    ],
)
def test_within_days_of(
    inventory: Inventory, start: str | None, end: str, expected: list[str]
) -> None:
    schema = {"b": {"within_days_of": {"field": "a.at", "days": 10}}}
    assert errors(inventory, schema, {"a": {"at": start}, "b": end}) == expected


@pytest.mark.parametrize(
    ("last", "cadence", "expected"),
    [
        ("2026-08-28", "P90D", []),  # due on the evaluation date
        (
            "2026-08-27",
            "P90D",
            ["2026-08-27 plus the P90D cadence fell due on 2026-11-25, before 2026-11-26"],
        ),
        (
            "2026-08-27",
            "P3M",
            ["2026-08-27 plus the P3M cadence fell due on 2026-11-25, before 2026-11-26"],
        ),
        ("2026-08-27", None, ["no valid cadence in 'cadence'"]),
        ("2026-08-27", "often", ["no valid cadence in 'cadence'"]),
        ("lately", "P90D", ["'lately' is not a date"]),
    ],
)
def test_within_cadence(
    inventory: Inventory, last: str, cadence: str | None, expected: list[str]
) -> None:
    schema = {"review": {"type": "dict", "schema": {"last": {"within_cadence": "cadence"}}}}
    document = {"review": {"last": last, "cadence": cadence}}
    assert errors(inventory, schema, document) == expected


def test_within_cadence_pass_holds_until_due(inventory: Inventory) -> None:
    reads: list[tuple[str, str, Any]] = []
    schema = {"review": {"type": "dict", "schema": {"last": {"within_cadence": "cadence"}}}}
    document = {"review": {"last": "2026-11-20", "cadence": "P10D"}}
    assert errors(inventory, schema, document, reads=reads) == []
    assert ("between", "0001-01-01|2026-11-30", True) in reads


@pytest.mark.parametrize(
    ("constraint", "value", "expected"),
    [
        (True, "2026-11-26", []),
        (True, "2027-01-01", []),
        (True, "2026-11-25", ["2026-11-25 is before 2026-11-26"]),
        (True, "someday", ["someday is before 2026-11-26"]),
        (False, "2026-11-25", []),
    ],
)
def test_not_past(inventory: Inventory, constraint: bool, value: str, expected: list[str]) -> None:
    assert errors(inventory, {"e": {"not_past": constraint}}, {"e": value}) == expected


def test_not_past_pass_holds_until_the_day(inventory: Inventory) -> None:
    reads: list[tuple[str, str, Any]] = []
    assert errors(inventory, {"e": {"not_past": True}}, {"e": "2026-12-01"}, reads=reads) == []
    assert ("between", "0001-01-01|2026-12-01", True) in reads


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("P90D", []),
        ("P3M", []),  # 90 days
        ("P12W", []),
        ("P91D", ["P91D is longer than P90D"]),
        ("PT2161H", ["PT2161H is longer than P90D"]),
        ("quarterly", ["'quarterly' is not an ISO 8601 duration"]),
    ],
)
def test_max_duration(inventory: Inventory, value: str, expected: list[str]) -> None:
    assert errors(inventory, {"c": {"max_duration": "P90D"}}, {"c": value}) == expected


# -- datasets and files ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pii", "constraint", "value", "expected"),
    [
        (
            False,
            True,
            "events-features",
            ["dataset 'events-features' does not carry personal data"],
        ),
        (False, False, "events-features", []),
        (True, True, "events-features", []),  # through its parent
        (True, True, ["events-raw", "events-features"], []),
        (True, False, "events-raw", ["dataset 'events-raw' carries personal data"]),
    ],
)
def test_personal_data_lineage(
    inventory: Inventory,
    pii_inventory: Inventory,
    pii: bool,
    constraint: bool,
    value: Any,
    expected: list[str],
) -> None:
    schema = {"id": {"personal_data_lineage": constraint}}
    assert errors(pii_inventory if pii else inventory, schema, {"id": value}) == expected


@pytest.mark.parametrize(
    ("constraint", "dataset", "expected"),
    [
        (True, "events-features", []),
        (True, "events-cooked", ["the lineage of 'events-cooked' is incomplete or circular"]),
        (False, "events-cooked", []),
    ],
)
def test_lineage_complete(
    inventory: Inventory, constraint: bool, dataset: str, expected: list[str]
) -> None:
    schema = {"id": {"lineage_complete": constraint}}
    assert errors(inventory, schema, {"id": dataset}) == expected


def test_repo_file(inventory: Inventory) -> None:
    schema = {"runbook": {"repo_file": True}}
    assert errors(inventory, schema, {"runbook": "runbooks/m1.md"}) == []
    missing = errors(inventory, schema, {"runbook": "runbooks/m2.md"})
    assert len(missing) == 1
    assert missing[0].startswith("'runbooks/m2.md' ")
    assert errors(inventory, {"runbook": {"repo_file": False}}, {"runbook": "nowhere.md"}) == []


# -- fields of the same record -----------------------------------------------------------


@pytest.mark.parametrize(
    ("developers", "value", "expected"),
    [
        (["asmith", "bkumar"], "cvendor", []),
        (["asmith", "bkumar"], "bkumar", ["'bkumar' is also named in ownership.developers"]),
        ("bkumar", "bkumar", ["'bkumar' is also named in ownership.developers"]),
        (
            ["asmith", "bkumar"],
            ["bkumar", "cvendor", "asmith"],
            ["'bkumar, asmith' is also named in ownership.developers"],
        ),
        (None, "bkumar", []),
    ],
)
def test_distinct_from(
    inventory: Inventory, developers: Any, value: Any, expected: list[str]
) -> None:
    schema = {"validator": {"distinct_from": ["ownership.developers"]}}
    document = {"ownership": {"developers": developers}, "validator": value}
    assert errors(inventory, schema, document) == expected


@pytest.mark.parametrize(
    ("budget", "value", "expected"),
    [
        (5, 5, []),
        (5, 4.5, []),
        (5, 6, ["6 is above the budget 5 (budget.max)"]),
        (0.5, 0.51, ["0.51 is above the budget 0.5 (budget.max)"]),
        (None, 6, []),
        ("5", 6, []),
    ],
)
def test_at_most_field(inventory: Inventory, budget: Any, value: Any, expected: list[str]) -> None:
    schema = {"cost": {"at_most_field": "budget.max"}}
    assert errors(inventory, schema, {"budget": {"max": budget}, "cost": value}) == expected


BY_DEVELOPER = "the 'deploy' approval of version 1.2.0 is by a developer or an inactive person"


@pytest.mark.parametrize(
    ("approvals", "expected"),
    [
        ([{"stage": "deploy", "version": "1.2.0", "by": "bkumar"}], []),
        ([{"stage": "deploy", "version": "1.2.0", "by": "asmith"}], [BY_DEVELOPER]),
        ([{"stage": "deploy", "version": "1.2.0", "by": "nobody"}], [BY_DEVELOPER]),
        (
            [
                {"stage": "deploy", "version": "1.2.0", "by": "asmith"},
                {"stage": "deploy", "version": "1.2.0", "by": "bkumar"},
            ],
            [],
        ),
        (
            [
                {"stage": "deploy", "version": "1.2.0", "by": "bkumar"},
                {"stage": "deploy", "version": "1.2.0", "by": "asmith"},
            ],
            [],
        ),
        (
            [{"stage": "validation", "version": "1.2.0", "by": "bkumar"}],
            ["no 'deploy' approval for version 1.2.0"],
        ),
        (
            [{"stage": "deploy", "version": "1.1.0", "by": "bkumar"}],
            ["no 'deploy' approval for version 1.2.0"],
        ),
        (["deploy"], ["no 'deploy' approval for version 1.2.0"]),
    ],
)
def test_approved_current_version(
    inventory: Inventory, approvals: list[Any], expected: list[str]
) -> None:
    schema = {"approvals": {"approved_current_version": "deploy"}}
    document = {"version": "1.2.0", "ownership": {"developers": ["asmith"]}, "approvals": approvals}
    assert errors(inventory, schema, document) == expected


def test_approval_by_a_person_no_longer_active(inventory: Inventory) -> None:
    schema = {"approvals": {"approved_current_version": "deploy"}}
    document = {
        "version": "1.2.0",
        "approvals": [{"stage": "deploy", "version": "1.2.0", "by": "cvendor"}],
    }
    assert errors(inventory, schema, document) == []
    assert errors(inventory, schema, document, dt.date(2027, 7, 1)) == [BY_DEVELOPER]


def test_rules_on_people_record_the_facts_they_read(inventory: Inventory) -> None:
    """A cached result is reused only while the facts it read are unchanged, so each rule
    must record the person or rotation it looked at (or a cached pass outlives them)."""
    bkumar = ("person", "bkumar", (True, False, ("ml-sre",)))
    cvendor = ("person", "cvendor", (True, True, ("ml-sre",)))
    cases: list[tuple[dict[str, Any], dict[str, Any], tuple[str, str, Any]]] = [
        ({"p": {"active_person": True}}, {"p": ["cvendor"]}, cvendor),
        (
            {"approvals": {"approved_current_version": "deploy"}},
            {"version": "1", "approvals": [{"stage": "deploy", "version": "1", "by": "bkumar"}]},
            bkumar,
        ),
        (
            {"oncall": {"rotation_staffed": {"min_members": 1}}},
            {"oncall": "ml-oncall"},
            ("rotation", "ml-oncall", (bkumar[1:], cvendor[1:])),
        ),
        ({"id": {"on_rotation": True}}, {"id": "bkumar"}, ("on_rotation", "bkumar", True)),
        ({"f": {"repo_file": True}}, {"f": "runbooks/m1.md"}, ("file", "runbooks/m1.md", None)),
        (
            {"id": {"lineage_complete": True}},
            {"id": "events-raw"},
            ("lineage_complete", "events-raw", True),
        ),
        (
            {"id": {"personal_data_lineage": False}},
            {"id": "events-raw"},
            ("personal_data", "events-raw", False),
        ),
    ]
    for schema, document, read in cases:
        reads: list[tuple[str, str, Any]] = []
        assert errors(inventory, schema, document, reads=reads) == []
        assert read in reads, (schema, reads)


# -- waivers -----------------------------------------------------------------------------

FAILING = {("runbook-required", "Model", "m1")}


@pytest.mark.parametrize(
    ("rule", "kind", "subject", "failing", "expected"),
    [
        ("runbook-required", "Model", "m1", FAILING, []),
        ("runbook-required", "Model", "m1", None, []),  # failures not known yet
        (
            "runbook-required",
            "Model",
            "m1",
            set(),
            ["rule 'runbook-required' does not fail for Model 'm1': nothing to waive"],
        ),
        ("runbook-missing", "Model", "m1", FAILING, ["rule 'runbook-missing' does not exist"]),
        ("runbook-required", "Modle", "m1", FAILING, ["subject Modle 'm1' does not exist"]),
        ("runbook-required", "Model", "m9", FAILING, ["subject Model 'm9' does not exist"]),
    ],
)
def test_waiver_matches_failure(
    inventory: Inventory,
    rule: str,
    kind: str,
    subject: str,
    failing: set[tuple[str, str, str]] | None,
    expected: list[str],
) -> None:
    document = {"id": "w", "rule": rule, "subject": {"kind": kind, "id": subject}}
    schema = {"id": {"waiver_matches_failure": True}}
    assert errors(inventory, schema, document, failing=failing) == expected
    off = {"id": {"waiver_matches_failure": False}}
    assert errors(inventory, off, document, failing=set()) == []


def _result(rule: str, kind: Kind, subject: str, status: Status) -> Result:
    return Result(rule, Severity.HIGH, status, kind, subject, f"{subject}.yaml", 3, 1, "message")


def test_a_valid_waiver_waives_exactly_its_failure(inventory: Inventory) -> None:
    results = [
        _result("runbook-required", Kind.MODEL, "m1", Status.FAIL),
        _result("runbook-required", Kind.MODEL, "m2", Status.FAIL),
        _result("other-rule", Kind.MODEL, "m1", Status.FAIL),
        _result("runbook-required", Kind.DATASET, "m1", Status.FAIL),
    ]
    waived = apply_waivers(results, inventory)
    assert [r.status for r in waived] == [Status.WAIVED, Status.FAIL, Status.FAIL, Status.FAIL]
    assert (waived[0].waiver, waived[0].waiver_expires) == ("m1-runbook", "2026-05-01")
    assert all(r.waiver is None and r.waiver_expires is None for r in waived[1:])
    assert waived[0].rule == "runbook-required" and waived[0].details == ()


def test_a_waiver_never_turns_a_pass_into_waived(inventory: Inventory) -> None:
    results = [_result("runbook-required", Kind.MODEL, "m1", Status.PASS)]
    assert apply_waivers(results, inventory) == results


def test_a_broken_waiver_waives_nothing(inventory: Inventory) -> None:
    results = [
        _result("runbook-required", Kind.MODEL, "m1", Status.FAIL),
        _result("waiver-unexpired", Kind.WAIVER, "m1-runbook", Status.FAIL),
    ]
    assert [r.status for r in apply_waivers(results, inventory)] == [Status.FAIL, Status.FAIL]
    passed = [results[0], _result("waiver-unexpired", Kind.WAIVER, "m1-runbook", Status.PASS)]
    assert [r.status for r in apply_waivers(passed, inventory)] == [Status.WAIVED, Status.PASS]


def test_a_waiver_without_expiry_is_waived_without_a_date(tmp_path: Path) -> None:
    root = write_minirepo(tmp_path / "repo")
    edit(root / "inventory/waivers/m1-runbook.yaml", "expires: 2026-05-01\n", "")
    inventory = open_inventory(Where(root, None, use_cache=False))
    results = [_result("runbook-required", Kind.MODEL, "m1", Status.FAIL)]
    (waived,) = apply_waivers(results, inventory)
    assert (waived.status, waived.waiver, waived.waiver_expires) == (
        Status.WAIVED,
        "m1-runbook",
        None,
    )


# -- documentation -----------------------------------------------------------------------


@pytest.mark.parametrize("name", sorted(CUSTOM_RULES))
def test_every_custom_rule_is_documented_without_its_argument_schema(name: str) -> None:
    text = describe(name)
    assert "Example: ``" in text
    assert "The rule's arguments" not in text and "schema:\n{" not in text
    assert text == text.strip()


def test_the_registry_holds_every_custom_rule_and_nothing_else() -> None:
    assert sorted(CUSTOM_RULES) == [
        "active_person",
        "approved_current_version",
        "at_most_field",
        "contract_ending_cover",
        "covers_week",
        "deputies_not_one_supplier",
        "distinct_from",
        "lineage_complete",
        "max_duration",
        "min_bus_factor",
        "not_past",
        "on_rotation",
        "personal_data_lineage",
        "reconciled",
        "repo_file",
        "role_requirements",
        "rotation_staffed",
        "shifts_trained",
        "shifts_within_contract",
        "waiver_matches_failure",
        "within_cadence",
        "within_days",
        "within_days_of",
    ]
