"""``lineage``: what feeds a model, what depends on a dataset, personal data marked.

Expectations are computed here from the dataset and model files themselves (parents,
inputs, contains_pii), not from the tool's Facts.
"""

from __future__ import annotations

import json
import re
from functools import cache
from typing import Any

import pytest
import yaml
from support.cli import invoke
from support.repos import REPO_ROOT

INVENTORY = REPO_ROOT / "inventory"


@cache
def _records(folder: str) -> dict[str, dict[str, Any]]:
    found = {}
    for path in sorted((INVENTORY / folder).glob("*.yaml")):
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
        found[data["id"]] = data
    return found


def _parents(dataset: str) -> list[str]:
    return list(_records("datasets")[dataset].get("parents") or [])


def _ancestors(dataset: str) -> set[str]:
    seen: set[str] = set()
    queue = _parents(dataset)
    while queue:
        current = queue.pop()
        if current not in seen:
            seen.add(current)
            queue += _parents(current)
    return seen


def _personal(dataset: str) -> bool:
    datasets = _records("datasets")
    return any(
        datasets[d]["classification"]["contains_pii"] for d in {dataset, *_ancestors(dataset)}
    )


def _inputs(model: str) -> list[str]:
    return [d["ref"] for d in _records("models")[model].get("inputs", {}).get("datasets", [])]


def _lineage(*args: str) -> str:
    result = invoke("--repo", REPO_ROOT, "lineage", *args)
    assert result.exit_code == 0, result.stderr
    return result.stdout


def _json(*args: str) -> dict[str, Any]:
    document = json.loads(_lineage(*args, "--format", "json"))
    assert isinstance(document, dict)
    return document


FRAUD_DATASETS = {
    "fraud-training-2026q3",
    "fraud-holdout-2026q3",
    "fraud-features",
    "card-transactions-clean",
    "card-transactions-raw",
    "fraud-labels",
    "merchant-reference",
    # through the upstream model merchant-embeddings, which is trained on it
    "merchant-cooccurrence-2026q3",
}


def test_expected_upstream_of_fraud_scoring_from_the_files() -> None:
    direct = set(_inputs("fraud-scoring")) | set(_inputs("merchant-embeddings"))
    assert direct | {a for d in direct for a in _ancestors(d)} == FRAUD_DATASETS


def test_upstream_text_lists_every_dataset_with_personal_data_marked() -> None:
    out = _lineage("fraud-scoring")
    lines = out.splitlines()
    assert (
        lines[0]
        == "Upstream of model fraud-scoring (Card fraud scoring, production, personal data)"
    )
    shown = {}
    for line in lines[1:]:
        match = re.search(r"dataset ([\w.-]+) \((.*)\)", line)
        if match:
            shown[match.group(1)] = match.group(2).endswith(", personal data")
    assert shown == {d: _personal(d) for d in FRAUD_DATASETS}
    assert shown["merchant-reference"] is False
    assert shown["fraud-labels"] is True
    for role in ("evaluation", "inference"):
        assert sum(line.endswith(f"[{role}]") for line in lines) == 1
    # training: fraud-scoring's own snapshot and merchant-embeddings' co-occurrence graph
    assert sum(line.endswith("[training]") for line in lines) == 2
    assert any(
        "model merchant-embeddings (" in line and line.endswith("[upstream model]")
        for line in lines
    )


def test_upstream_json() -> None:
    document = _json("fraud-scoring")
    assert (document["root"], document["direction"], document["version"]) == (
        "fraud-scoring",
        "upstream",
        1,
    )
    nodes = {n["id"]: n for n in document["nodes"]}
    assert set(nodes) == FRAUD_DATASETS | {"fraud-scoring", "merchant-embeddings"}
    for dataset in FRAUD_DATASETS:
        assert nodes[dataset]["kind"] == "Dataset"
        assert nodes[dataset]["personal_data"] is _personal(dataset), dataset
        assert nodes[dataset]["name"] == _records("datasets")[dataset]["name"]
    assert nodes["fraud-scoring"]["lifecycle"] == "production"
    edges = {(e["from"], e["to"]) for e in document["edges"]}
    for dataset in FRAUD_DATASETS:
        for parent in _parents(dataset):
            assert (parent, dataset) in edges
    for dataset in _inputs("fraud-scoring"):
        assert (dataset, "fraud-scoring") in edges
    for dataset in _inputs("merchant-embeddings"):
        assert (dataset, "merchant-embeddings") in edges
    assert ("merchant-embeddings", "fraud-scoring") in edges
    assert all(e["from"] in nodes and e["to"] in nodes for e in document["edges"])


def _downstream_datasets(dataset: str) -> set[str]:
    return {d for d in _records("datasets") if dataset in _ancestors(d)}


