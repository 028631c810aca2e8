"""The Backstage export, read back by the Backstage project's own validators
(@backstage/catalog-model, run with Node), and its references resolved within it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.cli import invoke
from support.repos import AS_OF_TEXT, REPO_ROOT

from compliance_tool.exports.backstage import entity_name, entity_ref
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.session import Where, open_inventory

NODE_MODULES = REPO_ROOT / ".npm-test"
VALIDATOR = Path(__file__).with_name("validate_backstage.cjs")


def validate_with_backstage(*files: Path) -> dict[str, list[dict[str, Any]]]:
    """Every document of ``files`` checked by @backstage/catalog-model, in one Node process."""
    if not (NODE_MODULES / "node_modules" / "@backstage" / "catalog-model").is_dir():
        pytest.fail(f"{NODE_MODULES}/node_modules is missing: run 'scripts/bootstrap --test'")
    node = shutil.which("node")
    assert node, "node is not installed: run 'scripts/bootstrap --test'"
    done = subprocess.run(
        [node, str(VALIDATOR), str(NODE_MODULES), *(str(f) for f in files)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    report: dict[str, list[dict[str, Any]]] = json.loads(done.stdout)
    return report


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Path:
    target = tmp_path_factory.mktemp("backstage") / "catalog-info.yaml"
    result = invoke(
        "--repo", REPO_ROOT, "export", "backstage", "--as-of", AS_OF_TEXT, "--output", target
    )
    assert result.exit_code == 0, result.output
    return target


@pytest.fixture(scope="module")
def entities(exported: Path) -> list[dict[str, Any]]:
    return [e for e in yaml.safe_load_all(exported.read_text(encoding="utf-8")) if e]


def _broken(entities: list[dict[str, Any]], folder: Path) -> Path:
    """One entity of each kind with a required field removed, and one with a bad name."""
    first = {e["kind"]: e for e in reversed(entities)}
    broken = [json.loads(json.dumps(first[kind])) for kind in ("Component", "Resource")]
    del broken[0]["spec"]["lifecycle"]
    del broken[1]["spec"]["owner"]
    user, group = (json.loads(json.dumps(first[kind])) for kind in ("User", "Group"))
    del user["spec"]["memberOf"]
    del group["spec"]["children"]
    named = json.loads(json.dumps(first["Group"]))
    named["metadata"]["name"] = "not a name"
    path = folder / "broken.yaml"
    path.write_text(yaml.safe_dump_all([*broken, user, group, named]), encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def verdicts(
    exported: Path, entities: list[dict[str, Any]], tmp_path_factory: pytest.TempPathFactory
) -> dict[str, list[dict[str, Any]]]:
    """The validators' verdict on the export, on a broken copy and on odd ids' names."""
    folder = tmp_path_factory.mktemp("backstage-cases")
    odd = json.loads(json.dumps(entities[0]))
    odd_ids = ["x" * 100, "a_" + "b" * 70 + "-", "trailing.", "Ünïcode-ïd"]
    names = folder / "names.yaml"
    documents = []
    for odd_id in odd_ids:
        odd["metadata"]["name"] = entity_name(odd_id)
        documents.append(json.loads(json.dumps(odd)))
    names.write_text(yaml.safe_dump_all(documents), encoding="utf-8")
    report = validate_with_backstage(exported, _broken(entities, folder), names)
    return {"export": report[str(exported)], **{Path(k).stem: v for k, v in report.items()}}


def test_every_entity_is_valid_for_backstage(verdicts: dict[str, list[dict[str, Any]]]) -> None:
    inventory = open_inventory(Where(REPO_ROOT, None, use_cache=False))
    kinds = {"Group": Kind.TEAM, "User": Kind.PERSON, "Resource": Kind.DATASET}
    kinds["Component"] = Kind.MODEL
    found = verdicts["export"]
    assert [e for e in found if e["errors"]] == []
    for backstage_kind, kind in kinds.items():
        names = [e["name"] for e in found if e["kind"] == backstage_kind]
        assert names == [entity_name(r.id) for r in inventory.records(kind)]


def test_a_broken_export_fails_the_validators(verdicts: dict[str, list[dict[str, Any]]]) -> None:
    errors = [" ".join(e["errors"]) for e in verdicts["broken"]]
    assert len(errors) == 5
    for error, missing in zip(errors, ("lifecycle", "owner", "memberOf", "children"), strict=False):
        assert f"required property '{missing}'" in error
    assert '"metadata.name" is not valid' in errors[4]


def test_names_made_from_odd_ids_are_valid(verdicts: dict[str, list[dict[str, Any]]]) -> None:
    assert [e["errors"] for e in verdicts["names"]] == [[]] * 4
    assert len({e["name"] for e in verdicts["names"]}) == 4


def _references(entity: dict[str, Any]) -> list[str]:
    spec = entity["spec"]
    found = [spec["owner"]] if "owner" in spec else []
    for field in ("dependsOn", "memberOf", "members"):
        found += spec.get(field, [])
    return found


def test_every_reference_resolves_within_the_export(entities: list[dict[str, Any]]) -> None:
    refs = {f"{e['kind'].lower()}:default/{e['metadata']['name']}" for e in entities}
    assert len(refs) == len(entities)
    dangling = {
        (e["metadata"]["name"], ref) for e in entities for ref in _references(e) if ref not in refs
    }
    assert dangling == set()


def test_memberships_read_the_same_from_both_sides(entities: list[dict[str, Any]]) -> None:
    members = {
        (user, f"group:default/{e['metadata']['name']}")
        for e in entities
        if e["kind"] == "Group"
        for user in e["spec"]["members"]
    }
    member_of = {
        (f"user:default/{e['metadata']['name']}", group)
        for e in entities
        if e["kind"] == "User"
        for group in e["spec"]["memberOf"]
    }
    assert members == member_of
    assert ("user:default/tbauer", "group:default/ml-sre") in members


def test_models_and_datasets_carry_the_inventory(entities: list[dict[str, Any]]) -> None:
    by_name = {(e["kind"], e["metadata"]["name"]): e for e in entities}
    model = by_name[("Component", "fraud-scoring")]
    assert model["spec"]["type"] == "ml-model"
    assert model["spec"]["lifecycle"] == "production"
    assert model["spec"]["owner"] == entity_ref("group", "fraud-analytics")
    assert model["spec"]["dependsOn"] == [
        "resource:default/fraud-training-2026q3",
        "resource:default/fraud-holdout-2026q3",
        "resource:default/fraud-features",
        "component:default/merchant-embeddings",
    ]
    annotations = model["metadata"]["annotations"]
    assert annotations["compliance-tool/record"] == "inventory/models/fraud-scoring.yaml"
    assert (REPO_ROOT / annotations["compliance-tool/record"]).is_file()
    dataset = by_name[("Resource", "fraud-features")]
    assert dataset["spec"]["owner"] == "user:default/lwu"
    assert dataset["spec"]["dependsOn"] == [
        "resource:default/card-transactions-clean",
        "resource:default/merchant-reference",
        "resource:default/fraud-labels",
    ]
    assert "personal-data" in dataset["metadata"]["tags"]
    person = by_name[("User", "tbauer")]
    assert person["spec"]["profile"] == {
        "displayName": "Tobias Bauer",
        "email": "tobias.bauer@northmoorbank.eu",
    }
