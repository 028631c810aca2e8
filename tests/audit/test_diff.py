"""`diff BASE [HEAD]` on a scripted history: exactly the scripted record changes with old
and new values, the move as a rename, the rule results that changed; JSON valid against
schemas/diff.schema.json; Markdown that reads as a pull-request comment."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from markdown_it import MarkdownIt
from support.cli import Invoke
from support.git import BOB, Script
from support.markdown import tables
from support.repos import REPO_ROOT, development_model
from support.schemas import gaps, load_schema, validator_for

from compliance_tool.audit.semantic_diff import (
    EntityChange,
    FieldChange,
    ResultChange,
    SemanticDiff,
)
from compliance_tool.reporters.diff import DIFF_SCHEMA_ID, diff_document
from compliance_tool.repository.kinds import Kind

SCHEMA_PATH = REPO_ROOT / "schemas" / "diff.schema.json"
AS_OF = "2026-03-10"

DFORMER = """\
apiVersion: governance/v1
kind: Person
id: dformer
name: Dana Former
status: left
affiliation:
  type: internal
  organisation: Example Bank
roles:
  - ml-sre
"""
ARCHIVE = """\
apiVersion: governance/v1
kind: Dataset
id: events-archive
name: Archived events
owner: asmith
classification:
  level: internal
  contains_pii: false
"""
ROLLBACK_RULE = """\
apiVersion: governance/v1
kind: Rule
id: rollback-active
title: Models in validation or production name an active rollback authority and deputy
rationale: Someone who is still here must be able to roll the model back.
severity: high
controls: [OPS-01]
applies_to: Model
when:
  lifecycle: {required: true, allowed: [validation, production]}
require:
  ownership:
    required: true
    type: dict
    schema:
      rollback_authority:
        required: true
        type: dict
        schema:
          primary: {required: true, active_person: true}
          deputies: {required: true, type: list, minlength: 1, active_person: true}
