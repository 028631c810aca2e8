"""`history observations/ID` and `diff A B` on snapshots read as production history: a
registry whose champion moves and which registers a version, a cluster whose workload
serves another model version, metrics that change; entries matched by their key, dated
by the newer snapshot's observed_at; a snapshot observed again without change says so."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.cli import Invoke
from support.git import BOB, Script
from support.repos import REPO_ROOT
from support.schemas import load_schema, validator_for

from compliance_tool.audit.observed import CHANGE_KINDS, record_changes

HEADER = """\
apiVersion: governance/v1
kind: Observation
id: {id}
source:
  system: {system}
  address: {address}
observed_at: '{observed_at}'
tool_version: 0.1.0
entries:
"""


def mlflow(observed_at: str, champion: str, versions: int) -> str:
    """A registry with fraud-scoring (champion 4) and credit-scoring (``versions``
    versions, ``champion`` its champion, version 3 archived)."""
    text = HEADER.format(
        id="mlflow", system="mlflow", address="https://mlflow.example", observed_at=observed_at
    )
    text += "- name: credit-scoring\n  aliases:\n    champion: '" + champion + "'\n  versions:\n"
    for number in range(1, versions + 1):
        text += (
            f"  - version: '{number}'\n    status: READY\n"
            + ("    stage: Archived\n" if number == 3 else "")
            + f"    created_at: '2026-{number:02d}-15T10:00:00Z'\n"
            f"    tags:\n      governance.version: 3.{number}.0\n"
        )
    text += (
        "- name: fraud-scoring\n  aliases:\n    champion: '4'\n  versions:\n"
        "  - version: '4'\n    status: READY\n    tags:\n      governance.version: 4.3.0\n"
    )
    return text


def kubernetes(observed_at: str, version: str, replicas: int) -> str:
    text = HEADER.format(
        id="manifests", system="kubernetes", address="deploy/", observed_at=observed_at
    )
    return text + (
        "- workload: Deployment\n  name: credit-decisioning\n  namespace: ml-prod-eu\n"
        "  environment: production-eu\n  model_id: credit-scoring\n"
        f"  model_version: {version}\n  replicas: {replicas}\n  file: credit.yaml\n"
        "  line: 1\n"
    )


def metrics(observed_at: str, cost: float) -> str:
    text = HEADER.format(
        id="metrics", system="openmetrics", address="https://prom.example", observed_at=observed_at
    )
    return text + (
        "- model: product-recommendations\n  environment: production\n  metrics:\n"
        f"    cost_per_1k_inferences_usd: {cost}\n    latency_p99_ms: 80\n"
    )


MLFLOW = "inventory/observations/mlflow.yaml"
CHAMPION = (
    "version 7 of credit-scoring became champion on 2026-11-20 "
    "(alias champion moved from version 6 to 7)"
)
REGISTERED = "version 8 of credit-scoring was registered on 2026-08-15 (governance.version 3.8.0)"
AGAIN = "observed again on 2026-11-22, no change"


def build(root: Path) -> dict[str, str]:
    """The mlflow snapshot is added and committed three more times: the champion moves
    from version 6 to 7, version 8 is registered, then it is observed again unchanged
    (committed by the observing job on the day after it observed)."""
    script = Script.minimal(root)
    commits = {}
    script.write(MLFLOW, mlflow("2026-11-19T06:00:00Z", "6", 7))
    commits["added"] = script.commit("observe mlflow", "2026-11-19T06:05:00+00:00")
    script.write(MLFLOW, mlflow("2026-11-20T06:00:00Z", "7", 7))
    commits["champion"] = script.commit("observe mlflow", "2026-11-21T06:05:00+00:00", BOB)
    script.write(MLFLOW, mlflow("2026-11-21T06:00:00Z", "7", 8))
    commits["registered"] = script.commit("observe mlflow", "2026-11-22T06:05:00+00:00")
    script.write(MLFLOW, mlflow("2026-11-22T06:00:00Z", "7", 8))
    commits["again"] = script.commit("observe mlflow", "2026-11-23T06:05:00+00:00")
    return commits


@pytest.fixture
def repo(tmp_path: Path, git_env: None) -> tuple[Path, dict[str, str]]:
    root = tmp_path / "repo"
    return root, build(root)


def test_history_of_a_registry_snapshot_reads_as_production_history(
    run_cli: Invoke, repo: tuple[Path, dict[str, str]]
) -> None:
    root, commits = repo
    result = run_cli("--repo", root, "history", "observations/mlflow", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["kind"], document["id"]) == ("Observation", "mlflow")
    revisions = document["revisions"]
    assert [r["commit"] for r in revisions] == [
        commits[name] for name in ("again", "registered", "champion", "added")
    ]
    assert [[o["text"] for o in r["observed"]] for r in revisions] == [
        [AGAIN],
        [REGISTERED],
        [CHAMPION],
        [],
    ]
    moved = revisions[2]["observed"][0]
    assert moved == {
        "change": "alias-moved",
        "entry": "credit-scoring",
        "model": "credit-scoring",
        "text": CHAMPION,
        "old": "6",
        "new": "7",
    }
    assert revisions[1]["observed"][0]["change"] == "version-registered"
    assert revisions[0]["observed"][0]["change"] == "observed-again"
    # no list positions: the entries' changes are not raw fields any more
    assert not any(f["path"].startswith("entries") for r in revisions for f in r["fields"])
    assert revisions[2]["fields"] == [
        {"path": "observed_at", "old": "2026-11-19T06:00:00Z", "new": "2026-11-20T06:00:00Z"}
    ]


def test_history_text_says_what_production_did(
    run_cli: Invoke, repo: tuple[Path, dict[str, str]]
) -> None:
    root, commits = repo
    result = run_cli("--repo", root, "history", "inventory/observations/mlflow.yaml")
    assert result.exit_code == 0, result.output
    blocks = result.stdout.split("\n\n")
    assert blocks[0] == "History of observation mlflow, newest first (4 commits)"
    assert blocks[1].splitlines()[1:] == ["    observe mlflow", f"    {AGAIN}"]
    assert blocks[2].splitlines()[1:] == ["    observe mlflow", f"    {REGISTERED}"]
    assert blocks[3].splitlines()[0].startswith(f"{commits['champion'][:12]}  2026-11-21")
    assert blocks[3].splitlines()[1:] == ["    observe mlflow", f"    {CHAMPION}"]
    assert "observed_at" not in result.stdout
    assert "entries" not in result.stdout


def test_diff_of_two_snapshots_in_text_and_json(
    run_cli: Invoke, repo: tuple[Path, dict[str, str]]
) -> None:
    root, commits = repo
    base, head = commits["added"], commits["registered"]
    text = run_cli("--repo", root, "diff", base, head, "--no-rules")
    assert text.exit_code == 0, text.output
    # diff cannot know which commit moved the alias: the date is the head's observed_at
    champion = CHAMPION.replace("2026-11-20", "2026-11-21")
    assert text.stdout.splitlines()[2:] == [
        f"V{champion[1:]}; {REGISTERED}.",
        "",
        "Observations",
        f"  ~ mlflow  (modified, {MLFLOW})",
        f"      {champion}",
        f"      {REGISTERED}",
    ]
    result = run_cli("--repo", root, "diff", base, head, "--no-rules", "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    validator_for(load_schema(REPO_ROOT / "schemas" / "diff.schema.json")).validate(document)
    (entity,) = document["entities"]
    assert [(o["change"], o["old"], o["new"]) for o in entity["observed"]] == [
        ("alias-moved", "6", "7"),
        ("version-registered", None, "8"),
    ]
    assert entity["fields"] == [
        {
            "path": "observed_at",
            "old": "2026-11-19T06:00:00Z",
            "new": "2026-11-21T06:00:00Z",
            "added": False,
            "removed": False,
        }
    ]


def test_diff_of_a_snapshot_observed_again(
    run_cli: Invoke, repo: tuple[Path, dict[str, str]]
) -> None:
    root, commits = repo
    result = run_cli("--repo", root, "diff", commits["registered"], commits["again"], "--no-rules")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-1] == f"      {AGAIN}"
    assert "This change modifies 1 record(s) without changing rule results." in result.stdout


def test_a_workload_that_serves_another_version(
    tmp_path: Path, git_env: None, run_cli: Invoke
) -> None:
    script = Script.minimal(tmp_path / "repo")
    path = "inventory/observations/manifests.yaml"
    script.write(path, kubernetes("2026-11-19T06:00:00Z", "3.0.0", 3))
    base = script.commit("observe manifests", "2026-11-19T06:05:00+00:00")
    script.write(path, kubernetes("2026-11-20T06:00:00Z", "3.1.0", 2))
    head = script.commit("observe manifests", "2026-11-20T06:05:00+00:00")
    result = run_cli("--repo", script.root, "diff", base, head, "--no-rules")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[-2:] == [
        "      Deployment ml-prod-eu/credit-decisioning now serves credit-scoring 3.1.0 "
        "(was 3.0.0)",
        "      Deployment ml-prod-eu/credit-decisioning was scaled from 3 to 2 replicas",
    ]
    script.remove(path)
    script.commit("the cluster has no manifests any more", "2026-11-21T06:05:00+00:00")
    history = run_cli("--repo", script.root, "history", "observations/manifests")
    assert history.exit_code == 0, history.output
    assert "    removed inventory/observations/manifests.yaml" in history.stdout


def test_metrics_that_change(tmp_path: Path, git_env: None, run_cli: Invoke) -> None:
    script = Script.minimal(tmp_path / "repo")
    path = "inventory/observations/metrics.yaml"
    script.write(path, metrics("2026-11-19T06:00:00Z", 0.052))
    script.commit("observe metrics", "2026-11-19T06:05:00+00:00")
    script.write(path, metrics("2026-11-20T06:00:00Z", 0.071))
    script.commit("observe metrics", "2026-11-20T06:05:00+00:00")
    result = run_cli("--repo", script.root, "history", "observations/metrics", "--format", "json")
    assert result.exit_code == 0, result.output
    latest = json.loads(result.stdout)["revisions"][0]["observed"]
    assert latest == [
        {
            "change": "metric-changed",
            "entry": "product-recommendations in production",
            "model": "product-recommendations",
            "text": "cost_per_1k_inferences_usd of product-recommendations in production "
            "went from 0.052 to 0.071",
            "old": 0.052,
            "new": 0.071,
        }
    ]


def _snapshot(system: str, entries: list[dict[str, Any]], at: str = "2026-11-20") -> dict[str, Any]:
    return {
        "kind": "Observation",
        "source": {"system": system},
        "observed_at": f"{at}T06:00:00Z",
        "entries": entries,
    }


def _texts(system: str, old: list[dict[str, Any]], new: list[dict[str, Any]]) -> list[str]:
    _, observed = record_changes(True, _snapshot(system, old, "2026-11-19"), _snapshot(system, new))
    assert {c.change for c in observed} <= set(CHANGE_KINDS)
    return [c.text for c in observed]


def test_entries_are_matched_by_key_not_position() -> None:
    a = {
        "name": "a",
        "aliases": {"champion": "1"},
        "versions": [{"version": "1", "status": "READY"}],
    }
    b = {"name": "b", "aliases": {}, "versions": [{"version": "1", "status": "READY"}]}
    assert _texts("mlflow", [a, b], [b, a]) == ["observed again on 2026-11-20, no change"]
    c = {"name": "c", "aliases": {}, "versions": []}
    assert _texts("mlflow", [a, b], [c, a]) == [
        "registered model b disappeared (versions 1)",
        "registered model c appeared",
    ]


def test_registry_changes_in_words() -> None:
    old = {
        "name": "z",
        "aliases": {"champion": "2", "previous": "1"},
        "versions": [
            {"version": "1", "status": "READY", "stage": "Production"},
            {"version": "2", "status": "PENDING", "run_id": "r1"},
            {"version": "3", "status": "READY", "stage": "Production"},
        ],
    }
    new = {
        "name": "z",
        "aliases": {"champion": "2", "challenger": "3"},
        "versions": [
            {"version": "2", "status": "READY", "run_id": "r2"},
            {"version": "3", "status": "READY", "stage": "Archived"},
        ],
    }
    assert _texts("mlflow", [old], [new]) == [
        "version 3 of z became challenger on 2026-11-20",
        "alias previous of z was removed on 2026-11-20 (it pointed at version 1)",
        "version 1 of z was deleted",
        "version 2 of z changed status from PENDING to READY",
        "version 2 of z: run_id changed from r1 to r2",
        "version 3 of z moved to stage Archived on 2026-11-20 (was Production)",
    ]


def test_workloads_appear_and_are_removed() -> None:
    one = {
        "workload": "Deployment",
        "namespace": "ml",
        "name": "w1",
        "model_id": "m",
        "model_version": "1.0.0",
        "file": "a.yaml",
        "line": 1,
    }
    moved = {**one, "line": 40}
    two = {**one, "workload": "StatefulSet", "environment": "production"}
    # a document above it in the manifest file grew: no production change
    assert _texts("kubernetes", [one], [moved]) == ["observed again on 2026-11-20, no change"]
    assert _texts("kubernetes", [one], [two]) == [
        "Deployment ml/w1 was removed (it served m 1.0.0)",
        "StatefulSet ml/w1 appeared, serving m 1.0.0 in production",
    ]
