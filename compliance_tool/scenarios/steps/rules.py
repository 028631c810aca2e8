"""Steps about rules: how a rule treats each selected record, and how it treats an
example record written in the scenario (as YAML or as a field/value table)."""

from __future__ import annotations

import difflib
from typing import Any

from compliance_tool.checks.engine import Result, Status
from compliance_tool.checks.examples import evaluate_record
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.yamlio import parse_document
from compliance_tool.scenarios.steps.catalogue import ASSERTING, EXAMPLES
from compliance_tool.scenarios.steps.vocabulary import KIND_WORDS, KINDS
from compliance_tool.scenarios.steps.world import World, fail, noun_for, record_at, yaml_value


def _known_rule(world: World, rule_id: str) -> None:
    __tracebackhide__ = True
    known = world.governance.rule_kinds
    if rule_id not in known:
        close = difflib.get_close_matches(rule_id, list(known), n=3, cutoff=0.5)
        hint = f" (did you mean {', '.join(close)}?)" if close else ""
        fail(f"unknown rule '{rule_id}'{hint}: rules live in policies/rules/")


def _result_lines(result: Result) -> str:
    return "".join(f"\n      line {d.line}: {d.field}: {d.message}" for d in result.details)


@ASSERTING.step(
    "Then",
    "rule <rule id> <passes for each | passes for each, or is waived | is waived for each>",
    r"rule (?P<rule_id>[\w.-]+) (?P<how>passes for each, or is waived|passes for each|is waived for each)",
)
def assert_rule_on_selection(scenario_world: World, rule_id: str, how: str) -> None:
    """The rule, run on the inventory at the evaluation date with waivers applied, passes
    for each selected record (or, with 'or is waived', passes or is covered by a valid
    waiver; or is waived for each). A record the rule does not apply to breaks the step.
    Example: Then rule VAL-01-validation-current passes for each, or is waived
    """
    _known_rule(scenario_world, rule_id)
    results = {
        (r.kind, r.subject): r for r in scenario_world.governance.check.results if r.rule == rule_id
    }
    accepted = {
        "passes for each": {Status.PASS},
        "passes for each, or is waived": {Status.PASS, Status.WAIVED},
        "is waived for each": {Status.WAIVED},
    }[how]
    selection = scenario_world.current()
    broken = []
    for record in selection.records:
        result = results.get((record.kind, record.id))
        if result is None:
            broken.append(
                f"  {record_at(record)}  {record.id}: rule {rule_id} does not apply to it"
            )
        elif result.status not in accepted:
            state = {
                Status.FAIL: "fails",
                Status.PASS: "passes",
                Status.WAIVED: f"is waived by {result.waiver} until {result.waiver_expires}",
                Status.UPCOMING: "fails, not yet mandatory"
                + (f" (from {result.applies_from.date})" if result.applies_from else ""),
            }[result.status]
            broken.append(
                f"  {result.path}:{result.line}:{result.column}  {record.id}: "
                f"rule {rule_id} {state}{_result_lines(result)}"
            )
    if broken:
        verb = noun_for(len(broken), "breaks", "break")
        fail(
            f"{len(broken)} of {len(selection.records)} {selection.noun} {verb} it:\n"
            + "\n".join(broken)
        )


def _record_from_table(rows: list[list[str]]) -> dict[str, Any]:
    data: dict[str, Any] = {}
    if rows and [c.strip().lower() for c in rows[0]] == ["field", "value"]:
        rows = rows[1:]
    for row in rows:
        if len(row) != 2:
            fail(f"each table row needs a field and a value, got {len(row)} cells: {row}")
        dotted, text = row[0].strip(), row[1].strip()
        target = data
        parts = dotted.split(".")
        for part in parts[:-1]:
            nested = target.setdefault(part, {})
            if not isinstance(nested, dict):
                fail(f"field {dotted}: {part} already holds a value")
            target = nested
        target[parts[-1]] = yaml_value(text)
    return data


@EXAMPLES.step(
    "Given",
    "a <kind> record:",
    rf"an? (?P<kind_word>{KINDS}) record:?",
)
def example_record(
    scenario_world: World,
    kind_word: str,
    docstring: str | None = None,
    datatable: list[list[str]] | None = None,
) -> None:
    """An example record written in the scenario, as YAML in a docstring (three double
    quotes) or as a table of field | value rows (dotted fields, YAML values). Only the
    fields the rules need are required; without an id it is called 'example'. It is
    checked inside the inventory being read, so it may name its people and rotations.
    Example: Given a model record:
    """
    if docstring is not None:
        document = parse_document(docstring.encode("utf-8"))
        if document.data is None or document.issues:
            issue = document.issues[0] if document.issues else None
            detail = f"line {issue.line}: {issue.message}" if issue else "not a mapping"
            fail(f"the {kind_word} record is not valid YAML ({detail})")
        data = document.data
    elif datatable is not None:
        data = _record_from_table([list(map(str, row)) for row in datatable])
    else:
        fail(
            f"write the {kind_word} record below the step: YAML between three double quotes, "
            "or a table of | field | value | rows"
        )
    scenario_world.example_kind = KIND_WORDS[kind_word]
    scenario_world.example_data = data
    scenario_world.example_results = None


@EXAMPLES.step("When", "the rules are checked", r"the rules are checked")
def check_example(scenario_world: World) -> None:
    """Run the rules that apply to the example record's kind on it, at the evaluation date,
    inside the inventory being read (waiver examples run with every rule).
    Example: When the rules are checked
    """
    kind, data = scenario_world.example_kind, scenario_world.example_data
    if kind is None or data is None:
        fail("no example record: start with 'Given a model record:' and the record below it")
    governance = scenario_world.governance
    only = (
        None
        if kind is Kind.WAIVER
        else [rule for rule, applies in governance.rule_kinds.items() if applies is kind]
    )
    _, _, results = evaluate_record(
        governance.example_files,
        kind,
        data,
        governance.inventory.schemas,
        only,
        governance.as_of,
    )
    scenario_world.example_results = list(results)


@EXAMPLES.step(
    "Then",
    "rule <rule id> <fails for it | passes for it | does not apply to it>",
    r"rule (?P<rule_id>[\w.-]+) (?P<outcome>fails for it|passes for it|does not apply to it)",
)
def assert_rule_on_example(scenario_world: World, rule_id: str, outcome: str) -> None:
    """How the rule treated the example record: it fails, it passes, or its 'when' did
    not select the record.
    Example: Then rule MON-01-drift-thresholds fails for it
    """
    _known_rule(scenario_world, rule_id)
    if scenario_world.example_results is None:
        fail("the rules have not been checked: add 'When the rules are checked' before this step")
    mine = [r for r in scenario_world.example_results if r.rule == rule_id]
    actual = mine[0] if mine else None
    got = (
        "does not apply to it"
        if actual is None
        else {Status.PASS: "passes for it", Status.FAIL: "fails for it"}.get(
            actual.status, f"is {actual.status.value} for it"
        )
    )
    if got != outcome:
        kind = scenario_world.example_kind.value if scenario_world.example_kind else "record"
        subject = (scenario_world.example_data or {}).get("id") or "example"
        details = _result_lines(actual) if actual is not None else ""
        fail(
            f"rule {rule_id} {got}, but the scenario says it {outcome}: {kind} '{subject}'{details}"
        )
