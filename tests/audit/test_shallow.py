"""A shallow clone (``git clone --depth N``, what CI checks out by default) says where its
history is cut: `history` marks the boundary instead of calling it the record's addition
and says so on stderr, `trend` says which date the history starts at, `diff` against a
base older than the clone names ``git fetch --unshallow``, and the report's history
section says the history is cut. A full clone's output is unchanged."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from support.cli import Invoke
from support.git import BOB, Script, git

from compliance_tool.audit.history import report_history
from compliance_tool.audit.shallow import shallow_boundary
from compliance_tool.repository.config import load_config
from compliance_tool.repository.sources import open_repo


@pytest.fixture
def origin(tmp_path: Path, git_env: None) -> dict[str, str]:
    """Three commits: the minimal repository (2026-01-10), m1 1.3.0 (2026-02-10), m1 high
    risk (2026-03-10). Returns the commits by name, and the repository as "root"."""
    script = Script.minimal(tmp_path / "origin")
    commits = {"added": script.commit("Minimal repository", "2026-01-10T09:00:00+00:00")}
    script.edit("inventory/models/m1.yaml", "version: 1.2.0", "version: 1.3.0")
    commits["version"] = script.commit("m1 1.3.0", "2026-02-10T09:00:00+00:00", BOB)
    script.edit("inventory/models/m1.yaml", "tier: medium", "tier: high")
    commits["tier"] = script.commit("m1 is high risk", "2026-03-10T09:00:00+00:00")
    return {**commits, "root": str(script.root)}


def clone(origin: dict[str, str], target: Path, depth: int | None) -> Path:
    """A real clone of the origin over file:// (a local path would ignore --depth)."""
    args = ["clone", "-q"] + ([f"--depth={depth}"] if depth else [])
    git(target.parent, *args, f"file://{origin['root']}", target.name)
    return target


def _history(run_cli: Invoke, root: Path) -> tuple[dict[str, Any], str]:
    result = run_cli("--repo", root, "history", "models/m1", "--format", "json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout), result.stderr


def test_history_in_a_depth_1_clone_marks_the_boundary_not_an_addition(
    run_cli: Invoke, origin: dict[str, str], tmp_path: Path
) -> None:
    root = clone(origin, tmp_path / "ci", depth=1)
    document, stderr = _history(run_cli, root)
    assert document["shallow"] is True
    assert [(r["commit"], r["change"]) for r in document["revisions"]] == [
        (origin["tier"], "boundary")
    ]
    assert stderr == (
        f"note: this is a shallow clone: its history starts at commit {origin['tier'][:12]} "
        "of 2026-03-10; earlier commits of models/m1 are not available "
        "('git fetch --unshallow' fetches them)\n"
    )
    text = run_cli("--repo", root, "history", "models/m1").stdout
    assert (
        "    inventory/models/m1.yaml at the shallow boundary (earlier history not fetched)\n"
        in (text)
    )
    assert "added" not in text


def test_history_in_a_deeper_shallow_clone_keeps_the_changes_it_holds(
    run_cli: Invoke, origin: dict[str, str], tmp_path: Path
) -> None:
    root = clone(origin, tmp_path / "ci", depth=2)
    document, _ = _history(run_cli, root)
    assert [(r["commit"], r["change"]) for r in document["revisions"]] == [
        (origin["tier"], "modified"),
        (origin["version"], "boundary"),
    ]
    assert document["revisions"][0]["fields"] == [
        {"path": "risk.tier", "old": "medium", "new": "high"}
    ]


def test_history_since_after_the_boundary_needs_no_note(
    run_cli: Invoke, origin: dict[str, str], tmp_path: Path
) -> None:
    root = clone(origin, tmp_path / "ci", depth=2)
    result = run_cli("--repo", root, "history", "models/m1", "--since", "2026-03-01")
    assert result.exit_code == 0, result.output
    assert result.stderr == ""


def test_history_in_a_full_clone_is_unchanged(
    run_cli: Invoke, origin: dict[str, str], tmp_path: Path
) -> None:
    root = clone(origin, tmp_path / "full", depth=None)
    document, stderr = _history(run_cli, root)
    assert "shallow" not in document
    assert [r["change"] for r in document["revisions"]] == ["modified", "modified", "added"]
    assert stderr == ""
    assert shallow_boundary(open_repo(root)) is None


def test_trend_says_which_date_the_history_starts_at(
    run_cli: Invoke, origin: dict[str, str], tmp_path: Path
) -> None:
    root = clone(origin, tmp_path / "ci", depth=1)
    args = ("--repo", root, "trend", "--since", "2020-01-01", "--until", "2026-03-31")
    result = run_cli(*args, "--format", "json")
    assert result.exit_code == 0, result.output
    assert [p["commit"] for p in json.loads(result.stdout)["points"]] == [origin["tier"]]
    assert result.stderr == (
        f"note: this is a shallow clone: its history starts at commit {origin['tier'][:12]} "
        "of 2026-03-10; period ends before 2026-03-10 have no point "
        "('git fetch --unshallow' fetches the earlier history)\n"
    )
    # from the boundary on, nothing is missing: no note
    later = run_cli("--repo", root, "trend", "--since", "2026-03-10", "--until", "2026-03-31")
    assert later.exit_code == 0, later.output
    assert later.stderr == ""


def test_diff_against_a_base_the_clone_does_not_hold_names_unshallow(
    run_cli: Invoke, origin: dict[str, str], tmp_path: Path
) -> None:
    root = clone(origin, tmp_path / "ci", depth=1)
    for base in ("HEAD~1", origin["added"]):
        result = run_cli("--repo", root, "diff", base, "HEAD")
        assert result.exit_code == 2, result.output
        assert result.stderr == (
            f"error: revision '{base}' is not available: this is a shallow clone: its history "
            f"starts at commit {origin['tier'][:12]} of 2026-03-10, and older commits were not "
            "fetched (run 'git fetch --unshallow'; in CI, check out the full history, e.g. "
            "with fetch-depth: 0)\n"
        )
    # a base the clone holds works as before
    assert run_cli("--repo", root, "diff", "HEAD", "HEAD", "--no-rules").exit_code == 0


def test_diff_against_an_unknown_base_of_a_full_clone_is_unchanged(
    run_cli: Invoke, origin: dict[str, str], tmp_path: Path
) -> None:
    root = clone(origin, tmp_path / "full", depth=None)
    result = run_cli("--repo", root, "diff", "HEAD~9", "HEAD")
    assert result.exit_code == 2
    assert "unknown revision 'HEAD~9'" in result.stderr
    assert "unshallow" not in result.stderr


def test_the_report_history_says_it_is_cut(origin: dict[str, str], tmp_path: Path) -> None:
    shallow = clone(origin, tmp_path / "ci", depth=1)
    full = clone(origin, tmp_path / "full", depth=None)
    as_of = dt.date(2026, 3, 31)

    def history(root: Path) -> dict[str, Any]:
        return report_history(root, origin["tier"], as_of, load_config(root), tmp_path / "r")

    assert history(full)["shallow"] is None
    assert history(shallow)["shallow"] == (
        "The history is cut at the shallow boundary: the report was made in a shallow clone "
        f"whose history starts at commit {origin['tier'][:12]} of 2026-03-10, so earlier "
        "commits and trend points are missing (make the report from a full clone, e.g. after "
        "'git fetch --unshallow')."
    )
