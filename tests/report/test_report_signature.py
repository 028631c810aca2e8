"""The signed sample report: poppler's pdfsig (the independent verifier) and `verify`
accept it; a flipped byte, an incremental update, a rewritten history and a manifest that
names another commit each make `verify` fail with the check and the reason."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from support.cli import Invoke
from support.git import git
from support.pdf import (
    Report,
    annotate,
    append_update,
    cover_up,
    pdfsig,
    pdftotext,
)
from support.repos import AS_OF_TEXT as AS_OF
from support.repos import Sample
from support.signing import claiming_commit

from compliance_tool.errors import EXIT_FINDINGS, EXIT_OK

SIGNED_CHECKS = [
    "signature present",
    "signature intact",
    "covers entire file",
    "no changes after signing",
    "signer",
    "trusted",
    "manifest",
]


def verify(run_cli: Invoke, pdf: Path, *args: str | Path) -> tuple[int, dict[str, Any]]:
    """`compliance-tool verify --format json`: the exit code and the checks by name."""
    result = run_cli("verify", pdf, "--format", "json", *args)
    document = json.loads(result.stdout)
    checks = {c["name"]: c for c in document["checks"]}
    assert len(checks) == len(document["checks"]), "a check is named twice"
    return result.exit_code, checks


def failed(checks: dict[str, Any]) -> dict[str, str]:
    return {name: c["message"] for name, c in checks.items() if c["ok"] is False}


# -- the untouched report ------------------------------------------------------------------


def test_pdfsig_finds_a_valid_signature_over_the_whole_file(signed_report: Report) -> None:
    output = pdfsig(signed_report.pdf)
    assert "Signature Validation: Signature is Valid." in output, output
    assert "Total document signed" in output
    assert "Signer Certificate Common Name: compliance-tool development key (" in output
    assert "Signing Hash Algorithm: SHA-256" in output


def test_verify_with_the_repository_holds(
    run_cli: Invoke, signed_report: Report, sample: Sample
) -> None:
    code, checks = verify(run_cli, signed_report.pdf, "--repo", sample.root)
    assert code == EXIT_OK, checks
    assert list(checks) == [*SIGNED_CHECKS, "repository", "observations"]
    assert failed(checks) == {}
    assert checks["trusted"]["ok"] is None  # no --trust: not checked, and it says so
    files = len(json.loads(signed_report.manifest.read_bytes())["files"])
    assert checks["repository"]["message"] == (
        f"commit {sample.commit[:12]} holds exactly the {files} input files of the manifest"
    )
    assert checks["manifest"]["message"].endswith(
        f"{files} input files from commit {sample.commit[:12]}, as of {AS_OF}"
    )


def test_the_cover_says_a_development_key_signed_it(signed_report: Report) -> None:
    cover = " ".join(pdftotext(signed_report.pdf, "-layout", "-f", "1", "-l", "1").split())
    assert "Signed by compliance-tool development key (" in cover
    assert (
        "This report was signed with a development key generated on the machine that "
        "produced it. The signature proves the file is unchanged since signing, not who "
        "signed it." in cover
    )
    assert "Meaning Submitted to the Model Risk Committee" in cover  # compliance-tool.yaml
    assert "signed with a development key created in .compliance-keys/" in signed_report.stderr
    # the visible stamp on the last page says the same
    assert "Digitally signed by compliance-tool development key (" in signed_report.text
    assert "Meaning: Submitted to the Model Risk Committee" in signed_report.text


# -- tampering --------------------------------------------------------------------------------


def test_one_byte_flipped_inside_the_signed_range(
    run_cli: Invoke, signed_report: Report, tmp_path: Path
) -> None:
    data = signed_report.pdf.read_bytes()
    at = data.index(b"/Author (Northmoor Bank)") + len(b"/Author (")
    found = re.search(rb"/ByteRange\s*\[\s*(\d+)\s+(\d+)\s+(\d+)\s+(\d+)\s*\]", data)
    assert found is not None
    start, length, _, _ = (int(n) for n in found.groups())
    assert start <= at < start + length  # signed, and not inside the signature itself
    tampered = tmp_path / "flipped.pdf"
    tampered.write_bytes(data[:at] + b"M" + data[at + 1 :])  # Northmoor -> Morthmoor
    code, checks = verify(run_cli, tampered)
    assert code == EXIT_FINDINGS
    assert failed(checks) == {
        "signature intact": "the signed bytes were changed: their digest differs from the one "
        "the signature covers",
    }
    output = pdfsig(tampered)
    assert "Signature Validation: Digest Mismatch." in output, output


@pytest.mark.parametrize(
    ("change", "touched"),
    [(annotate, "Annot (object "), (cover_up, "Page (object ")],
    ids=["annotation", "page-content"],
)
def test_an_incremental_update_after_signing(
    run_cli: Invoke,
    signed_report: Report,
    tmp_path: Path,
    change: Callable[[IncrementalPdfFileWriter], None],
    touched: str,
) -> None:
    original = signed_report.pdf.read_bytes()
    tampered = tmp_path / "updated.pdf"
    tampered.write_bytes(append_update(original, change))
    code, checks = verify(run_cli, tampered)
    assert code == EXIT_FINDINGS
    broken = failed(checks)
    assert set(broken) == {"covers entire file", "no changes after signing"}
    assert checks["signature intact"]["ok"] is True  # the signed revision is untouched
    added = len(tampered.read_bytes()) - len(original)
    assert broken["covers entire file"] == (
        f"{added} byte(s) were appended after the signed revision (an incremental update)"
    )
    assert broken["no changes after signing"].startswith(
        "changes that difference analysis cannot explain: 1 update(s) after signing change "
    )
    assert touched in broken["no changes after signing"]
    # the manifest is read as signed, so it still holds
    assert checks["manifest"]["ok"] is True
    # poppler still calls the signature valid, but no longer over the whole document
    output = pdfsig(tampered)
    assert "Signature is Valid." in output and "Not total document signed" in output


@pytest.fixture
def rewritten(sample: Sample, tmp_path: Path) -> tuple[Path, str]:
    """A clone of the sample whose only commit was amended (P1 'fixed' in the past: the
    AML model validated a year later), with the original commit gone from the repository.
    Returns the clone and the rewritten commit."""
    clone = tmp_path / "rewritten"
    git(tmp_path, "clone", "-q", str(sample.root), str(clone), env=sample.env)
    model = clone / "inventory" / "models" / "aml-transaction-monitoring.yaml"
    text = model.read_text(encoding="utf-8")
    assert text.count("2025-08-14") == 1
    model.write_text(text.replace("2025-08-14", "2026-08-14"), encoding="utf-8")
    git(clone, "commit", "-q", "-a", "--amend", "--no-edit", "--no-gpg-sign", env=sample.env)
    git(clone, "remote", "remove", "origin", env=sample.env)
    git(clone, "reflog", "expire", "--expire=now", "--all", env=sample.env)
    git(clone, "gc", "-q", "--prune=now", env=sample.env)
    amended = git(clone, "rev-parse", "HEAD", env=sample.env).strip()
    assert amended != sample.commit
    objects = git(clone, "rev-list", "--all", env=sample.env).split()
    assert sample.commit not in objects
    return clone, amended


def test_a_rewritten_history_fails_the_repository_check(
    run_cli: Invoke, signed_report: Report, sample: Sample, rewritten: tuple[Path, str]
) -> None:
    clone, _ = rewritten
    code, checks = verify(run_cli, signed_report.pdf, "--repo", clone)
    assert code == EXIT_FINDINGS
    assert failed(checks) == {
        "repository": f"commit {sample.commit} cannot be read in {clone}: "
        f"unknown revision '{sample.commit}'"
    }


def test_a_manifest_naming_another_commit_fails_the_repository_check(
    run_cli: Invoke,
    signed_report: Report,
    sample: Sample,
    rewritten: tuple[Path, str],
    tmp_path: Path,
) -> None:
    """The report's own manifest and findings, re-signed with the same key after the
    commit and tree were changed to the rewritten ones: signature and manifest hold, the
    repository check names the file whose content differs."""
    clone, amended = rewritten
    forged = tmp_path / "forged.pdf"
    forged.write_bytes(claiming_commit(signed_report.pdf, clone, amended, sample.env, sample.root))

    code, checks = verify(run_cli, forged, "--repo", clone)
    assert code == EXIT_FINDINGS
    assert checks["signature intact"]["ok"] is True and checks["manifest"]["ok"] is True
    assert failed(checks) == {
        "repository": f"commit {amended[:12]}: 1 file(s) differ: "
        "inventory/models/aml-transaction-monitoring.yaml"
    }
    # the same forged report against the original repository: that commit is unknown there
    code, checks = verify(run_cli, forged, "--repo", sample.root)
    assert code == EXIT_FINDINGS
    assert failed(checks) == {
        "repository": f"commit {amended} cannot be read in {sample.root}: "
        f"unknown revision '{amended}'"
    }
