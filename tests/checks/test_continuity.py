"""Continuity: who keeps each production model running, its bus factor, and what breaks
when a person or an organisation leaves (compliance-tool continuity)."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from markdown_it import MarkdownIt
from support.cli import invoke
from support.git import ALICE, Script
from support.markdown import tables
from support.repos import AS_OF, REPO_ROOT, write_minirepo
from support.schemas import load_schema, validator_for

from compliance_tool.checks.continuity import bus_factor, continuity
from compliance_tool.repository.session import Where, open_inventory

ORG = "Acme Ops GmbH"
EXT1 = ("Erin External", "erin@acme-ops.example")


def _person(person_id: str, name: str, email: str) -> str:
    return f"""\
apiVersion: governance/v1
kind: Person
id: {person_id}
name: {name}
email: {email}
affiliation:
  type: external
  organisation: {ORG}
  contract_end: 2099-12-31
roles:
  - ml-sre
"""


def _model(model_id: str, operator: str, deputies: str, rotation: str) -> str:
    return f"""\
apiVersion: governance/v1
kind: Model
id: {model_id}
name: Model {model_id}
version: 1.0.0
lifecycle: production
risk:
  tier: medium
ownership:
  owner: asmith
  operator: {operator}
  team: ml-platform
  rollback_authority:
    primary: {operator}
    deputies: [{deputies}]
operations:
  runbook: runbooks/{model_id}.md
  oncall: {rotation}
"""


def _rotation(rotation_id: str, members: str, escalate_to: str) -> str:
    return f"""\
apiVersion: governance/v1
kind: Rotation
id: {rotation_id}
name: Rotation {rotation_id}
team: ml-platform
members: [{members}]
escalation:
  - level: 1
    to: rotation
  - level: 2
    to: {escalate_to}
    after: PT15M
