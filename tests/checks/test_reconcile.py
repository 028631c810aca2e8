"""reconcile: every finding kind, where each points, the JSON schema, bad snapshots, and
the same findings as REC- rules of check, waivers included."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from support.checks import check_json, findings
from support.cli import invoke
from support.repos import (
    AS_OF_TEXT,
    REPO_ROOT,
    copy_sample,
    development_model,
    edit,
    position,
    write_minirepo,
)

from compliance_tool.observe.base import Observed
from compliance_tool.observe.snapshot import write_snapshot

AS_OF = dt.date(2026, 11, 26)
OBSERVED = dt.datetime(2026, 11, 25, 6, 0, tzinfo=dt.UTC)


def _model(model_id: str, lifecycle: str, version: str, extra: str = "") -> str:
    text = development_model(model_id, model_id)
    text = text.replace("version: 0.1.0", f"version: {version}")
    return text.replace("lifecycle: development", f"lifecycle: {lifecycle}") + extra


def _approved(*versions: str) -> str:
    items = "".join(
        f"  - {{stage: deploy, version: {v}, by: asmith, at: 2026-06-01}}\n" for v in versions
    )
    return "approvals:\n" + items


MODELS = {
    "served-ok": _model(
        "served-ok",
        "production",
        "2.0.0",
        "deployments:\n  - {environment: prod, target: k8s/served-ok, since: 2026-06-02}\n"
        "registry: {system: mlflow}\n"
        "monitoring:\n  thresholds:\n    cost_per_1k_inferences_usd: {max: 0.4}\n"
        "operations:\n  metrics: {as_of: 2026-11-24, cost_per_1k_inferences_usd: 0.3}\n"
        + _approved("2.0.0"),
    ),
    "unapproved": _model("unapproved", "production", "1.0.0", _approved("1.0.0")),
    "mismatch": _model("mismatch", "production", "1.1.0", _approved("1.0.0", "1.1.0")),
    "retired-one": _model("retired-one", "retired", "3.0.0"),
    "early": _model("early", "validation", "0.9.0"),
    "missing": _model(
        "missing", "production", "1.0.0", "registry: {system: mlflow, name: not-there}\n"
    ),
    "breach": _model(
        "breach",
        "production",
        "1.0.0",
        "monitoring:\n  thresholds:\n    cost_per_1k_inferences_usd: {max: 0.4}\n"
        "operations:\n  metrics: {as_of: 2026-11-24, cost_per_1k_inferences_usd: 0.5}\n",
    ),
    "differs": _model(
        "differs",
        "production",
        "1.0.0",
        "operations:\n  metrics: {as_of: 2026-11-24, latency_p99_ms: 150}\n",
    ),
}

CONFIG = """\
observe:
  manifests:
    environments:
      - {namespace: ml, environment: prod}
      - {namespace: ml-staging, environment: staging}
