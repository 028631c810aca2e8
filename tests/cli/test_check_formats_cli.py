"""`compliance-tool check` with the report formats: files, stdout, exit codes."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from click.testing import Result
from support.cli import run
from support.reporter_repo import WAIVED_ONLY, build_repository

from compliance_tool.checks.engine import CheckResult
from compliance_tool.reporters import text


def check(repo: Path, *args: str) -> Result:
    return run("--repo", repo, "check", "--no-cache", "--as-of", "2026-11-26", *args)


def test_files_and_stdout_in_one_run(
    governance_repo: Path,
    checked: CheckResult,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(tmp_path)
    result = check(
        governance_repo,
        "--format", "sarif=out.sarif",
        "--format", "junit=reports/out.xml",
        "--format", "text",
    )  # fmt: skip
    assert result.exit_code == 1
    assert result.stdout == text.render_check(checked)
    assert "wrote sarif to out.sarif" in result.stderr
    assert "3 failing, 1 waived" in result.stderr
    sarif = json.loads((tmp_path / "out.sarif").read_text(encoding="utf-8"))
    assert sarif["version"] == "2.1.0"
    assert len(sarif["runs"][0]["results"]) == 4
    junit = ET.parse(tmp_path / "reports" / "out.xml").getroot()
    assert (junit.get("failures"), junit.get("skipped")) == ("3", "1")


@pytest.mark.parametrize("name", ["github", "markdown", "json"])
def test_each_format_can_go_to_stdout(governance_repo: Path, name: str) -> None:
    result = check(governance_repo, "--format", name)
    assert result.exit_code == 1
    assert "cvendor" in result.stdout


def test_two_formats_on_stdout_is_a_usage_error(
    governance_repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = check(governance_repo, "--format", "sarif", "--format", "junit")
    assert result.exit_code == 2
    assert "only one format can go to stdout" in result.stderr
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_unknown_format_is_a_usage_error(governance_repo: Path) -> None:
    result = check(governance_repo, "--format", "pdf=out.pdf")
    assert result.exit_code == 2
    assert "unknown format 'pdf'" in result.stderr


@pytest.mark.parametrize(
    ("fail_on", "exit_code"),
    [("info", 1), ("low", 1), ("high", 1), ("critical", 0), ("never", 0)],
)
def test_exit_code_follows_fail_on(governance_repo: Path, fail_on: str, exit_code: int) -> None:
    # high, medium and low fail; nothing critical does
    result = check(governance_repo, "--fail-on", fail_on, "--format", "json")
    assert result.exit_code == exit_code
    assert len(json.loads(result.stdout)["findings"]) == 4


def test_waived_failures_never_fail(tmp_path: Path) -> None:
    repo = build_repository(tmp_path / "repo", rules=WAIVED_ONLY)
    result = check(repo, "--fail-on", "info", "--format", "json")
    assert result.exit_code == 0
    findings = json.loads(result.stdout)["findings"]
    assert [(f["rule"], f["status"]) for f in findings] == [("MON-01-drift-thresholds", "waived")]
    assert "0 failing, 1 waived" in result.stderr
