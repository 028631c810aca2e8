"""Reproducible reports: the same commit and date give the same unsigned bytes, in another
process and more than a second later; `report --ref OLD` reproduces that commit's report
although HEAD and the working tree moved on."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from support.cli import Render, run_tool
from support.pdf import Report, attachments, pdfsig
from support.repos import AS_OF_TEXT as AS_OF
from support.repos import Sample


def test_two_runs_a_second_apart_give_the_same_bytes(renders: dict[str, Render]) -> None:
    first, second = renders["unsigned"], renders["again"]
    said = first.wait()
    assert f"wrote {first.pdf} (" in said and ", unsigned) and report.manifest.json" in said
    second.wait()
    assert second.pdf.read_bytes() == first.pdf.read_bytes()
    assert second.manifest.read_bytes() == first.manifest.read_bytes()
    assert "does not contain any signatures" in pdfsig(second.pdf)


def test_signing_leaves_the_manifest_and_findings_as_they_were(
    renders: dict[str, Render], signed_report: Report
) -> None:
    unsigned = renders["unsigned"]
    unsigned.wait()
    assert attachments(unsigned.pdf) == attachments(signed_report.pdf)
    assert unsigned.manifest.read_bytes() == signed_report.manifest.read_bytes()


def _check(repo: Sample, *args: str) -> dict[str, Any]:
    done = run_tool(
        repo.env, "--repo", repo.root, "check", "--as-of", AS_OF, "--format", "json", *args
    )
    assert done.returncode == 1, done.stderr  # findings at every snapshot
    document = json.loads(done.stdout)
    assert isinstance(document, dict)
    return document


def _failing(document: dict[str, Any]) -> set[str]:
    return {f"{f['rule']} {f['subject']}" for f in document["findings"] if f["status"] == "fail"}


def test_report_of_an_old_commit_after_the_tree_moved_on(
    renders: dict[str, Render], sample: Sample, moved_on: Sample
) -> None:
    old = _check(moved_on, "--ref", sample.commit)
    head = _check(moved_on, "--ref", "HEAD")
    worktree = _check(moved_on)
    p1 = "VAL-01-validation-current aml-transaction-monitoring"
    p2 = "MON-01-drift-thresholds churn-propensity"
    p7 = "DAT-03-dpia-personal-data churn-features"
    assert {p1, p2, p7} <= _failing(old)
    assert _failing(head) == _failing(old) - {p2, p7}
    assert _failing(worktree) == _failing(old) - {p1, p2, p7}

    report = renders["old"]
    report.wait()
    assert json.loads(attachments(report.pdf)["findings.json"]) == old
    manifest = json.loads(report.manifest.read_bytes())
    assert manifest["commit"] == sample.commit and manifest["tree"] == sample.tree
    # byte for byte the report that was made while that commit was HEAD
    original = renders["unsigned"]
    original.wait()
    assert report.pdf.read_bytes() == original.pdf.read_bytes()


def test_the_default_report_name_and_place(signed_report: Report, sample: Sample) -> None:
    folder = sample.root / "reports"
    stem = f"compliance-report-{AS_OF}-{sample.commit[:12]}"
    assert signed_report.pdf == folder / f"{stem}.pdf"
    assert signed_report.manifest == folder / f"{stem}.manifest.json"
    assert f"and {stem}.manifest.json: 27 unwaived findings as of {AS_OF}" in (signed_report.stderr)
    assert Path(signed_report.pdf).read_bytes().startswith(b"%PDF-1.7")
