"""The observed running systems in the rendered sample report: the Declared and observed
section and the cover line read back with pypdf, the manifest's ``observations`` valid
against its schema and equal to what git holds, and ``verify --repo`` naming a snapshot
that the commit holds otherwise (a changed, a missing and an added snapshot)."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import pytest
from support.cli import Invoke
from support.git import git
from support.pdf import Report, attachments
from support.repos import REPO_ROOT, Sample, edit
from support.schemas import load_schema, messages, validator_for
from support.signing import claiming_commit

from compliance_tool.audit.observations import compare_observations, observation_list
from compliance_tool.errors import EXIT_FINDINGS, EXIT_OK
from compliance_tool.repository.sources import MemorySource, blob_id

SNAPSHOT = "inventory/observations/mlflow.yaml"
OBSERVED_AT = "2026-11-25T06:00:00Z"
OBSERVED_AGAIN = "2026-11-26T06:00:00Z"


def pages(pdf: Path) -> list[str]:
    """The text of each page, read by pypdf, every run of white space one space."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    return [" ".join((page.extract_text() or "").split()) for page in reader.pages]


def verify(run_cli: Invoke, pdf: Path, *args: str | Path) -> tuple[int, dict[str, Any]]:
    result = run_cli("verify", pdf, "--format", "json", *args)
    return result.exit_code, {c["name"]: c for c in json.loads(result.stdout)["checks"]}


def failed(checks: dict[str, Any]) -> dict[str, str]:
    return {name: c["message"] for name, c in checks.items() if c["ok"] is False}


# -- the PDF ---------------------------------------------------------------------------------


def test_the_section_shows_the_fraud_scoring_row(signed_report: Report) -> None:
    text = pages(signed_report.pdf)
    found = [i for i, page in enumerate(text) if "Declared and observed" in page]
    assert len(found) == 1, found
    section = " ".join(text[found[0] : found[0] + 2])
    assert "Versions: declared and serving" in section
    assert (
        "Card fraud scoring fraud-scoring 4.2.1 approved: 4.2.1 4.3.0 not approved 4.2.1 4.2.1 "
        "Serves a version that has no deploy approval — critical"
    ) in section
    assert "Retail application credit scoring credit-scoring 3.1.0 approved: 3.0.0, 3.1.0 " in (
        section
    )
    assert "mlflow MLflow registry" in section and "2026-11-25 06:00 UTC" in section
    assert "Observed operating metrics" in section and "0.071" in section


def test_the_cover_names_the_observed_sources(signed_report: Report) -> None:
    cover = pages(signed_report.pdf)[0]
    assert "mlflow (MLflow registry, 2026-11-25 06:00 UTC)" in " ".join(cover.split())


# -- the manifest ----------------------------------------------------------------------------


def test_the_manifest_lists_the_snapshot(signed_report: Report, sample: Sample) -> None:
    manifest = json.loads(attachments(signed_report.pdf)["manifest.json"])
    assert manifest == json.loads(signed_report.manifest.read_bytes())
    schema = load_schema(REPO_ROOT / "schemas" / "report-manifest.schema.json")
    assert messages(validator_for(schema), manifest) == []
    data = git(sample.root, "show", f"{sample.commit}:{SNAPSHOT}", env=sample.env).encode()
    blob = git(sample.root, "rev-parse", f"{sample.commit}:{SNAPSHOT}", env=sample.env).strip()
    assert [o["id"] for o in manifest["observations"]] == ["manifests", "metrics", "mlflow"]
    assert manifest["observations"][2:] == [
        {
            "id": "mlflow",
            "path": SNAPSHOT,
            "system": "mlflow",
            "address": "https://mlflow.ml.northmoorbank.internal",
            "observed_at": OBSERVED_AT,
            "blob": blob,
            "sha256": hashlib.sha256(data).hexdigest(),
        }
    ]
    assert manifest["files"][SNAPSHOT] == blob
    broken = {**manifest, "observations": [{**manifest["observations"][2], "blob": "abc"}]}
    assert any("does not match" in m for m in messages(validator_for(schema), broken))


