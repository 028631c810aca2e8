"""``coverage``: JSON valid against schemas/coverage.schema.json, text clause by clause."""

from __future__ import annotations

import copy
import dataclasses
import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from support.checks import evaluate_at
from support.cli import invoke
from support.repos import AS_OF, AS_OF_TEXT, REPO_ROOT, copy_sample
from support.schemas import load_schema, messages, validator_for

from compliance_tool.checks.coverage import (
    CLAUSE_ONLY,
    ClauseCoverage,
    ControlCoverage,
    ControlStatus,
    Coverage,
    CoverageResult,
    FrameworkCoverage,
    Rationale,
    ScenarioOutcome,
    UpcomingResult,
    compute_coverage,
)
from compliance_tool.checks.engine import CheckResult
from compliance_tool.checks.frameworks import AppliesFrom, frameworks
from compliance_tool.reporters import coverage as coverage_reporter
from compliance_tool.repository.session import Where, open_inventory

SCHEMA_PATH = REPO_ROOT / "schemas" / "coverage.schema.json"
DATE = ("--as-of", AS_OF.isoformat())


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return load_schema(SCHEMA_PATH)


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return validator_for(schema)


@pytest.fixture(scope="module")
def as_json() -> dict[str, Any]:
    """``coverage --format json`` on the sample (scenarios included)."""
    result = invoke("--repo", REPO_ROOT, "coverage", "--format", "json", *DATE)
    assert result.exit_code == 0, result.stderr
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return document