"""


def _version(number: str, inventory_version: str) -> dict[str, Any]:
    return {"version": number, "status": "READY", "tags": {"governance.version": inventory_version}}


REGISTRY = [
    {"name": "early", "aliases": {"champion": "1"}, "versions": [_version("1", "0.9.0")]},
    {"name": "served-ok", "aliases": {"champion": "3"}, "versions": [_version("3", "2.0.0")]},
    {"name": "shadow", "aliases": {"champion": "1"}, "versions": [_version("1", "0.1.0")]},
    {"name": "unapproved", "aliases": {"champion": "2"}, "versions": [_version("2", "1.1.0")]},
]


def _workload(model: str, version: str, namespace: str, line: int) -> dict[str, Any]:
    environment = {"ml": "prod", "ml-staging": "staging"}[namespace]
    return {
        "workload": "Deployment",
        "name": model,
        "namespace": namespace,
        "environment": environment,
        "production": environment == "prod",
        "model_id": model,
        "model_version": version,
        "file": "deploy.yaml",
        "line": line,
    }


WORKLOADS = [
    _workload("early", "0.9.0", "ml-staging", 1),
    _workload("mismatch", "1.0.0", "ml", 20),
    _workload("retired-one", "3.0.0", "ml", 40),
    _workload("served-ok", "2.0.0", "ml", 60),
]

METRICS = [
    {"model": "breach", "metrics": {"cost_per_1k_inferences_usd": 0.5}},
    {"model": "differs", "metrics": {"latency_p99_ms": 100}},
    {"model": "served-ok", "metrics": {"cost_per_1k_inferences_usd": 0.31}},
]

EXPECTED = {
    ("undeclared-model", "shadow"),
    ("unapproved-version-serving", "unapproved"),
    ("version-mismatch", "mismatch"),
    ("retired-but-serving", "retired-one"),
    ("serving-before-production", "early"),
    ("declared-not-observed", "missing"),
    ("declared-not-observed", "m1"),
    ("metric-breach", "breach"),
    ("declared-metric-differs", "differs"),
    ("stale-observation", "metrics"),
}
"""One finding of every kind (m1, the minimal repository's production model, declares a
deployment in prod that no workload shows)."""


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    root = write_minirepo(tmp_path / "repo")
    for model_id, text in MODELS.items():
        (root / "inventory" / "models" / f"{model_id}.yaml").write_text(text, encoding="utf-8")
    (root / "compliance-tool.yaml").write_text(CONFIG, encoding="utf-8")
    write_snapshot(root, "mlflow", Observed("mlflow", "http://127.0.0.1:5000", REGISTRY), OBSERVED)
    write_snapshot(root, "manifests", Observed("kubernetes", "deploy", WORKLOADS), OBSERVED)
    old = OBSERVED - dt.timedelta(days=30)
    write_snapshot(root, "metrics", Observed("openmetrics", "metrics.prom", METRICS), old)
    return root


def _reconcile(root: Path, *args: str) -> tuple[int, dict[str, Any]]:
    result = invoke("--repo", root, "reconcile", "--as-of", AS_OF_TEXT, "--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.stdout)


def test_every_kind_of_disagreement_once(repo: Path) -> None:
    code, document = _reconcile(repo)
    assert code == 1
    assert {(f["kind"], f["model"]) for f in document["findings"]} == EXPECTED
    assert document["summary"]["findings"] == len(EXPECTED)


def test_the_json_follows_its_schema(repo: Path) -> None:
    _, document = _reconcile(repo)
    schema = json.loads((REPO_ROOT / "schemas" / "reconcile-result.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(document)
    assert document["$schema"] == schema["$id"]


def test_an_undeclared_model_points_at_its_entry_in_the_snapshot(repo: Path) -> None:
    _, document = _reconcile(repo)
    shadow = next(f for f in document["findings"] if f["kind"] == "undeclared-model")
    snapshot = repo / "inventory" / "observations" / "mlflow.yaml"
    assert shadow["path"] == "inventory/observations/mlflow.yaml"
    assert shadow["line"] == position(snapshot, "name: shadow")[0]
    assert shadow["subject"] == {"kind": "Observation", "id": "mlflow"}


def test_a_model_finding_points_at_the_field_it_concerns(repo: Path) -> None:
    _, document = _reconcile(repo)
    by_kind = {f["kind"]: f for f in document["findings"] if f["model"] != "m1"}
    unapproved = by_kind["unapproved-version-serving"]
    path = repo / "inventory" / "models" / "unapproved.yaml"
    assert (unapproved["path"], unapproved["line"]) == (
        "inventory/models/unapproved.yaml",
        position(path, "version: 1.0.0\n")[0],
    )
    assert "version 1.1.0" in unapproved["message"] and "champion" in unapproved["message"]
    retired = by_kind["retired-but-serving"]
    assert retired["line"] == position(repo / "inventory/models/retired-one.yaml", "lifecycle")[0]
    assert retired["environment"] == "prod"


def test_a_workload_outside_production_is_no_finding_for_a_model_in_validation(repo: Path) -> None:
    _, document = _reconcile(repo)
    early = [f for f in document["findings"] if f["model"] == "early"]
    assert [f["environment"] for f in early] == ["registry"]


def test_agreement_exits_zero(repo: Path) -> None:
    for name in ("mlflow", "manifests", "metrics"):
        (repo / "inventory" / "observations" / f"{name}.yaml").unlink()
    entries = [r for r in REGISTRY if r["name"] == "served-ok"]
    write_snapshot(repo, "mlflow", Observed("mlflow", "http://127.0.0.1:5000", entries), OBSERVED)
    for model_id in MODELS:
        if model_id != "served-ok":
            (repo / "inventory" / "models" / f"{model_id}.yaml").unlink()
    code, document = _reconcile(repo)
    assert (code, document["findings"]) == (0, [])
    assert [s["id"] for s in document["snapshots"]] == ["mlflow"]
    serving = document["serving"]
    assert [(s["model"], s["version"], s["environment"]) for s in serving] == [
        ("served-ok", "2.0.0", "registry")
    ]


def test_a_snapshot_edited_into_an_invalid_state_is_named_with_its_line(repo: Path) -> None:
    snapshot = repo / "inventory" / "observations" / "mlflow.yaml"
    edit(snapshot, "champion: '2'", "champion: latest")
    line, _ = position(snapshot, "champion: latest")
    result = invoke("--repo", repo, "reconcile", "--as-of", AS_OF_TEXT)
    assert result.exit_code == 2
    assert f"inventory/observations/mlflow.yaml:{line}:" in result.stderr
    assert "observe the source again" in result.stderr
    assert "Traceback" not in result.output
    validated = invoke("--repo", repo, "validate")
    assert validated.exit_code == 1
    assert f"inventory/observations/mlflow.yaml:{line}:" in validated.stdout


def test_text_and_markdown_name_every_finding(repo: Path) -> None:
    text = invoke("--repo", repo, "reconcile", "--as-of", AS_OF_TEXT)
    assert text.exit_code == 1
    for kind, model in EXPECTED:
        assert f"{kind}: {model}:" in text.stdout
    markdown = invoke("--repo", repo, "reconcile", "--as-of", AS_OF_TEXT, "--format", "markdown")
    rows = [line for line in markdown.stdout.splitlines() if line.startswith("| `")]
    assert len(rows) == len(EXPECTED) + 3  # the findings and the 3 sources


# -- the sample, and check ----------------------------------------------------------------

SAMPLE_REC = {
    ("REC-02-unapproved-version-serving", "Model", "fraud-scoring", "fail"),
    ("REC-01-undeclared-model", "Observation", "manifests", "fail"),
    ("REC-04-retired-but-serving", "Model", "legacy-application-scorecard", "fail"),
    ("REC-07-metric-breach", "Model", "product-recommendations", "fail"),
    ("REC-08-declared-metric-differs", "Model", "product-recommendations", "fail"),
}
"""The REC- findings of the sample on 2026-11-26."""


def test_the_sample_reconciles_to_its_planted_disagreements() -> None:
    code, document = _reconcile(REPO_ROOT)
    assert code == 1
    got = {
        (f["rule"], f["subject"]["kind"], f["subject"]["id"], "fail") for f in document["findings"]
    }
    assert got == SAMPLE_REC


def test_check_reports_them_as_rec_rules_and_a_waiver_waives_one(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "sample", config=True)
    _, before = check_json(root, "--as-of", AS_OF_TEXT)
    assert {f for f in findings(before) if f[0].startswith("REC-")} == SAMPLE_REC
    waiver = (REPO_ROOT / "inventory" / "waivers" / "W-2026-014.yaml").read_text()
    waiver = waiver.replace("W-2026-014", "W-2026-020").replace(
        "VAL-01-validation-current", "REC-02-unapproved-version-serving"
    )
    (root / "inventory" / "waivers" / "W-2026-020.yaml").write_text(waiver, encoding="utf-8")
    _, after = check_json(root, "--as-of", AS_OF_TEXT)
    assert ("REC-02-unapproved-version-serving", "Model", "fraud-scoring", "waived") in findings(
        after
    )


def test_a_snapshot_past_its_age_is_stale_in_check() -> None:
    _, document = check_json(REPO_ROOT, "--as-of", "2026-12-20")
    stale = {f[2] for f in findings(document) if f[0] == "REC-09-stale-observation"}
    assert stale == {"mlflow", "manifests", "metrics"}


def test_a_snapshot_may_be_larger_than_a_record(repo: Path) -> None:
    """One file holds everything a registry showed: 64 MiB, not the 1 MiB of a record."""
    note = "a long description of the registered model " * 20
    entries = [
        {"name": f"shadow-{i:04d}", "tags": {"note": note}, "aliases": {}, "versions": []}
        for i in range(1_500)
    ]
    written = write_snapshot(repo, "mlflow", Observed("mlflow", "http://x", entries), OBSERVED)
    assert written.path.stat().st_size > 1 << 20
    _, document = _reconcile(repo)
    undeclared = [f for f in document["findings"] if f["kind"] == "undeclared-model"]
    assert len(undeclared) == 1_500
    big_record = repo / "inventory" / "models" / "big.yaml"
    big_record.write_text(_model("big", "production", "1.0.0") + "# " + "x" * (1 << 20) + "\n")
    validated = invoke("--repo", repo, "validate")
    assert "inventory/models/big.yaml:1:1" in validated.stdout and "byte limit" in validated.stdout
