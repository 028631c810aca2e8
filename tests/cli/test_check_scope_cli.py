"""`compliance-tool check PATH...` and `--changed-since`: every rule runs on the whole
inventory, and only the results about the given records are reported and decide the exit."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import Result
from support.cli import run
from support.git import commit_all, git

CVENDOR = "inventory/people/cvendor.yaml"
ROTATION = "inventory/rotations/ml-oncall.yaml"


def check(repo: Path, *args: str | Path) -> Result:
    return run("--repo", repo, "check", "--no-cache", "--as-of", "2026-11-26", *args)


@pytest.fixture
def repo(governance_repo: Path, tmp_path: Path) -> Path:
    """A copy of the reporter tests' repository that a test may change."""
    return Path(shutil.copytree(governance_repo, tmp_path / "repo"))


def test_a_file_with_a_high_finding_fails_and_only_it_is_reported(repo: Path) -> None:
    result = check(repo, "--format", "json", repo / CVENDOR)
    assert result.exit_code == 1, result.stderr
    document = json.loads(result.stdout)
    assert [(f["rule"], f["subject"], f["path"]) for f in document["findings"]] == [
        ("EXT-01-contract-current", "cvendor", CVENDOR)
    ]
    assert "1 failing, 0 waived" in result.stderr
    assert "about 1 path(s)" in result.stderr


def test_the_threshold_applies_to_the_given_files_only(repo: Path) -> None:
    # the rotation fails a medium rule; the high finding of cvendor is not about it
    assert check(repo, repo / ROTATION).exit_code == 1
    passed = check(repo, "--fail-on", "high", repo / ROTATION)
    assert passed.exit_code == 0, passed.stderr
    assert "ONC-01-rotation-escalation" in passed.stdout
    assert "cvendor" not in passed.stdout


def test_a_folder_stands_for_the_records_in_it(repo: Path) -> None:
    result = check(repo, "--format", "json", repo / "inventory" / "datasets")
    document = json.loads(result.stdout)
    assert {f["rule"] for f in document["findings"]} == {"DAT-04-retention"}
    assert result.exit_code == 1


def test_a_file_without_findings_passes(repo: Path) -> None:
    result = check(repo, repo / "inventory/people/asmith.yaml")
    assert result.exit_code == 0, result.stderr
    assert "0 failing, 0 waived" in result.stderr


def test_a_rule_file_reports_every_result_of_the_rule(repo: Path) -> None:
    result = check(repo, "--format", "json", repo / "policies/rules/EXT-01-contract-current.yaml")
    document = json.loads(result.stdout)
    assert [(f["rule"], f["subject"]) for f in document["findings"]] == [
        ("EXT-01-contract-current", "cvendor")
    ]


def test_a_missing_path_is_a_usage_error(repo: Path) -> None:
    result = check(repo, repo / "inventory/people/nobody.yaml")
    assert result.exit_code == 2
    assert "no such file or folder" in result.stderr


def test_the_machine_formats_hold_only_the_given_records(repo: Path, tmp_path: Path) -> None:
    sarif = tmp_path / "out.sarif"
    result = check(repo, "--format", f"sarif={sarif}", "--format", "text", repo / CVENDOR)
    assert result.exit_code == 1
    results = json.loads(sarif.read_text("utf-8"))["runs"][0]["results"]
    assert [r["ruleId"] for r in results] == ["EXT-01-contract-current"]


def test_changed_since_reports_on_the_files_changed(repo: Path, git_env: None) -> None:
    git(repo, "init", "-q")
    commit_all(repo, "governance repository")
    assert check(repo, "--changed-since", "HEAD").exit_code == 0  # nothing changed
    rotation = repo / ROTATION
    rotation.write_text(rotation.read_text("utf-8").replace("ML on-call", "ML on call"), "utf-8")
    result = check(repo, "--format", "json", "--changed-since", "HEAD")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert {f["path"] for f in document["findings"]} == {ROTATION}
    narrowed = check(repo, "--changed-since", "HEAD", repo / "inventory" / "people")
    assert narrowed.exit_code == 0, narrowed.stderr


def test_the_help_has_an_example_of_paths() -> None:
    text = run("check", "--help").stdout
    assert "[PATH]..." in text and "--changed-since REF" in text
    example = text.split("Example:", 1)[1].strip().splitlines()[0]
    assert example == "compliance-tool check --fail-on high inventory/models/fraud-scoring.yaml"
