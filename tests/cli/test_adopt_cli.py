"""init and upgrade on real folders and git repositories, and whose schemas and policies
validate and check read: the repository's where it has them, the packaged otherwise."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from support.cli import invoke
from support.git import commit_all, git
from support.repos import MINI_ORIGINS, write_minirepo

from compliance_tool import __version__
from compliance_tool.repository import resources

PACKAGED = f"packaged (compliance-tool {__version__})"


def _tree(root: Path) -> dict[str, bytes]:
    return {
        p.relative_to(root).as_posix(): p.read_bytes()
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }


@pytest.fixture
def made(tmp_path: Path, git_env: None) -> Path:
    """A repository made by ``init`` (no example)."""
    root = tmp_path / "governance"
    result = invoke("init", root)
    assert result.exit_code == 0, result.stderr
    return root


def test_right_after_init_validate_passes_and_check_says_there_are_no_models(made: Path) -> None:
    assert (made / ".git").is_dir()
    for name in ("compliance-tool.yaml", ".gitignore", "inventory/models/.gitkeep"):
        assert (made / name).is_file(), name
    validated = invoke("--repo", made, "validate")
    assert validated.exit_code == 0, validated.stderr
    assert "schemas: this repository; policies: this repository\n" in validated.stderr
    checked = invoke("--repo", made, "check")
    assert checked.exit_code == 0, checked.stderr
    assert "0 failing, 0 waived, 0 passing results of" in checked.stderr
    assert "no models yet" in checked.stderr


def test_init_copies_every_template_of_the_package(made: Path) -> None:
    written = _tree(made)
    for path, data in resources.init_templates().items():
        assert written[path] == data, path


def test_init_in_a_folder_inside_a_git_repository_makes_no_second_repository(
    tmp_path: Path, git_env: None
) -> None:
    git(tmp_path, "init", "-q")
    result = invoke("init", tmp_path / "governance")
    assert result.exit_code == 0, result.stderr
    assert not (tmp_path / "governance" / ".git").exists()
    assert "initialised a git repository" not in result.stderr


def test_init_twice_names_every_conflicting_file_and_changes_nothing(made: Path) -> None:
    before = _tree(made)
    again = invoke("init", made)
    assert again.exit_code == 2
    assert f"file(s) already exist in {made}: nothing was written" in again.stderr
    assert "  compliance-tool.yaml\n" in again.stderr
    assert "  policies/rules/MON-01-drift-thresholds.yaml\n" in again.stderr
    assert _tree(made) == before


def test_init_into_a_file_is_refused(tmp_path: Path) -> None:
    target = tmp_path / "notes.txt"
    target.write_text("mine\n", "utf-8")
    result = invoke("init", target)
    assert result.exit_code == 2
    assert f"error: {target} is a file, not a folder" in result.stderr
    assert target.read_text("utf-8") == "mine\n"


def test_init_without_write_permission_is_refused_and_leaves_nothing(tmp_path: Path) -> None:
    if os.geteuid() == 0:  # root writes anywhere but where the kernel itself refuses
        target, parent = Path("/sys/compliance-tool-governance"), None
    else:
        parent = tmp_path / "locked"
        parent.mkdir(mode=0o555)
        target = parent / "governance"
    try:
        result = invoke("init", target)
    finally:
        if parent is not None:
            parent.chmod(0o755)
    assert result.exit_code == 2
    assert "no permission to write in" in result.stderr or "cannot write" in result.stderr
    assert not target.exists()


def test_upgrade_right_after_init_has_nothing_to_do(made: Path) -> None:
    result = invoke("--repo", made, "upgrade")
    assert result.exit_code == 0, result.stderr
    count = len(resources.starter_paths())
    assert f"0 starter file(s) updated, {count} already current, 0 edited here" in result.stderr


def test_upgrade_lists_an_edited_file_with_its_diff_and_never_overwrites_it(made: Path) -> None:
    rule = made / "policies/rules/MON-01-drift-thresholds.yaml"
    rule.write_bytes(rule.read_bytes().replace(b"severity: high", b"severity: critical"))
    mine = rule.read_bytes()
    for dry in (["--dry-run"], []):
        result = invoke("--repo", made, "upgrade", *dry)
        assert result.exit_code == 1, result.stderr
        assert "edited here, not changed: policies/rules/MON-01-drift-thresholds.yaml" in (
            result.stderr
        )
        assert "-severity: critical\n+severity: high\n" in result.stdout
        assert "--- a/policies/rules/MON-01-drift-thresholds.yaml (this repository)" in (
            result.stdout
        )
        assert rule.read_bytes() == mine


def test_upgrade_in_a_repository_init_did_not_make_says_how_to_adopt(tmp_path: Path) -> None:
    root = write_minirepo(tmp_path / "repo")
    result = invoke("--repo", root, "upgrade")
    assert result.exit_code == 2
    assert "records no starter release" in result.stderr
    assert "starter_version" in result.stderr


def test_upgrade_outside_any_governance_repository_is_a_clear_error(tmp_path: Path) -> None:
    result = invoke("--repo", tmp_path, "upgrade")
    assert result.exit_code == 2
    assert "no governance repository" in result.stderr


def test_a_repository_schema_replaces_the_packaged_one_of_its_kind(tmp_path: Path) -> None:
    root = write_minirepo(tmp_path / "repo")
    schema = json.loads(resources.schema_bytes("model.schema.json"))
    schema["properties"]["cost_centre"] = {"type": "string", "description": "Cost centre."}
    schema["required"].append("cost_centre")
    (root / "schemas").mkdir()
    (root / "schemas/model.schema.json").write_text(json.dumps(schema), "utf-8")
    result = invoke("--repo", root, "validate")
    assert result.exit_code == 1
    assert "missing required field 'cost_centre'" in result.stdout
    assert f"schemas: this repository for Model, {PACKAGED} for the others;" in result.stderr


def test_a_repository_schema_that_refers_outside_itself_is_refused(tmp_path: Path) -> None:
    root = write_minirepo(tmp_path / "repo")
    (root / "schemas").mkdir()
    remote = {"$ref": "https://example.com/model.json"}
    (root / "schemas/model.schema.json").write_text(json.dumps(remote), "utf-8")
    result = invoke("--repo", root, "validate")
    assert result.exit_code == 2
    assert "schemas/model.schema.json refers to https://example.com/model.json" in result.stderr


def test_without_policies_of_its_own_a_repository_is_checked_by_the_packaged_catalogue(
    made: Path,
) -> None:
    shutil.rmtree(made / "policies")
    validated = invoke("--repo", made, "validate")
    assert validated.exit_code == 0, validated.stdout + validated.stderr
    assert f"policies: {PACKAGED}\n" in validated.stderr
    checked = invoke("--repo", made, "check")
    rules = len([p for p in resources.packaged_policies() if p.startswith("policies/rules/")])
    assert f"results of {rules} rules" in checked.stderr


def test_the_minimal_repository_is_read_with_the_packaged_schemas(tmp_path: Path) -> None:
    root = write_minirepo(tmp_path / "repo")
    assert invoke("--repo", root, "validate").stderr.endswith(MINI_ORIGINS)


def test_a_committed_init_validates_at_its_commit(made: Path) -> None:
    commit = commit_all(made, "Governance repository")
    result = invoke("--repo", made, "validate", "--ref", commit)
    assert result.exit_code == 0, result.stderr
    assert "schemas: this repository; policies: this repository" in result.stderr


def test_codeowners_right_after_init_asks_for_the_people_of_the_governance_team(
    made: Path,
) -> None:
    """The teams init makes own the starter controls but name nobody yet: CODEOWNERS
    says so at the team's file instead of naming a person 'None'."""
    result = invoke("--repo", made, "codeowners", "--check")
    assert result.exit_code == 1, result.stderr
    assert (
        "inventory/teams/model-governance.yaml:2:1: Team: team model-governance has no "
        "GitHub handle, lead or members" in result.stderr
    )
    assert "None" not in result.stderr
