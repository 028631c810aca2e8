"""`trend` on a history spread over four months: one point per month end, each at the
commit that was current then, with counts that move as the commits made them."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from support.cli import Invoke
from support.git import BOB, Script
from support.repos import development_model

M2 = development_model("m2", "Churn model")


@pytest.fixture
def months(tmp_path: Path, git_env: None) -> tuple[Path, dict[str, str]]:
    """January: m1 in production, m2 in development without operations (runbook-required
    fails for it, high). February: an unrelated change. March: m3 goes into production
    (early in the month), then another change late in the month. April: m2 gets its
    operations (the failure is fixed). May: one more commit, after the last period."""
    script = Script.minimal(tmp_path / "repo")
    script.write("inventory/models/m2.yaml", M2)
    commits = {"jan": script.commit("Minimal repository and m2", "2026-01-10T09:00:00+00:00")}
    script.edit("inventory/people/asmith.yaml", "last: 2026-10-02", "last: 2026-10-03")
    commits["feb"] = script.commit("Access review", "2026-02-12T09:00:00+00:00", BOB)
    m3 = script.read("inventory/models/m1.yaml").replace("id: m1", "id: m3")
    script.write("inventory/models/m3.yaml", m3.replace("name: Example model", "name: Third"))
    commits["mar-early"] = script.commit("m3 in production", "2026-03-05T09:00:00+00:00")
    script.edit("inventory/people/asmith.yaml", "last: 2026-10-03", "last: 2026-10-04")
    commits["mar-late"] = script.commit("Access review", "2026-03-25T17:00:00+00:00", BOB)
    script.write(
        "inventory/models/m2.yaml",
        M2 + "operations:\n  runbook: runbooks/m1.md\n  oncall: ml-oncall\n",
    )
    commits["apr"] = script.commit("m2: runbook and on-call", "2026-04-08T09:00:00+00:00")
    script.edit("inventory/people/asmith.yaml", "last: 2026-10-04", "last: 2026-10-05")
    commits["may"] = script.commit("Access review", "2026-05-02T09:00:00+00:00", BOB)
    return script.root, commits


def _trend(run_cli: Invoke, root: Path, *args: str) -> list[dict[str, Any]]:
    result = run_cli("--repo", root, "trend", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert document["version"] == 1
    points = document["points"]
    assert isinstance(points, list)
    return points


def _failing(high: int) -> dict[str, int]:
    return {"critical": 0, "high": high, "medium": 0, "low": 0, "info": 0}


def test_one_point_per_month_end(run_cli: Invoke, months: tuple[Path, dict[str, str]]) -> None:
    root, commits = months
    points = _trend(
        run_cli, root, "--since", "2026-01-31", "--until", "2026-04-30", "--every", "P1M"
    )
    assert points == [
        {
            "end": "2026-01-31",
            "commit": commits["jan"],
            "share_passing": 0.0,
            "failing": _failing(1),
            "waived": 0,
            "production_models": 1,
            "invalid": 0,
        },
        {
            "end": "2026-02-28",
            "commit": commits["feb"],
            "share_passing": 0.0,
            "failing": _failing(1),
            "waived": 0,
            "production_models": 1,
            "invalid": 0,
        },
        {
            "end": "2026-03-31",
            "commit": commits["mar-late"],
            "share_passing": 0.0,
            "failing": _failing(1),
            "waived": 0,
            "production_models": 2,
            "invalid": 0,
        },
        {
            "end": "2026-04-30",
            "commit": commits["apr"],
            "share_passing": 1.0,
            "failing": _failing(0),
            "waived": 0,
            "production_models": 2,
            "invalid": 0,
        },
    ]


def test_periods_before_the_first_commit_are_left_out(
    run_cli: Invoke, months: tuple[Path, dict[str, str]]
) -> None:
    root, commits = months
    points = _trend(run_cli, root, "--since", "2025-11-30", "--until", "2026-02-15")
    assert [(p["end"], p["commit"]) for p in points] == [
        ("2026-01-30", commits["jan"]),
        ("2026-02-15", commits["feb"]),  # --until ends the last, shorter period
    ]


def test_text_format(run_cli: Invoke, months: tuple[Path, dict[str, str]]) -> None:
    root, commits = months
    result = run_cli("--repo", root, "trend", "--since", "2026-03-31", "--until", "2026-04-30")
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines() == [
        "period end  commit       controls  crit  high   med   low  info waived  prod",
        f"2026-03-31  {commits['mar-late'][:12]}       0%     0     1     0     0     0      0     2",
        f"2026-04-30  {commits['apr'][:12]}     100%     0     0     0     0     0      0     2",
    ]


def test_a_bad_period_is_a_usage_error(
    run_cli: Invoke, months: tuple[Path, dict[str, str]]
) -> None:
    root, _ = months
    result = run_cli("--repo", root, "trend", "--since", "2026-01-31", "--every", "monthly")
    assert result.exit_code == 2
    assert "Invalid value for --every:" in result.stderr
    assert "is not an ISO 8601 duration (e.g. P30D)" in result.stderr


def test_month_ends_of_a_century_year(run_cli: Invoke, months: tuple[Path, dict[str, str]]) -> None:
    root, commits = months
    points = _trend(run_cli, root, "--since", "2100-01-31", "--until", "2100-03-31")
    assert [(p["end"], p["commit"]) for p in points] == [
        ("2100-01-31", commits["may"]),
        ("2100-02-28", commits["may"]),
        ("2100-03-31", commits["may"]),
    ]


def test_a_commit_that_does_not_validate_is_shown_not_evaluated(
    run_cli: Invoke, months: tuple[Path, dict[str, str]]
) -> None:
    """A past commit with a broken file does not stop the trend: its point says so."""
    root, commits = months
    repo = Script(root)
    repo.edit("inventory/models/m2.yaml", "lifecycle: development", "lifecycle: nonsense")
    broken = repo.commit("A typo", "2026-06-10T09:00:00+00:00")
    points = _trend(run_cli, root, "--since", "2026-05-31", "--until", "2026-06-30")
    assert [(p["end"], p["commit"], p["invalid"]) for p in points] == [
        ("2026-05-31", commits["may"], 0),
        ("2026-06-30", broken, 1),
    ]
    text = run_cli("--repo", root, "trend", "--since", "2026-06-30", "--until", "2026-06-30")
    assert "not evaluated: 1 validation problem(s) at this commit" in text.stdout
