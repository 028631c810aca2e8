"""The steps about production as observed, on small repositories: each passes where the
snapshots agree with the records, fails naming the model's record and the snapshot's
entry where they do not, and fails when there is no snapshot to read."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from support.repos import write_minirepo
from support.scenarios import named_records

from compliance_tool.scenarios.runner import ScenarioResult, run_features

AS_OF = dt.date(2026, 11, 26)
STEPS = {
    "declared": "every model serving in production is declared",
    "approved": "every serving version has a deploy approval",
    "retired": "no retired model is serving",
    "metrics": "the observed metrics are within their thresholds",
    "fresh": "every snapshot is at most 7 days old",
}
FEATURE = "Feature: Observed\n" + "".join(
    f"\n  @INV-01\n  Scenario: {name}\n    Given the committed snapshots\n    Then {step}\n"
    for name, step in STEPS.items()
)
HEADER = """\
apiVersion: governance/v1
kind: Observation
id: {id}
source: {{system: {system}, address: {address}}}
observed_at: '{at}T06:00:00Z'
tool_version: 0.1.0
entries:
"""
M1 = "inventory/models/m1.yaml"


def model(model_id: str, lifecycle: str) -> str:
    return (
        f"apiVersion: governance/v1\nkind: Model\nid: {model_id}\nname: {model_id}\n"
        f"version: 1.0.0\nlifecycle: {lifecycle}\n"
    )


def workload(name: str, model_id: str, version: str, replicas: int = 2) -> str:
    return (
        f"- {{workload: Deployment, name: {name}, namespace: ml, environment: prod, "
        f"model_id: {model_id}, model_version: {version}, replicas: {replicas}, "
        f"file: {name}.yaml, line: 1}}\n"
    )


def registered(name: str, alias: str, number: str, tag: str) -> str:
    return (
        f"- name: {name}\n  aliases: {{{alias}: '{number}'}}\n  versions:\n"
        f"  - {{version: '{number}', status: READY, tags: {{governance.version: {tag}}}}}\n"
    )


def build(root: Path, *, broken: bool) -> Path:
    """The minimal repository, m1 approved for 1.2.0 with a latency budget of 200 ms, a
    deprecated m-dep and a retired m-old, and three snapshots. ``broken``: the registry
    also shows an undeclared shadow model and m1's champion on unapproved 1.3.0, a
    workload still serves m-old, m1's latency is 300 ms, and the metrics are stale."""
    write_minirepo(root)
    text = (root / M1).read_text(encoding="utf-8")
    text += (
        "approvals:\n  - {stage: deploy, version: 1.2.0, by: asmith, at: 2026-01-10}\n"
        "monitoring:\n  thresholds:\n    latency_p99_ms: {max: 200}\n"
    )
    (root / M1).write_text(text, encoding="utf-8")
    (root / "inventory/models/m-dep.yaml").write_text(model("m-dep", "deprecated"), "utf-8")
    (root / "inventory/models/m-old.yaml").write_text(model("m-old", "retired"), "utf-8")
    folder = root / "inventory" / "observations"
    folder.mkdir()
    registry = HEADER.format(id="mlflow", system="mlflow", address="https://r", at="2026-11-25")
    registry += registered("m1", "champion", "2" if broken else "1", "1.3.0" if broken else "1.2.0")
    registry += registered("shadow-model", "champion" if broken else "shadow", "1", "0.1.0")
    (folder / "mlflow.yaml").write_text(registry, "utf-8")
    cluster = HEADER.format(id="manifests", system="kubernetes", address="deploy/", at="2026-11-25")
    cluster += workload("dep", "m-dep", "1.0.0") + workload("m1", "m1", "1.2.0")
    cluster += workload("old", "m-old", "1.0.0", 1 if broken else 0)
    (folder / "manifests.yaml").write_text(cluster, "utf-8")
    at = "2026-11-01" if broken else "2026-11-24"
    metrics = HEADER.format(id="metrics", system="openmetrics", address="https://p", at=at)
    latency = 300 if broken else 120
    metrics += f"- model: m1\n  environment: prod\n  metrics: {{latency_p99_ms: {latency}}}\n"
    (folder / "metrics.yaml").write_text(metrics, "utf-8")
    (root / "features").mkdir(exist_ok=True)
    (root / "features" / "observed.feature").write_text(FEATURE, "utf-8")
    return root