@pytest.fixture(scope="module")
def as_text() -> str:
    """``coverage`` as text on the sample."""
    result = invoke("--repo", REPO_ROOT, "coverage", *DATE)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _objects(node: Any, where: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    if isinstance(node, dict):
        if "properties" in node:
            yield where, node
        for key, value in node.items():
            yield from _objects(value, f"{where}/{key}")
    elif isinstance(node, list):
        for index, item in enumerate(node):
            yield from _objects(item, f"{where}/{index}")


# -- the schema ----------------------------------------------------------------------------


def test_schema_identity(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == coverage_reporter.COVERAGE_SCHEMA_ID
    assert schema["$id"] == "https://compliance-tool.dev/schemas/output/coverage.schema.json"
    assert schema["properties"]["$schema"]["const"] == coverage_reporter.COVERAGE_SCHEMA_ID


def test_schema_is_strict_and_described(schema: dict[str, Any]) -> None:
    objects = list(_objects(schema))
    # the document, tool, control, upcoming result, scenario, framework, amendment, clause,
    # rationale, source, applies_from and framework date objects
    assert len(objects) == 12
    for where, node in objects:
        if node.get("type") == "object":
            assert node.get("additionalProperties") is False, where
            # the document always writes every key
            assert sorted(node["required"]) == sorted(node["properties"]), where
        for name, sub in node["properties"].items():
            assert sub.get("description"), f"{where}/{name}"
    for name, definition in schema["$defs"].items():
        assert definition.get("description"), name


def test_status_enums_are_the_tool_s(schema: dict[str, Any]) -> None:
    clause = schema["$defs"]["clauseStatus"]["enum"]
    control = schema["$defs"]["controlStatus"]["enum"]
    assert clause == [s.value for s in ControlStatus]
    # a control is checked by something, or reported as 'no evidence': never 'not covered',
    # and only a clause of a historical framework is 'historical'
    assert control == [s.value for s in ControlStatus if s not in CLAUSE_ONLY]


# -- the output ----------------------------------------------------------------------------


def test_sample_coverage_validates(
    as_json: dict[str, Any], validator: jsonschema.Draft202012Validator
) -> None:
    assert messages(validator, as_json) == []
    assert as_json["as_of"] == "2026-11-26"
    assert as_json["commit"] is None
    controls = sorted(p.stem for p in (REPO_ROOT / "policies/controls").glob("*.yaml"))
    assert [c["id"] for c in as_json["controls"]] == controls
    frameworks = sorted(p.stem for p in (REPO_ROOT / "policies/frameworks").glob("*.yaml"))
    assert [f["id"] for f in as_json["frameworks"]] == frameworks
    passing = sum(c["status"] in ("pass", "manual with evidence") for c in as_json["controls"])
    assert as_json["share_passing"] == round(passing / len(controls), 4)


@pytest.fixture(scope="module")
def checked() -> CheckResult:
    """Every rule on the sample, as ``coverage`` evaluates it."""
    return evaluate_at(REPO_ROOT)


def _synthetic(result: CheckResult, commit: str | None) -> dict[str, Any]:
    """A coverage document holding every status, a scenario, an upcoming result, a date a
    control applies from, a rationale, a historical and a current framework, and a commit."""
    scenario = ScenarioOutcome("A scenario", "features/x.feature", False, ("C-01",))
    later = AppliesFrom(AS_OF.replace(year=2027), "eu-ai-act-2024-1689", "annex-iii-high-risk")
    controls = tuple(
        ControlCoverage(
            f"C-0{i}",
            "",
            "manual" if status is ControlStatus.MANUAL else "scenario",
            status,
            ("MON-01-drift-thresholds",),
            ("MON-01-drift-thresholds: Model churn-propensity",),
            ("VAL-01-validation-current: Model fraud-scoring",),
            (scenario,),
            "1 rule(s), 16 result(s)",
            (UpcomingResult("RISK-02-fria: Model credit-scoring", later),),
            later if i % 2 else None,
        )
        for i, status in enumerate(s for s in ControlStatus if s not in CLAUSE_ONLY)
    )
    clauses = tuple(
        ClauseCoverage(
            f"Art. {i}",
            f"Clause {i}",
            () if s is ControlStatus.NOT_COVERED else ("C-00",),
            s,
            provisional=bool(i % 2),
            rationales=() if s is ControlStatus.NOT_COVERED else (Rationale("C-00", "Because."),),
        )
        for i, s in enumerate(ControlStatus)
    )
    known = frameworks(open_inventory(Where(REPO_ROOT, None, use_cache=False)))
    eu, old = known["eu-ai-act-2024-1689"], known["sr-11-7"]
    framework_list = (
        FrameworkCoverage("fw", "A framework", "superseded", clauses, old, None),
        FrameworkCoverage("eu", "Another", "active", clauses, eu, eu.dates[-1]),
    )
    return coverage_reporter.coverage_document(
        Coverage(controls, framework_list), dataclasses.replace(result, commit=commit)
    )


@pytest.mark.parametrize("commit", [None, "0123abcd" * 5])
def test_every_status_validates(
    validator: jsonschema.Draft202012Validator, checked: CheckResult, commit: str | None
) -> None:
    assert messages(validator, _synthetic(checked, commit)) == []
    # and the document of the sample's coverage without scenarios, read from a commit
    inventory = open_inventory(Where(REPO_ROOT, None, use_cache=False))
    result = dataclasses.replace(checked, commit=commit)
    coverage = CoverageResult(compute_coverage(inventory, result), result)
    rendered = json.loads(coverage_reporter.render_json(coverage))
    assert messages(validator, rendered) == []
    assert rendered["commit"] == commit
    assert all(c["scenarios"] == [] for c in rendered["controls"])


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (lambda d: d.update(extra=1), "top-level key"),
        (lambda d: d["controls"][0].update(extra=1), "control key"),
        (lambda d: d["frameworks"][0]["clauses"][0].update(extra=1), "clause key"),
        (lambda d: d["controls"][0]["scenarios"][0].update(extra=1), "scenario key"),
        (lambda d: d["tool"].update(extra=1), "tool key"),
        (lambda d: d["controls"][0].update(status="not covered"), "control status"),
        (lambda d: d["frameworks"][0]["clauses"][0].update(status="partly"), "clause status"),
        (lambda d: d["frameworks"][0].update(status="withdrawn"), "framework status"),
        (lambda d: d["controls"][0].update(verification="by hand"), "verification"),
        (lambda d: d.update(share_passing=1.5), "share"),
        (lambda d: d.update(as_of="26.11.2026"), "date"),
        (lambda d: d.update(commit="HEAD"), "commit"),
        (lambda d: d.update(version=2), "version"),
        (lambda d: d["controls"][0].pop("evidence"), "missing key"),
        (lambda d: d["controls"][0].update(failing=["churn-propensity fails"]), "result format"),
        (lambda d: d["controls"][0].update(status="historical"), "historical control"),
        (lambda d: d["controls"][0]["upcoming"][0].pop("applies_from"), "upcoming date"),
        (lambda d: d["controls"][1]["applies_from"].update(in_force="no"), "in force"),
        (lambda d: d["frameworks"][0].pop("verified_on"), "verified_on"),
        (lambda d: d["frameworks"][0]["source"].pop("url"), "source url"),
        (lambda d: d["frameworks"][0].update(historical=None), "historical"),
        (lambda d: d["frameworks"][0]["clauses"][0].pop("provisional"), "provisional"),
        (lambda d: d["frameworks"][0]["clauses"][1]["rationales"][0].update(rationale=""), "why"),
        (lambda d: d["frameworks"][1]["next_date"].update(date="2 Dec 2027"), "next date"),
        (lambda d: d["frameworks"][1]["amendments"][0].update(legal_status="maybe"), "force"),
        (lambda d: d.pop("mapping_note"), "mapping note"),
    ],
)
def test_schema_rejects_what_the_document_never_holds(
    validator: jsonschema.Draft202012Validator, checked: CheckResult, change: Any, where: str
) -> None:
    document = copy.deepcopy(_synthetic(checked, None))
    assert messages(validator, document) == []
    change(document)
    assert messages(validator, document) != [], where


