"""`trend --every`: parsed with the arguments, before any repository or git work, so that
a bad period is reported as one and nothing else is."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from support.cli import Invoke
from support.git import git

from compliance_tool.audit.trend import Period, compute_trend, parse_period, period_ends
from compliance_tool.errors import GitError


@pytest.mark.parametrize(
    ("text", "period"),
    [
        ("P1M", Period("P1M", months=1)),
        ("p3m", Period("p3m", months=3)),
        ("P7D", Period("P7D", days=7)),
        ("P2W", Period("P2W", days=14)),
        ("P1Y", Period("P1Y", days=365)),
        ("P1DT0H", Period("P1DT0H", days=1)),
    ],
)
def test_periods(text: str, period: Period) -> None:
    assert parse_period(text) == period


@pytest.mark.parametrize("text", ["P1X", "monthly", "P", "P0D", "P0M", "PT1H", "P1DT12H"])
def test_bad_periods(text: str) -> None:
    # P0D and PT1H never reached the next period end: the trend ran forever
    with pytest.raises(ValueError, match=f"'{text}' is not "):
        parse_period(text)


def test_month_ends_keep_the_day_where_the_month_has_it() -> None:
    ends = period_ends(dt.date(2026, 1, 31), dt.date(2026, 5, 15), parse_period("P1M"))
    assert ends == [
        dt.date(2026, 1, 31),
        dt.date(2026, 2, 28),
        dt.date(2026, 3, 31),
        dt.date(2026, 4, 30),
        dt.date(2026, 5, 15),
    ]
    weekly = period_ends(dt.date(2026, 1, 1), dt.date(2026, 1, 20), parse_period("P7D"))
    assert weekly == [dt.date(2026, 1, d) for d in (1, 8, 15, 20)]


@pytest.mark.parametrize("text", ["P1X", "P0D", "PT1H"])
def test_a_bad_every_is_a_usage_error_before_any_work(
    tmp_path: Path, run_cli: Invoke, text: str
) -> None:
    # no governance repository and no git here: reading either would fail differently
    nowhere = tmp_path / "nowhere"
    result = run_cli("--repo", nowhere, "trend", "--since", "2026-01-01", "--every", text)
    assert result.exit_code == 2
    assert f"Invalid value for --every: '{text}' is not " in result.stderr
    assert "governance repository" not in result.stderr
    assert "Traceback" not in result.stderr


def test_a_value_error_inside_the_trend_is_not_a_bad_every(gitrepo: Path, run_cli: Invoke) -> None:
    # the object database lacks a file of the commit: GitPython says so with a ValueError,
    # which the trend once reported as "Invalid value for '--every'"
    sha = git(gitrepo, "rev-parse", "HEAD:inventory/models/m1.yaml").strip()
    (gitrepo / ".git" / "objects" / sha[:2] / sha[2:]).unlink()
    result = run_cli(
        "--repo", gitrepo, "trend", "--since", dt.datetime.now(dt.UTC).date().isoformat()
    )
    assert result.exit_code == 2
    assert "--every" not in result.stderr
    assert result.stderr.startswith(f"error: git object {sha} of commit ")
    assert "Traceback" not in result.stderr


def test_a_repository_without_commits_is_a_git_error(minirepo: Path, git_env: None) -> None:
    git(minirepo, "init", "-q")
    with pytest.raises(GitError, match="git failed while listing the commits of HEAD"):
        compute_trend(minirepo, dt.date(2026, 1, 1), dt.date(2026, 2, 1), parse_period("P1M"))