def _run(root: Path) -> dict[str, ScenarioResult]:
    run = run_features(root, None, AS_OF, [str(root / "features" / "observed.feature")])
    return {r.name: r for r in run.results}


def test_every_step_passes_where_production_agrees_with_the_records(tmp_path: Path) -> None:
    results = _run(build(tmp_path / "repo", broken=False))
    assert {name: r.passed for name, r in results.items()} == dict.fromkeys(STEPS, True), {
        n: r.message for n, r in results.items() if not r.passed
    }


@pytest.fixture(scope="module")
def broken(tmp_path_factory: pytest.TempPathFactory) -> dict[str, ScenarioResult]:
    return _run(build(tmp_path_factory.mktemp("broken") / "repo", broken=True))


def test_an_undeclared_model_serving_is_named_at_its_snapshot_entry(
    broken: dict[str, ScenarioResult],
) -> None:
    result = broken["declared"]
    assert not result.passed
    lines = result.message.splitlines()
    assert lines[0] == "1 undeclared model serving in production breaks it:"
    assert lines[1].startswith("  inventory/observations/mlflow.yaml:12:3  shadow-model: ")
    assert "has a serving version (alias 'champion')" in lines[1]


def test_an_unapproved_serving_version_names_the_record_and_the_snapshot(
    broken: dict[str, ScenarioResult],
) -> None:
    result = broken["approved"]
    assert not result.passed
    assert named_records(result.message) == {M1, "inventory/observations/mlflow.yaml"}
    assert "serves version 1.3.0, which has no deploy approval (approved: 1.2.0)" in (
        result.message
    )
    assert "      shown at inventory/observations/mlflow.yaml:8:3" in result.message


def test_a_retired_model_still_deployed_is_named_but_a_deprecated_one_is_not(
    broken: dict[str, ScenarioResult],
) -> None:
    result = broken["retired"]
    assert not result.passed
    assert named_records(result.message) == {
        "inventory/models/m-old.yaml",
        "inventory/observations/manifests.yaml",
    }
    assert "Deployment ml/old (old.yaml:1)" in result.message
    assert "m-dep" not in result.message
    assert "shown at inventory/observations/manifests.yaml:10:3" in result.message


def test_a_metric_beyond_its_threshold_is_named(broken: dict[str, ScenarioResult]) -> None:
    result = broken["metrics"]
    assert not result.passed
    assert result.message.splitlines()[0] == "1 observed metric beyond its threshold breaks it:"
    assert "observed latency_p99_ms 300 in prod is beyond its threshold (at most 200)" in (
        result.message
    )
    assert "shown at inventory/observations/metrics.yaml:8:3" in result.message


def test_a_stale_snapshot_is_named_at_its_observation_time(
    broken: dict[str, ScenarioResult],
) -> None:
    result = broken["fresh"]
    assert not result.passed
    assert result.message.splitlines() == [
        "1 snapshot breaks it:",
        "  inventory/observations/metrics.yaml:5:14  metrics: observed 2026-11-01T06:00:00Z, "
        "25 days before 2026-11-26",
    ]


def test_without_snapshots_no_step_passes(tmp_path: Path) -> None:
    root = build(tmp_path / "repo", broken=False)
    for path in (root / "inventory" / "observations").iterdir():
        path.unlink()
    results = _run(root)
    assert not any(r.passed for r in results.values())
    assert all(
        "there is no snapshot in inventory/observations/" in r.message for r in results.values()
    )


def test_a_snapshot_edited_by_hand_is_no_evidence(tmp_path: Path) -> None:
    root = build(tmp_path / "repo", broken=False)
    path = root / "inventory" / "observations" / "metrics.yaml"
    path.write_text(path.read_text("utf-8").replace("tool_version: 0.1.0\n", ""), "utf-8")
    result = _run(root)["metrics"]
    assert not result.passed
    assert "problem(s) in the snapshots, which are therefore no evidence" in result.message
    assert "inventory/observations/metrics.yaml" in result.message
