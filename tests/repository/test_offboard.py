"""``offboard`` and ``onboard`` on a copy of the sample in git: the dry run writes nothing,
``--apply`` edits only the files that name the person and keeps their comments, decisions
are TODOs that ``validate`` reports, and what cannot be decided is told."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import Result
from support.cli import invoke
from support.git import commit_all, git
from support.repos import AS_OF, copy_sample, edit

import compliance_tool.checks.pipeline


@pytest.fixture
def sample(tmp_path: Path, git_env: None, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A committed copy of the sample, on the sample's evaluation date."""
    root = copy_sample(tmp_path / "repo")
    git(root, "init", "-q")
    commit_all(root, "sample")
    monkeypatch.setattr(compliance_tool.checks.pipeline, "today", lambda: AS_OF)
    return root


def _snapshot(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.parts
    }


def _status(root: Path) -> list[str]:
    return sorted(line[3:] for line in git(root, "status", "--porcelain").splitlines())


def _comments(text: str) -> list[str]:
    """Every comment of a file (the part of each line from '#')."""
    return [line[line.index("#") :].strip() for line in text.splitlines() if "#" in line]


def _placeholders(root: Path) -> list[tuple[str, str]]:
    """Where ``validate`` reports a TODO (path, field), after checking that it reports
    nothing else: a TODO in a field that names a person is also an unknown person, and
    one in a date field is also not a date."""
    result = invoke("--repo", root, "validate", "--no-cache", "--format", "json")
    problems = json.loads(result.stdout)["problems"]
    todos = sorted((p["path"], p["field"]) for p in problems if p["code"] == "placeholder")
    others = [p for p in problems if p["code"] != "placeholder"]
    assert all("'TODO'" in p["message"] for p in others), others
    assert {(p["path"], p["field"]) for p in others} <= set(todos)
    assert result.exit_code == (1 if problems else 0)
    return todos


MVOSS_FILES = [
    "inventory/people/mvoss.yaml",
    "inventory/rotations/ml-sre-payments.yaml",
    "inventory/teams/ml-sre.yaml",
]
RPATEL_FILES = [
    "inventory/models/aml-transaction-monitoring.yaml",
    "inventory/models/fraud-scoring.yaml",
    "inventory/models/merchant-embeddings.yaml",
    "inventory/people/rpatel.yaml",
    "inventory/rotations/ml-sre-payments.yaml",
    "inventory/teams/ml-sre.yaml",
]


def test_a_dry_run_writes_nothing_and_prints_a_diff(sample: Path) -> None:
    before = _snapshot(sample)
    result = invoke("--repo", sample, "offboard", "mvoss", "--on", "2026-10-31")
    assert result.exit_code == 0, result.output
    assert _snapshot(sample) == before
    assert "--- a/inventory/rotations/ml-sre-payments.yaml" in result.stdout
    assert "-  - mvoss\n" in result.stdout
    assert "+status: left\n" in result.stdout
    assert "inventory/rotations/ml-sre-payments.yaml:11: members: remove mvoss" in result.stdout
    assert "dry run: nothing written" in result.stderr


def _apply(root: Path, person: str, on: str, files: list[str], exit_code: int) -> Result:
    """``offboard PERSON --on ON --apply``, checked to edit exactly ``files`` and to keep
    every comment of each."""
    before = {p: (root / p).read_text(encoding="utf-8") for p in files}
    result = invoke("--repo", root, "offboard", person, "--on", on, "--apply")
    assert result.exit_code == exit_code, result.output
    assert _status(root) == files
    for path, text in before.items():
        assert _comments((root / path).read_text(encoding="utf-8")) == _comments(text)
    return result


def test_apply_edits_only_the_files_that_name_the_person(sample: Path) -> None:
    _apply(sample, "mvoss", "2026-10-31", MVOSS_FILES, exit_code=0)
    assert "mvoss" not in (sample / "inventory/rotations/ml-sre-payments.yaml").read_text()
    person = (sample / "inventory/people/mvoss.yaml").read_text(encoding="utf-8")
    assert "status: left\naffiliation:" in person
    assert _placeholders(sample) == []


def test_a_sole_deputy_leaves_todo_decisions_that_validate_reports(sample: Path) -> None:
    result = _apply(sample, "rpatel", "2026-12-31", RPATEL_FILES, exit_code=1)
    merchant = (sample / "inventory/models/merchant-embeddings.yaml").read_text()
    assert "    deputies: [TODO]\n" in merchant
    fraud = (sample / "inventory/models/fraud-scoring.yaml").read_text()
    assert "    deputies: [asmith]\n" in fraud
    assert "contract_end: 2026-12-31" in (sample / "inventory/people/rpatel.yaml").read_text()
    assert "only rollback deputy" in result.stdout
    assert _placeholders(sample) == [
        (f"inventory/models/{model}.yaml", "ownership.rollback_authority.deputies[0]")
        for model in ("aml-transaction-monitoring", "merchant-embeddings")
    ]