# -- verify ----------------------------------------------------------------------------------


@pytest.fixture
def observed_again(sample: Sample, tmp_path: Path) -> tuple[Path, str]:
    """A clone of the sample with one more commit: the registry observed a day later."""
    clone = tmp_path / "observed-again"
    git(tmp_path, "clone", "-q", str(sample.root), str(clone), env=sample.env)
    edit(clone / SNAPSHOT, f"observed_at: '{OBSERVED_AT}'", f"observed_at: '{OBSERVED_AGAIN}'")
    git(clone, "commit", "-q", "-a", "--no-gpg-sign", "-m", "observe mlflow", env=sample.env)
    return clone, git(clone, "rev-parse", "HEAD", env=sample.env).strip()


def test_verify_names_a_snapshot_that_the_commit_holds_otherwise(
    run_cli: Invoke,
    signed_report: Report,
    sample: Sample,
    observed_again: tuple[Path, str],
    tmp_path: Path,
) -> None:
    """The report verifies with its snapshot; after a commit observes the registry again,
    a report whose manifest claims that commit but lists the old snapshot fails, and the
    observations check names the snapshot."""
    code, checks = verify(run_cli, signed_report.pdf, "--repo", sample.root)
    assert code == EXIT_OK, failed(checks)
    assert checks["observations"] == {
        "name": "observations",
        "ok": True,
        "status": "ok",
        "message": f"commit {sample.commit[:12]} holds exactly the 3 snapshot(s) listed: "
        f"manifests (observed {OBSERVED_AT}), metrics (observed {OBSERVED_AT}), "
        f"mlflow (observed {OBSERVED_AT})",
    }

    clone, head = observed_again
    code, checks = verify(run_cli, signed_report.pdf, "--repo", clone)
    assert code == EXIT_OK, failed(checks)  # the report's own commit is still there

    claimed = tmp_path / "claimed.pdf"
    claimed.write_bytes(claiming_commit(signed_report.pdf, clone, head, sample.env, sample.root))

    result = run_cli("verify", claimed, "--repo", clone)
    assert result.exit_code == EXIT_FINDINGS, result.stdout
    assert (
        f"FAIL  observations: commit {head[:12]}: snapshot 'mlflow' "
        f"(inventory/observations/mlflow.yaml) differs: observed_at {OBSERVED_AT} in the "
        f"manifest, {OBSERVED_AGAIN} at the commit; blob "
    ) in result.stdout
    code, checks = verify(run_cli, claimed, "--repo", clone)
    assert set(failed(checks)) == {"repository", "observations"}
    assert failed(checks)["repository"] == (
        f"commit {head[:12]}: 1 file(s) differ: inventory/observations/mlflow.yaml"
    )


def test_a_missing_and_an_added_snapshot_are_named() -> None:
    def snapshot(name: str) -> bytes:
        return (
            f"apiVersion: governance/v1\nkind: Observation\nid: {name}\n"
            f"source: {{system: kubernetes, address: deploy/{name}}}\n"
            f"observed_at: '{OBSERVED_AT}'\ntool_version: 0.1.0\nentries: []\n"
        ).encode()

    before = MemorySource({"inventory/observations/eu.yaml": snapshot("eu")})
    listed = observation_list(before)
    assert listed[0]["blob"] == blob_id(snapshot("eu"))
    after = MemorySource({"inventory/observations/us.yaml": snapshot("us")})
    ok, message = compare_observations({"observations": listed}, after, "a" * 40)
    assert ok is False
    assert message == (
        "commit aaaaaaaaaaaa: snapshot 'eu' (inventory/observations/eu.yaml) is missing from "
        "the commit; snapshot 'us' (inventory/observations/us.yaml) is in the commit but not "
        "in the manifest"
    )
    assert compare_observations({"observations": listed}, before, "a" * 40)[0] is True
    assert compare_observations({}, before, "a" * 40) == (
        None,
        "not checked: the manifest does not list the snapshots it read",
    )
