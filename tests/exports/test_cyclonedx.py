"""The CycloneDX ML-BOM, read back with cyclonedx-python-lib's strict JSON validator for
1.6 (its own copy of the schema, no network): valid as written, refused without a
required field, and its dependency graph is the tool's lineage."""

from __future__ import annotations

import json
import socket
from pathlib import Path
from typing import Any

import pytest
from cyclonedx.schema import SchemaVersion
from cyclonedx.validation.json import JsonStrictValidator
from support.cli import invoke
from support.exporting import committed_sample, export_to
from support.repos import AS_OF, AS_OF_TEXT, edit

from compliance_tool.checks.facts import Facts
from compliance_tool.checks.lineage import upstream
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Inventory
from compliance_tool.repository.session import Where, open_inventory


@pytest.fixture(scope="module")
def bom_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The sample committed in ``repo/`` beside it, exported once (HEAD, the sample's date)."""
    folder = tmp_path_factory.mktemp("cyclonedx")
    root, _ = committed_sample(folder)
    export_to(root, "cyclonedx", folder / "bom.cdx.json")
    return folder / "bom.cdx.json"


@pytest.fixture(scope="module")
def bom(bom_file: Path) -> dict[str, Any]:
    """The BOM as JSON."""
    document: dict[str, Any] = json.loads(bom_file.read_text(encoding="utf-8"))
    return document


@pytest.fixture(scope="module")
def inventory(bom_file: Path) -> Inventory:
    """The inventory the BOM was exported from."""
    return open_inventory(Where(bom_file.parent / "repo", "HEAD", use_cache=False))


@pytest.fixture(scope="module")
def validator() -> JsonStrictValidator:
    """One validator for the module: it compiles the schema once, when first used."""
    return JsonStrictValidator(SchemaVersion.V1_6)


def _errors(
    validator: JsonStrictValidator,
    text: str,
    monkeypatch: pytest.MonkeyPatch,
    *,
    all_errors: bool = True,
) -> list[str]:
    """The strict validator's errors, with every network connection refused."""

    def refuse(*_: object, **__: object) -> None:
        raise AssertionError("the validator tried to reach the network")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    if not all_errors:  # the first error only: faster, for a document meant to fail
        first = validator.validate_str(text)
        return [] if first is None else [str(first)]
    errors = validator.validate_str(text, all_errors=True)
    return [str(e) for e in errors or []]


def test_the_bom_is_valid_cyclonedx_1_6(
    bom_file: Path,
    bom: dict[str, Any],
    validator: JsonStrictValidator,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert _errors(validator, bom_file.read_text(encoding="utf-8"), monkeypatch) == []
    assert bom["specVersion"] == "1.6"
    assert bom["serialNumber"].startswith("urn:uuid:")
    assert bom["metadata"]["timestamp"] == f"{AS_OF.isoformat()}T00:00:00Z"


def test_a_bom_missing_a_required_field_is_refused(
    bom: dict[str, Any], validator: JsonStrictValidator, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = json.loads(json.dumps(bom))
    del broken["components"][0]["type"]
    errors = _errors(validator, json.dumps(broken), monkeypatch, all_errors=False)
    assert any("'type' is a required property" in e for e in errors), errors


def test_every_model_and_dataset_is_a_component_with_its_card_or_data(
    bom: dict[str, Any], inventory: Inventory
) -> None:
    components = {c["bom-ref"]: c for c in bom["components"]}
    for model in inventory.records(Kind.MODEL):
        component = components[f"model:{model.id}"]
        assert component["type"] == "machine-learning-model"
        card = component["modelCard"]
        refs = {d["ref"] for d in card["modelParameters"]["datasets"]}
        assert refs == {f"dataset:{d['ref']}" for d in model.data["inputs"]["datasets"]}
        act_class = {
            p["value"] for p in card["properties"] if p["name"].endswith("eu-ai-act:class")
        }
        assert act_class == {model.data["risk"]["eu_ai_act"]["class"]}
    for dataset in inventory.records(Kind.DATASET):
        component = components[f"dataset:{dataset.id}"]
        assert component["type"] == "data"
        (data,) = component["data"]
        classification = dataset.data.get("classification") or {}
        assert data.get("classification") == classification.get("level")
        if classification.get("pii_fields"):
            assert data["sensitiveData"] == classification["pii_fields"]


def test_fraud_scoring_card_has_use_limits_thresholds_and_fairness(bom: dict[str, Any]) -> None:
    (fraud,) = [c for c in bom["components"] if c["bom-ref"] == "model:fraud-scoring"]
    considerations = fraud["modelCard"]["considerations"]
    assert considerations["useCases"] == [
        "Score card authorisations for fraud risk before the authorisation decision"
    ]
    assert (
        "Out of scope: credit decisions or credit limit changes"
        in (considerations["technicalLimitations"])
    )
    assert (
        "false_decline_rate_gap_age_band"
        in (considerations["fairnessAssessments"][0]["mitigationStrategy"])
    )
    metrics = {
        m["type"]: m["value"]
        for m in fraud["modelCard"]["quantitativeAnalysis"]["performanceMetrics"]
    }
    assert metrics["pr_auc"] == ">= 0.62"
    assert [a["name"] for a in fraud["authors"]] == ["Lin Wu"]


def test_the_dependency_graph_is_the_lineage(bom: dict[str, Any], inventory: Inventory) -> None:
    facts = Facts(inventory, AS_OF)
    lineage: set[tuple[str, str]] = set()
    for record_id in [*facts.models, *facts.datasets]:
        graph = upstream(facts, record_id)
        for source, target, _ in graph.edges:
            lineage.add((source, target))
    exported = {
        (depends_on.split(":", 1)[1], entry["ref"].split(":", 1)[1])
        for entry in bom["dependencies"]
        if entry["ref"] != "portfolio"
        for depends_on in entry.get("dependsOn", [])
    }
    assert exported == lineage
    refs = {c["bom-ref"] for c in bom["components"]} | {"portfolio"}
    assert {d for e in bom["dependencies"] for d in [e["ref"], *e["dependsOn"]]} <= refs


def test_two_exports_of_one_commit_and_date_are_the_same_bytes(
    bom_file: Path, tmp_path: Path
) -> None:
    again = tmp_path / "again.json"
    export_to(bom_file.parent / "repo", "cyclonedx", again)
    assert again.read_bytes() == bom_file.read_bytes()


def test_check_tells_a_current_bom_from_a_stale_one(tmp_path: Path) -> None:
    root, _ = committed_sample(tmp_path)
    written = invoke("--repo", root, "export", "cyclonedx", "--as-of", AS_OF_TEXT)
    assert written.exit_code == 0, written.output
    assert (root / "exports/bom.cdx.json").is_file()
    current = invoke("--repo", root, "export", "cyclonedx", "--as-of", AS_OF_TEXT, "--check")
    assert current.exit_code == 0, current.output
    edit(
        root / "inventory/models/fraud-scoring.yaml",
        "name: Card fraud scoring\n",
        "name: Card fraud scores\n",
    )
    stale = invoke("--repo", root, "export", "cyclonedx", "--as-of", AS_OF_TEXT, "--check")
    assert stale.exit_code == 1, stale.output
    assert '"value": "Card fraud scores"' in stale.output