# -- the text ------------------------------------------------------------------------------


def _framework_blocks(text: str) -> dict[str, tuple[list[str], list[str]]]:
    """Framework heading line -> (its provenance lines, its clause lines); the rationale
    lines under a clause are left out."""
    blocks = text.split("\n\n")
    assert blocks[1].startswith("Clauses: A clause shown as covered reflects the organisation")
    found = {}
    for block in blocks[2:]:
        heading, *lines = block.splitlines()
        cut = next(i for i, line in enumerate(lines) if line.startswith("  clauses"))
        clauses = [line for line in lines[cut + 1 :] if not line.startswith("      why ")]
        assert all(line.startswith("    ") for line in clauses), heading
        found[heading] = (lines[:cut], clauses)
    return found


def test_text_lists_every_framework_with_its_clauses(as_text: str) -> None:
    blocks = _framework_blocks(as_text)
    files = sorted((REPO_ROOT / "policies/frameworks").glob("*.yaml"))
    assert len(blocks) == len(files) == 5
    for path, (heading, (_, lines)) in zip(files, blocks.items(), strict=True):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        assert heading == f"{data['title']} ({data['id']}, {data['status']})"
        assert [line.split("  ")[2].strip() for line in lines] == [
            c["id"] for c in data["clauses"]
        ], data["id"]


def test_text_and_json_agree_clause_by_clause(as_text: str, as_json: dict[str, Any]) -> None:
    blocks = [lines for _, lines in _framework_blocks(as_text).values()]
    for framework, lines in zip(as_json["frameworks"], blocks, strict=True):
        for clause, line in zip(framework["clauses"], lines, strict=True):
            rest = line.strip()[len(clause["id"]) :].strip()
            assert rest.startswith(clause["status"]), (framework["id"], clause["id"], line)
            rest = rest[len(clause["status"]) :].strip()
            if clause["provisional"]:
                assert rest.startswith("(provisional) "), line
                rest = rest.removeprefix("(provisional)").strip()
            controls = ", ".join(clause["controls"]) or "-"
            assert rest.startswith(controls), line