def test_a_team_lead_gets_a_todo_and_a_valid_waiver_is_explained(sample: Path) -> None:
    result = invoke("--repo", sample, "offboard", "okarimi", "--on", "2026-11-30", "--apply")
    assert result.exit_code == 1, result.output
    team = (sample / "inventory/teams/model-risk.yaml").read_text(encoding="utf-8")
    assert "lead: TODO  # was okarimi, left 2026-11-30: choose the new team lead\n" in team
    assert "approved_by: okarimi is the approver of waiver W-2026-014" in result.stdout
    waiver = sample / "inventory/waivers/W-2026-014.yaml"
    assert "approved_by: okarimi" in waiver.read_text(encoding="utf-8")
    assert "inventory/waivers/W-2026-014.yaml" not in _status(sample)
    assert _placeholders(sample) == [("inventory/teams/model-risk.yaml", "lead")]


def test_uncommitted_changes_refuse_without_force(sample: Path) -> None:
    edit(sample / "inventory/teams/ml-sre.yaml", "  - ogrant\n", "  - ogrant\n# to review\n")
    before = _snapshot(sample)
    args = ("--repo", sample, "offboard", "mvoss", "--on", "2026-10-31", "--apply")
    refused = invoke(*args)
    assert refused.exit_code == 2
    assert "inventory/teams/ml-sre.yaml" in refused.stderr
    assert _snapshot(sample) == before
    forced = invoke(*args, "--force")
    assert forced.exit_code == 0, forced.output
    assert "# to review" in (sample / "inventory/teams/ml-sre.yaml").read_text()
    assert _status(sample) == MVOSS_FILES


def test_an_unknown_person_or_date_is_bad_input(sample: Path) -> None:
    unknown = invoke("--repo", sample, "offboard", "mvos", "--on", "2026-10-31")
    assert unknown.exit_code == 2
    assert "did you mean mvoss" in unknown.stderr
    bad_date = invoke("--repo", sample, "offboard", "mvoss", "--on", "2026-13-01")
    assert bad_date.exit_code == 2
    assert "'--on'" in bad_date.stderr


def test_onboard_scaffolds_a_person_and_lists_the_rotations(sample: Path) -> None:
    result = invoke(
        "--repo", sample, "onboard", "jdoe", "--role", "ml-sre",
        "--organisation", "Lattice MLOps Ltd", "--contract-end", "2027-06-30", "--team", "ml-sre",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    for rotation in ("ml-sre-credit", "ml-sre-payments", "ml-sre-platform", "ml-sre-retail"):
        assert f"  {rotation}\n" in result.stdout
    # what the role's record requires
    assert "the role ml-sre requires:\n  training: ai_literacy\n  an access review" in (
        result.stdout
    )
    text = (sample / "inventory/people/jdoe.yaml").read_text(encoding="utf-8")
    assert "roles:\n  - ml-sre\n" in text
    assert "type: external" in text
    assert _placeholders(sample) == [
        ("inventory/people/jdoe.yaml", field)
        for field in sorted(
            ["name", "accounts.github", "accounts.gitlab", "access_review.last",
             "training.ai_literacy"]
        )
    ]  # fmt: skip
    again = invoke("--repo", sample, "onboard", "jdoe", "--role", "ml-sre")
    assert again.exit_code == 2
    assert "already exists" in again.stderr


def test_onboard_refuses_a_role_the_repository_does_not_define(sample: Path) -> None:
    result = invoke("--repo", sample, "onboard", "newbie", "--role", "security-engineer")
    assert result.exit_code == 2
    assert "no role 'security-engineer' in inventory/roles/" in result.stderr
    assert not (sample / "inventory/people/newbie.yaml").exists()


def test_onboard_without_role_records_warns_about_a_role_no_one_holds(sample: Path) -> None:
    shutil.rmtree(sample / "inventory/roles")
    result = invoke("--repo", sample, "onboard", "newbie", "--role", "security-engineer")
    assert result.exit_code == 0, result.output
    assert "no one in the inventory holds the role 'security-engineer'" in result.stderr


def test_the_only_member_of_a_rotation_is_a_decision(sample: Path) -> None:
    rotation = sample / "inventory/rotations/ml-sre-payments.yaml"
    edit(rotation, "  - tbauer\n  - rpatel\n  - mvoss\n", "  - mvoss\n")
    result = invoke("--repo", sample, "offboard", "mvoss", "--on", "2026-10-31")
    assert result.exit_code == 1, result.output
    assert "+  - TODO  # was mvoss, left 2026-10-31: choose the new rotation member\n" in (
        result.stdout
    )
    assert "mvoss is the only rotation member" in result.stdout


def test_an_escalation_step_to_the_person_is_removed(sample: Path) -> None:
    result = invoke("--repo", sample, "offboard", "asmith", "--on", "2026-11-20")
    assert "ml-sre-payments.yaml:15: escalation: remove level 2 (asmith)" in result.stdout
    assert "-    to: asmith\n" in result.stdout
