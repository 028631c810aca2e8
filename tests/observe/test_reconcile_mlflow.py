"""From a real MLflow registry to findings: a shadow model, a champion on an unapproved
version and a retired model with a champion, observed, reconciled and checked, one of
them waived."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

from support.checks import check_json, findings
from support.cli import run
from support.repos import AS_OF_TEXT, REPO_ROOT, copy_sample

from compliance_tool.observe import mlflow_rest

EXPECTED = {
    ("undeclared-model", "REC-01-undeclared-model", "Observation", "mlflow", "pricing-uplift"),
    (
        "unapproved-version-serving",
        "REC-02-unapproved-version-serving",
        "Model",
        "fraud-scoring",
        "fraud-scoring",
    ),
    (
        "retired-but-serving",
        "REC-04-retired-but-serving",
        "Model",
        "legacy-application-scorecard",
        "legacy-application-scorecard",
    ),
}


def _register(client: Any, name: str, versions: list[str], champion: int | None) -> None:
    """A registered model whose versions carry governance.version tags, the champion
    alias on the version numbered ``champion``."""
    client.create_registered_model(name)
    for inventory_version in versions:
        created = client.create_model_version(
            name, source=f"s3://models/{name}/{inventory_version}"
        )
        client.set_model_version_tag(name, created.version, "governance.version", inventory_version)
    if champion is not None:
        client.set_registered_model_alias(name, "champion", str(champion))


def _sample_without_snapshots(tmp_path: Path) -> Path:
    root = copy_sample(tmp_path / "sample", config=True)
    shutil.rmtree(root / "inventory" / "observations")
    return root


def test_observe_then_reconcile_and_check_report_exactly_the_planted_three(
    registry: Any, mlflow_server: str, tmp_path: Path
) -> None:
    _register(registry, "credit-scoring-pd", ["3.0.0", "3.1.0"], champion=2)  # agrees
    _register(registry, "fraud-scoring", ["4.2.1", "4.3.0"], champion=2)  # 4.3.0: unapproved
    _register(registry, "legacy-application-scorecard", ["7.2.0"], champion=1)  # retired
    _register(registry, "pricing-uplift", ["0.1.0"], champion=1)  # no record
    root = _sample_without_snapshots(tmp_path)
    environment = dict.fromkeys((mlflow_rest.TOKEN, mlflow_rest.USERNAME, mlflow_rest.PASSWORD))
    observed = run(
        "--repo", root, "observe", "mlflow", "--tracking-uri", mlflow_server, env=environment
    )
    assert observed.exit_code == 0, observed.output
    assert "wrote inventory/observations/mlflow.yaml: 4 entries" in observed.stderr

    reconciled = run("--repo", root, "reconcile", "--as-of", AS_OF_TEXT, "--format", "json")
    assert reconciled.exit_code == 1, reconciled.output
    document = json.loads(reconciled.stdout)
    got = {
        (f["kind"], f["rule"], f["subject"]["kind"], f["subject"]["id"], f["model"])
        for f in document["findings"]
    }
    assert got == EXPECTED

    _, checked = check_json(root, "--as-of", AS_OF_TEXT)
    rec = {f for f in findings(checked) if f[0].startswith("REC-")}
    assert rec == {(rule, kind, subject, "fail") for _, rule, kind, subject, _ in EXPECTED}

    waiver = (REPO_ROOT / "inventory" / "waivers" / "W-2026-014.yaml").read_text("utf-8")
    waiver = (
        waiver.replace("W-2026-014", "W-2026-021")
        .replace("VAL-01-validation-current", "REC-04-retired-but-serving")
        .replace("id: fraud-scoring", "id: legacy-application-scorecard")
    )
    (root / "inventory" / "waivers" / "W-2026-021.yaml").write_text(waiver, encoding="utf-8")
    _, waived = check_json(root, "--as-of", AS_OF_TEXT)
    rec = {f for f in findings(waived) if f[0].startswith("REC-")}
    assert (
        "REC-04-retired-but-serving",
        "Model",
        "legacy-application-scorecard",
        "waived",
    ) in rec
    assert ("REC-02-unapproved-version-serving", "Model", "fraud-scoring", "fail") in rec