def _control_line(text: str, control: str) -> str:
    return next(line for line in text.splitlines() if line.startswith(f"  {control} "))


def test_manual_control_with_evidence_fails_when_a_rule_refutes_it(
    as_text: str, as_json: dict[str, Any]
) -> None:
    """INV-01 is attested by model risk; the REC- rules mapped to it read what runs, and
    the shadow model of P10 fails it whatever the attestation says."""
    assert _control_line(as_text, "INV-01").split()[1] == "fail"
    inv = next(c for c in as_json["controls"] if c["id"] == "INV-01")
    assert inv["status"] == "fail"
    assert inv["evidence"].startswith(
        "evidence/attestations/INV-01-2026-q3.md attested by rkhan on 2026-10-05; "
    )
    assert inv["failing"] == ["REC-01-undeclared-model: Observation manifests"]
    art_11 = next(c for c in as_json["frameworks"][0]["clauses"] if c["id"] == "Art. 11")
    assert (art_11["controls"], art_11["status"]) == (["INV-01"], "fail")


def test_manual_control_with_evidence_and_no_failing_rule(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "sample", config=True)
    shutil.rmtree(root / "inventory" / "observations")
    result = invoke("--repo", root, "coverage", "--as-of", AS_OF_TEXT, "--format", "json")
    inv = next(c for c in json.loads(result.stdout)["controls"] if c["id"] == "INV-01")
    assert inv["status"] == "manual with evidence"
    assert inv["evidence"] == (
        "evidence/attestations/INV-01-2026-q3.md attested by rkhan on 2026-10-05"
    )


def test_control_whose_rule_fails_shows_fail(as_text: str, as_json: dict[str, Any]) -> None:
    assert _control_line(as_text, "MON-01").split()[1] == "fail"
    block = as_text.split(_control_line(as_text, "MON-01"), 1)[1].split("\n  MON-02", 1)[0]
    assert "           fails: MON-01-drift-thresholds: Model churn-propensity" in block
    by_id = {c["id"]: c for c in as_json["controls"]}
    assert by_id["MON-01"]["failing"] == [
        "MON-01-drift-thresholds: Model churn-propensity",
        "REC-07-metric-breach: Model product-recommendations",
    ]
    # VAL-01: one failure and one waived result; the failure wins
    assert by_id["VAL-01"]["status"] == "fail"
    assert by_id["VAL-01"]["waived"] == ["VAL-01-validation-current: Model fraud-scoring"]
    # every control with a failing rule result is 'fail', and no other
    failing_rules = {f.split(":")[0] for c in as_json["controls"] for f in c["failing"]}
    for control in as_json["controls"]:
        if set(control["rules"]) & failing_rules:
            assert control["status"] == "fail", control["id"]


def test_clauses_without_a_control_are_not_covered(as_text: str, as_json: dict[str, Any]) -> None:
    mapped = set()
    for path in (REPO_ROOT / "policies/controls").glob("*.yaml"):
        for mapping in yaml.safe_load(path.read_text(encoding="utf-8")).get("mappings") or ():
            mapped.add((mapping["framework"], str(mapping["clause"])))
    uncovered = 0
    blocks = [lines for _, lines in _framework_blocks(as_text).values()]
    for framework, lines in zip(as_json["frameworks"], blocks, strict=True):
        for clause, line in zip(framework["clauses"], lines, strict=True):
            if (framework["id"], clause["id"]) in mapped or framework["historical"]:
                assert clause["status"] != "not covered"
                continue
            uncovered += 1
            assert (clause["controls"], clause["status"]) == ([], "not covered")
            words = [w for w in line.strip()[len(clause["id"]) :].split() if w != "(provisional)"]
            assert words[:3] == ["not", "covered", "-"]
    assert uncovered >= 5
    assert any(
        c["id"] == "Art. 10" and c["status"] == "not covered"
        for c in as_json["frameworks"][0]["clauses"]
    )