remediation: Name active people as rollback primary and deputy.
"""
M2 = development_model("m2", "Churn model")


@pytest.fixture
def scripted(tmp_path: Path, git_env: None) -> tuple[Script, str, str]:
    """BASE: the minimal repository plus a person who left, an unused dataset, a rule on
    rollback authorities and a model in validation whose rollback primary is the person
    who left (so that rule fails). Then one commit each: add model m2 (no operations, so
    runbook-required fails for it); put m-val into production with an active rollback
    primary (so rollback-active passes); move m1 into inventory/models/scoring/; delete
    the unused dataset. Returns the script, BASE and HEAD."""
    script = Script.minimal(tmp_path / "repo")
    script.write("inventory/people/dformer.yaml", DFORMER)
    script.write("inventory/datasets/events-archive.yaml", ARCHIVE)
    script.write("policies/rules/rollback-active.yaml", ROLLBACK_RULE)
    m1 = script.read("inventory/models/m1.yaml")
    script.write(
        "inventory/models/m-val.yaml",
        m1.replace("id: m1", "id: m-val")
        .replace("name: Example model", "name: Validation model")
        .replace("lifecycle: production", "lifecycle: validation")
        .replace("primary: bkumar", "primary: dformer"),
    )
    base = script.commit("Base inventory", "2026-03-02T09:00:00+00:00")
    script.write("inventory/models/m2.yaml", M2)
    script.commit("Add the churn model", "2026-03-03T09:00:00+00:00", BOB)
    script.edit("inventory/models/m-val.yaml", "lifecycle: validation", "lifecycle: production")
    script.edit("inventory/models/m-val.yaml", "primary: dformer", "primary: asmith")
    script.commit("Promote m-val; Anna holds its rollback", "2026-03-04T09:00:00+00:00")
    script.move("inventory/models/m1.yaml", "inventory/models/scoring/m1.yaml")
    script.commit("Scoring models get their own folder", "2026-03-05T09:00:00+00:00", BOB)
    script.remove("inventory/datasets/events-archive.yaml")
    head = script.commit("Drop the archive dataset", "2026-03-06T09:00:00+00:00")
    return script, base, head


EXPECTED_ENTITIES = [
    {
        "kind": "Dataset",
        "id": "events-archive",
        "change": "removed",
        "path": "inventory/datasets/events-archive.yaml",
        "old_path": None,
        "fields": [],
    },
    {
        "kind": "Model",
        "id": "m-val",
        "change": "modified",
        "path": "inventory/models/m-val.yaml",
        "old_path": None,
        "fields": [
            {
                "path": "lifecycle",
                "old": "validation",
                "new": "production",
                "added": False,
                "removed": False,
            },
            {
                "path": "ownership.rollback_authority.primary",
                "old": "dformer",
                "new": "asmith",
                "added": False,
                "removed": False,
            },
        ],
    },
    {
        "kind": "Model",
        "id": "m1",
        "change": "renamed",
        "path": "inventory/models/scoring/m1.yaml",
        "old_path": "inventory/models/m1.yaml",
        "fields": [],
    },
    {
        "kind": "Model",
        "id": "m2",
        "change": "added",
        "path": "inventory/models/m2.yaml",
        "old_path": None,
        "fields": [],
    },
]
EXPECTED_RESULTS = [
    {
        "rule": "rollback-active",
        "kind": "Model",
        "subject": "m-val",
        "old": "fail",
        "new": "pass",
        "severity": "high",
        "change": "resolved",
        "path": "inventory/models/m-val.yaml",
        "line": 1,
    },
    {
        "rule": "runbook-required",
        "kind": "Model",
        "subject": "m2",
        "old": "not applicable",
        "new": "fail",
        "severity": "high",
        "change": "newly failing",
        "path": "inventory/models/m2.yaml",
        "line": 1,
    },
]


def _diff(run_cli: Invoke, root: Path, *args: str) -> str:
    result = run_cli("--repo", root, "diff", *args, "--as-of", AS_OF)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_json_names_exactly_the_scripted_changes(
    run_cli: Invoke, scripted: tuple[Script, str, str]
) -> None:
    script, base, _ = scripted
    document = json.loads(_diff(run_cli, script.root, base, "HEAD", "--format", "json"))
    assert document["base"] == base and document["head"] == "HEAD"
    assert document["entities"] == EXPECTED_ENTITIES
    assert document["rules_compared"] is True
    assert document["results"] == EXPECTED_RESULTS
    assert document["summary"].startswith(
        "Removes dataset events-archive; puts m-val into production; changes the rollback "
        "authority of m-val; moves model m1 to inventory/models/scoring/m1.yaml; adds model "
        "m2; makes runbook-required fail"
    )


def test_a_commit_range_in_steps_adds_up(
    run_cli: Invoke, scripted: tuple[Script, str, str]
) -> None:
    """The last commit alone is the dataset deletion, and nothing else."""
    script, _, head = scripted
    document = json.loads(_diff(run_cli, script.root, "HEAD~1", head, "--format", "json"))
    assert document["entities"] == [EXPECTED_ENTITIES[0]]
    assert document["results"] == []
    assert document["summary"] == "Removes dataset events-archive."


def test_without_rules(run_cli: Invoke, scripted: tuple[Script, str, str]) -> None:
    script, base, _ = scripted
    document = json.loads(
        _diff(run_cli, script.root, base, "HEAD", "--no-rules", "--format", "json")
    )
    assert document["entities"] == EXPECTED_ENTITIES
    assert document["rules_compared"] is False and document["results"] == []


def test_the_working_tree_is_the_default_head(
    run_cli: Invoke, scripted: tuple[Script, str, str]
) -> None:
    """Uncommitted edits, an untracked file and a deleted file all count."""
    script, base, _ = scripted
    script.edit("inventory/models/m-val.yaml", "tier: medium", "tier: high")
    script.write(
        "inventory/datasets/events-new.yaml", ARCHIVE.replace("events-archive", "events-new")
    )
    (script.root / "inventory/people/dformer.yaml").unlink()
    document = json.loads(_diff(run_cli, script.root, base, "--format", "json"))
    assert document["head"] == "working tree"
    changes = {(e["kind"], e["id"]): e for e in document["entities"]}
    assert set(changes) == {
        ("Dataset", "events-archive"),
        ("Dataset", "events-new"),
        ("Model", "m-val"),
        ("Model", "m1"),
        ("Model", "m2"),
        ("Person", "dformer"),
    }
    assert changes[("Dataset", "events-new")]["change"] == "added"
    assert changes[("Person", "dformer")]["change"] == "removed"
    committed_fields = EXPECTED_ENTITIES[1]["fields"]
    assert changes[("Model", "m-val")]["fields"] == [
        committed_fields[0],
        {"path": "risk.tier", "old": "medium", "new": "high", "added": False, "removed": False},
        committed_fields[1],
    ]  # in the order of the file
    # the committed HEAD does not have them
    committed = json.loads(_diff(run_cli, script.root, base, "HEAD", "--format", "json"))
    assert committed["entities"] == EXPECTED_ENTITIES


# -- Markdown ---------------------------------------------------------------------------------


def _rendered(markdown: str) -> tuple[str, list[list[list[str]]]]:
    """Markdown as GitHub renders it (CommonMark with tables): the HTML and its tables."""
    html = MarkdownIt("commonmark").enable("table").render(markdown)
    cells = [[[cell.strip() for cell in row] for row in table] for table in tables(html).tables]
    return html, cells


def test_markdown_is_a_readable_pull_request_comment(
    run_cli: Invoke, scripted: tuple[Script, str, str]
) -> None:
    script, base, _ = scripted
    markdown = _diff(run_cli, script.root, base, "HEAD", "--format", "markdown")
    lines = markdown.splitlines()
    assert lines[0] == f"### Governance changes: `{base}` → `HEAD`"
    assert lines[2].startswith("**Removes dataset events-archive; puts m-val into production;")
    html, tables = _rendered(markdown)
    assert "<h3>Governance changes:" in html and "<strong>Removes dataset" in html
    results, records = tables
    assert results == [
        ["", "Rule", "Subject", "Severity", "Before", "After"],
        ["✅", "rollback-active", "Model m-val", "high", "fail", "pass"],
        ["❌", "runbook-required", "Model m2", "high", "not applicable", "fail"],
    ]
    assert records == [
        ["Change", "Record", "Fields"],
        ["removed", "Dataset events-archive", "—"],
        [
            "modified",
            "Model m-val",
            "lifecycle: validation → production\n"
            "ownership.rollback_authority.primary: dformer → asmith",
        ],
        ["renamed", "Model m1", "moved from inventory/models/m1.yaml"],
        ["added", "Model m2", "—"],
    ]


def test_markdown_escapes_what_would_break_a_table(
    run_cli: Invoke, scripted: tuple[Script, str, str]
) -> None:
    script, _, _ = scripted
    name = "Churn | retention <b>v2</b>"
    script.edit("inventory/models/m2.yaml", "name: Churn model", f'name: "{name}"')
    markdown = _diff(run_cli, script.root, "HEAD", "--format", "markdown")
    assert "Churn \\| retention" in markdown
    _, tables = _rendered(markdown)
    assert tables[-1] == [
        ["Change", "Record", "Fields"],
        ["modified", "Model m2", f"name: Churn model → {name}"],
    ]


def test_markdown_footer_names_the_command_that_made_it(
    run_cli: Invoke, scripted: tuple[Script, str, str]
) -> None:
    script, base, _ = scripted
    markdown = _diff(run_cli, script.root, base, "HEAD", "--format", "markdown")
    assert markdown.rstrip().endswith(f"`compliance-tool diff {base} HEAD`</sub>")


def test_the_headline_names_every_rule_that_changed(
    run_cli: Invoke, scripted: tuple[Script, str, str]
) -> None:
    script, base, _ = scripted
    document = json.loads(_diff(run_cli, script.root, base, "HEAD", "--format", "json"))
    assert "makes runbook-required fail" in document["summary"]
    assert "resolves rollback-active" in document["summary"]
    assert "1 more changes" not in document["summary"]


# -- the JSON schema ------------------------------------------------------------------------


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft202012Validator:
    schema = load_schema(SCHEMA_PATH)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == DIFF_SCHEMA_ID == schema["properties"]["$schema"]["const"]
    return validator_for(schema)


def _errors(validator: jsonschema.Draft202012Validator, document: Any) -> list[str]:
    return [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(document)]


def test_the_json_output_is_valid(
    run_cli: Invoke, scripted: tuple[Script, str, str], validator: jsonschema.Draft202012Validator
) -> None:
    script, base, _ = scripted
    script.edit("inventory/models/m2.yaml", "tier: low", "tier: high")  # for the working tree
    for args in ((base, "HEAD"), (base, "HEAD", "--no-rules"), ("HEAD~3", "HEAD~2"), (base,)):
        document = json.loads(_diff(run_cli, script.root, *args, "--format", "json"))
        assert _errors(validator, document) == [], args
        assert document["entities"], args


def _every_shape() -> SemanticDiff:
    """A diff with every kind of record change, field change and result label."""
    fields = (
        FieldChange("lifecycle", "validation", "production"),
        FieldChange("inputs.datasets[0].role", {"a": [1, 2.5]}, None, removed=True),
        FieldChange("monitoring.thresholds.data_drift.page", None, 0.25, added=True),
        FieldChange("", None, ["whole", "document"]),
    )
    entities = tuple(
        EntityChange(kind, f"x-{n}", change, f"{kind.folder}/sub/x-{n}.yml", old, fields, "X")
        for n, (kind, change, old) in enumerate(
            [(k, c, None) for k in Kind for c in ("added", "removed", "modified")]
            + [(Kind.MODEL, "renamed", "inventory/models/x-old.yaml")]
        )
    )
    statuses = ("pass", "fail", "waived", "not applicable")
    results = tuple(
        ResultChange(
            "rule-1", "Model", f"m{i}{j}", old, new, "critical", "inventory/models/m.yaml", 3
        )
        for i, old in enumerate(statuses)
        for j, new in enumerate(statuses)
        if old != new
    )
    return SemanticDiff("main", "working tree", entities, results, True)


def test_the_schema_matches_every_shape_diff_document_writes(
    validator: jsonschema.Draft202012Validator,
) -> None:
    document = json.loads(json.dumps(diff_document(_every_shape())))
    assert _errors(validator, document) == []
    labels = {r["change"] for r in document["results"]}
    assert {"newly failing", "newly waived", "resolved", "no longer applies"} <= labels
    assert "pass -> not applicable" in labels


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda d: d.update(colour="red"), "Additional properties are not allowed"),
        (lambda d: d["entities"][0].update(change="moved"), "is not one of"),
        (lambda d: d["entities"][0].update(kind="Widget"), "is not one of"),
        (lambda d: d["entities"][0]["fields"][0].pop("added"), "'added' is a required"),
        (lambda d: d["entities"][0].update(path="/etc/passwd"), "does not match"),
        (lambda d: d["results"][0].update(new="broken"), "is not one of"),
        (lambda d: d["results"][0].update(line=0), "is less than the minimum of 1"),
        (lambda d: d["results"][0].update(change="got worse"), "is not valid under any"),
        (lambda d: d.update(version=2), "1 was expected"),
    ],
    ids=["extra", "change", "kind", "field", "path", "status", "line", "label", "version"],
)
def test_the_schema_rejects_what_diff_never_writes(
    validator: jsonschema.Draft202012Validator, change: Any, expected: str
) -> None:
    document = json.loads(json.dumps(diff_document(_every_shape())))
    change(document)
    errors = _errors(validator, document)
    assert any(expected in e for e in errors), errors


def test_every_property_is_described_and_every_object_strict() -> None:
    undescribed, loose = gaps(load_schema(SCHEMA_PATH), objects_without_properties=True)
    assert undescribed == [] and loose == []