def test_downstream_lists_churn_propensity_as_affected_production_model() -> None:
    derived = _downstream_datasets("crm-customers")
    assert {"churn-features", "customer-engagement-monthly", "churn-training-2026q3"} <= derived
    users = {m for m in _records("models") if set(_inputs(m)) & (derived | {"crm-customers"})}
    assert "churn-propensity" in users

    out = _lineage("crm-customers", "--downstream")
    assert out.startswith(
        "Downstream of dataset crm-customers (CRM customer master, personal data)\n"
    )
    affected = out.rstrip("\n").splitlines()[-1]
    expected = ", ".join(f"{m} ({_records('models')[m]['lifecycle']})" for m in sorted(users))
    assert affected == f"Models affected ({len(users)}): {expected}"
    assert "churn-propensity (production)" in affected

    document = _json("crm-customers", "--downstream")
    assert document["direction"] == "downstream"
    assert set(document["models_affected"]) == users
    nodes = {n["id"]: n for n in document["nodes"]}
    assert set(nodes) == derived | users | {"crm-customers"}
    assert nodes["churn-propensity"]["lifecycle"] == "production"
    assert all(n["personal_data"] for n in document["nodes"])  # all derive from the CRM


def test_downstream_of_data_without_personal_data() -> None:
    document = _json("atm-withdrawals-raw", "--downstream")
    assert document["models_affected"] == ["demand-forecast"]
    assert [n["id"] for n in document["nodes"] if n["personal_data"]] == []


def test_dot_holds_every_node_and_edge() -> None:
    document = _json("fraud-scoring")
    dot = _lineage("fraud-scoring", "--format", "dot")
    lines = dot.splitlines()
    assert lines[0] == "digraph lineage {" and lines[-1] == "}"
    node = re.compile(
        r'^  "([^"]+)" \[shape=(box|ellipse)(, style=filled, fillcolor="#fde2e1")?, label="[^"]*"\];$'
    )
    edge = re.compile(r'^  "([^"]+)" -> "([^"]+)"( \[label="[^"]*"\])?;$')
    nodes, edges = {}, set()
    for line in lines[3:-1]:
        if match := node.match(line):
            nodes[match.group(1)] = (match.group(2), bool(match.group(3)))
        else:
            match = edge.match(line)
            assert match, line
            edges.add((match.group(1), match.group(2)))
    assert nodes == {
        n["id"]: ("box" if n["kind"] == "Model" else "ellipse", n["personal_data"])
        for n in document["nodes"]
    }
    assert edges == {(e["from"], e["to"]) for e in document["edges"]}


def test_mermaid_holds_every_node_and_edge() -> None:
    document = _json("crm-customers", "--downstream")
    text = _lineage("crm-customers", "--downstream", "--format", "mermaid")
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    aliases, kinds = {}, {}
    edges, pii = set(), set()
    for line in lines[1:]:
        if match := re.match(r'^  (n\d+)\[\["([^"]+)"\]\]$', line):
            aliases[match.group(1)], kinds[match.group(2)] = match.group(2), "Model"
        elif match := re.match(r'^  (n\d+)\["([^"]+)"\]$', line):
            aliases[match.group(1)], kinds[match.group(2)] = match.group(2), "Dataset"
        elif match := re.match(r"^  (n\d+) -->(?:\|[^|]*\| )? ?(n\d+)$", line):
            edges.add((aliases[match.group(1)], aliases[match.group(2)]))
        elif match := re.match(r"^  class ([n\d,]+) pii$", line):
            pii = {aliases[a] for a in match.group(1).split(",")}
        else:
            assert line == "  classDef pii fill:#fde2e1,stroke:#c0392b", line
    assert kinds == {n["id"]: n["kind"] for n in document["nodes"]}
    assert edges == {(e["from"], e["to"]) for e in document["edges"]}
    assert pii == {n["id"] for n in document["nodes"] if n["personal_data"]}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "error: no model or dataset 'nope'"),
        (["nope", "--downstream"], "error: no dataset 'nope'"),
        (["fraud-scoring", "--downstream"], "error: no dataset 'fraud-scoring'"),
    ],
)
def test_unknown_id_is_a_usage_error(args: list[str], message: str) -> None:
    result = invoke("--repo", REPO_ROOT, "lineage", *args)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith(message)
    assert "Traceback" not in result.stderr


def test_affected_models_are_listed_production_first() -> None:
    document = _json("card-transactions-raw", "--downstream")
    lifecycles = {m: _records("models")[m]["lifecycle"] for m in document["models_affected"]}
    assert "development" in lifecycles.values()
    assert next(iter(lifecycles.values())) == "production"
    assert document["models_affected"] == [
        "aml-transaction-monitoring",
        "fraud-scoring",
        "merchant-embeddings",
        "transaction-graph-fraud",
    ]


def test_upstream_follows_upstream_models() -> None:
    feeding = set(_inputs("merchant-embeddings"))
    feeding |= {a for d in set(feeding) for a in _ancestors(d)}
    assert "merchant-cooccurrence-2026q3" in feeding
    nodes = {n["id"] for n in _json("fraud-scoring")["nodes"]}
    assert feeding <= nodes