"""


SCRATCH = {
    "inventory/people/ext1.yaml": _person("ext1", EXT1[0], EXT1[1]),
    "inventory/people/ext2.yaml": _person("ext2", "Eli External", "eli@acme-ops.example"),
    "inventory/rotations/acme-oncall.yaml": _rotation("acme-oncall", "ext1, ext2", "ext2"),
    "inventory/rotations/staff-oncall.yaml": _rotation("staff-oncall", "bkumar, asmith", "asmith"),
    "inventory/models/m-ext.yaml": _model("m-ext", "ext1", "ext2", "acme-oncall"),
    "inventory/models/m-int.yaml": _model("m-int", "bkumar", "asmith", "staff-oncall"),
    "runbooks/m-int.md": "# m-int\n",
}
"""Beside the minimal repository: m-ext is operated, rolled back and paged for by Acme
alone, m-int by internal staff alone."""


def _scratch(root: Path) -> Path:
    write_minirepo(root)
    for relative, text in SCRATCH.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """The scratch inventory in git: everything committed by Alice, then m-ext's runbook
    by an Acme engineer alone."""
    script = Script(_scratch(tmp_path / "repo"))
    script.git("init", "-q")
    script.commit("Inventory", "2026-09-01T09:00:00+00:00", ALICE)
    script.write("runbooks/m-ext.md", "# m-ext\n\n1. Roll back.\n")
    script.commit("Runbook of m-ext", "2026-09-02T09:00:00+00:00", EXT1)
    return script.root


def _json(root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = invoke("--repo", root, "continuity", *args, "--format", "json")
    return result.exit_code, json.loads(result.stdout)


def _models(document: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {m["id"]: m for m in document["models"]}


def test_without_the_organisation_its_model_loses_operation_and_rollback(repo: Path) -> None:
    code, document = _json(repo, "--without", ORG.lower())
    assert code == 1
    models = _models(document)
    assert models["m-ext"]["loses"] == ["operation", "rollback"]
    assert models["m-int"]["loses"] == []
    assert models["m1"]["loses"] == []
    assert {p["id"] for p in document["scenario"]["departed"]} == {"ext1", "ext2"}
    assert models["m-ext"]["single_external_organisation"] is None  # nobody is left
    _, today = _json(repo)
    assert _models(today)["m-ext"]["single_external_organisation"] == ORG
    assert _models(today)["m-int"]["single_external_organisation"] is None
    assert today["scenario"] is None


def test_after_every_contract_ends_the_answer_is_the_same(repo: Path) -> None:
    _, by_name = _json(repo, "--without", ORG)
    code, by_date = _json(repo, "--at", "2100-01-01")
    assert code == 1
    assert {m: v["loses"] for m, v in _models(by_date).items()} == {
        m: v["loses"] for m, v in _models(by_name).items()
    }
    departed = {p["id"] for p in by_date["scenario"]["departed"]}
    assert departed == {p["id"] for p in by_name["scenario"]["departed"]} | {"cvendor"}


def test_bus_factors(repo: Path) -> None:
    inventory = open_inventory(Where(repo, use_cache=False))
    result = continuity(inventory, AS_OF)
    # operated by the operator and the rotation, rolled back by the primary and deputies
    assert {m.id: m.bus_factor for m in result.models} == {"m-ext": 2, "m-int": 2, "m1": 2}
    gone = continuity(inventory, AS_OF, without=("ext2",))
    assert {m.id: m.bus_factor for m in gone.models}["m-ext"] == 1
    gone = continuity(inventory, AS_OF, without=("ext1", "ext2"))
    assert {m.id: m.bus_factor for m in gone.models}["m-ext"] == 0
    assert not result.scenario and not result.breaks


def test_bus_factor_is_the_smallest_count_over_the_capabilities() -> None:
    able = {"operation": ["a", "b", "c"], "rollback": ["a", "d"]}
    assert bus_factor(able, {"a", "b", "c", "d"}) == 2
    assert bus_factor(able, {"a", "b", "c"}) == 1
    assert bus_factor(able, {"b", "c"}) == 0


def test_a_rotation_below_two_and_without_an_internal_member(repo: Path) -> None:
    _, document = _json(repo, "--without", "bkumar")
    rotations = {r["id"]: r for r in document["scenario"]["rotations"]}
    assert rotations["ml-oncall"]["reasons"] == [
        "fewer than two active members",
        "no internal member",
    ]
    assert rotations["ml-oncall"]["active_members"] == ["cvendor"]
    assert rotations["staff-oncall"]["reasons"] == ["fewer than two active members"]
    # asmith, on the rotation and a deputy, still operates and rolls m-int back
    assert _models(document)["m-int"]["loses"] == []
    _, both = _json(repo, "--without", "bkumar", "--without", "asmith")
    assert _models(both)["m-int"]["loses"] == ["operation", "rollback"]


def test_an_escalation_step_that_reaches_a_departed_person(repo: Path) -> None:
    _, document = _json(repo, "--without", "ASMITH")
    assert {"rotation": "staff-oncall", "level": 2, "to": "asmith"} in document["scenario"][
        "escalations"
    ]
    assert {"rotation": "ml-oncall", "level": 2, "to": "asmith"} in document["scenario"][
        "escalations"
    ]


def test_a_runbook_whose_only_author_departs(repo: Path) -> None:
    _, document = _json(repo, "--without", "ext1")
    assert document["scenario"]["runbooks"] == [
        {"path": "runbooks/m-ext.md", "models": ["m-ext"], "authors": ["ext1"]}
    ]
    assert document["scenario"]["runbook_note"] is None


def test_without_git_runbooks_have_no_history(tmp_path: Path) -> None:
    root = _scratch(tmp_path / "plain")
    result = invoke("--repo", root, "continuity", "--without", ORG)
    assert result.exit_code == 1
    assert "runbooks: no git history" in result.stdout


def test_an_unknown_departure_is_refused_with_a_suggestion(repo: Path) -> None:
    result = invoke("--repo", repo, "continuity", "--without", "Acme Opps GmbH")
    assert result.exit_code == 2
    assert "names no person id and no organisation" in result.stderr
    assert f"'{ORG}'" in result.stderr


def test_a_bad_date_is_a_usage_error(repo: Path) -> None:
    result = invoke("--repo", repo, "continuity", "--at", "2026-13-01")
    assert result.exit_code == 2
    assert "Invalid value for '--at'" in result.stderr


def test_the_json_follows_its_schema(repo: Path) -> None:
    validator = validator_for(load_schema(REPO_ROOT / "schemas" / "continuity-result.schema.json"))
    for args in ((), ("--without", ORG), ("--without", "ext1", "--at", "2100-01-01")):
        _, document = _json(repo, *args)
        assert list(validator.iter_errors(document)) == []


def test_the_markdown_parses_into_tables(repo: Path) -> None:
    result = invoke("--repo", repo, "continuity", "--without", ORG, "--format", "markdown")
    found = tables(MarkdownIt("commonmark").enable("table").render(result.stdout))
    models, departed = found.tables[0], found.tables[1]
    assert [row[0] for row in models[1:]] == ["m-ext", "m-int", "m1"]
    assert [row[0] for row in departed[1:]] == ["ext1", "ext2"]
    assert "model m-ext loses operation and rollback" in result.stdout


def test_the_sample_without_lattice() -> None:
    code, document = _json(REPO_ROOT, "--without", "Lattice MLOps Ltd", "--at", "2026-10-01")
    assert code == 1
    rotations = {r["id"]: r for r in document["scenario"]["rotations"]}
    payments = rotations["ml-sre-payments"]
    assert set(payments["departed_members"]) == {"mvoss", "rpatel"}
    assert payments["active_members"] == ["tbauer"]
    assert {"mvoss", "rpatel", "ogrant", "ecampbell"} <= {
        p["id"] for p in document["scenario"]["departed"]
    }
    assert all(not m["loses"] for m in document["models"])  # internal staff operate them all


def test_the_sample_on_its_own_date_has_lost_mvoss_already() -> None:
    inventory = open_inventory(Where(REPO_ROOT, use_cache=False))
    result = continuity(inventory, AS_OF, without=("Lattice MLOps Ltd",))
    assert "mvoss" not in {h.id for h in result.departed}  # contract ended 2026-10-31
    assert [r.id for r in result.rotations] == ["ml-sre-payments"]
    assert result.at == AS_OF and dt.date(2026, 10, 31) < AS_OF
