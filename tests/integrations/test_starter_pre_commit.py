"""The pre-commit configuration that ``compliance-tool init`` writes, with the real
framework: installed as the git hook of a scratch governance repository, a commit with a
broken reference is refused with the file and line, and a correct commit goes through.

Its hooks are ``repo: local`` with ``language: system``: they run the compliance-tool that
is installed (here: this checkout's, first on PATH), so nothing is installed per test.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest
from support.git import git
from support.precommit import (
    TEMPLATES,
    TOOLS,
    governance_repo,
    hook_env,
    pre_commit,
    stage,
    with_accounts,
)

from compliance_tool.cli import cli

M1 = "inventory/models/m1.yaml"
CVENDOR = "inventory/people/cvendor.yaml"


@pytest.fixture
def repo(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    """A governance repository with the starter configuration committed and the hooks
    installed in git, and the environment its commits run in."""
    home = tmp_path / "home"
    root = governance_repo(tmp_path / "governance", home)
    env = hook_env(home, tmp_path / "pre-commit-home")
    config = (TEMPLATES / ".pre-commit-config.yaml").read_text("utf-8")
    if "codeowners" in cli.commands:
        # handles and a CODEOWNERS, then the codeowners hook turned on as its comment says
        with_accounts(root, env)
        # (the export hooks stay off: the scratch repository has no generated files)
        codeowners = "        stages: [manual]\n      # The alerting files"
        assert config.count("        stages: [manual]\n") == 3 and config.count(codeowners) == 1
        config = config.replace(codeowners, "      # The alerting files")
    (root / ".pre-commit-config.yaml").write_text(config, encoding="utf-8")
    git(root, "add", ".pre-commit-config.yaml", env=env)
    git(root, "commit", "-q", "--no-gpg-sign", "-m", "pre-commit", env=env)
    installed = pre_commit(root, env, "install")
    assert installed.returncode == 0, installed.stdout
    return root, env


def _commit(root: Path, env: dict[str, str], message: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["git", "commit", "--no-gpg-sign", "-m", message],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
        timeout=300,
    )


def _head(root: Path, env: dict[str, str]) -> str:
    return git(root, "rev-parse", "HEAD", env=env).strip()


def test_a_broken_reference_blocks_the_commit(repo: tuple[Path, dict[str, str]]) -> None:
    root, env = repo
    before = _head(root, env)
    stage(root, M1, "  operator: bkumar\n", "  operator: bkumra\n", env)
    result = _commit(root, env, "m1: new operator")
    assert result.returncode != 0, result.stdout
    assert _head(root, env) == before
    assert "compliance-tool validate" in result.stdout
    assert (
        "inventory/models/m1.yaml:11:13: Model.ownership.operator: unknown person 'bkumra' "
        "(did you mean 'bkumar'?" in result.stdout
    ), result.stdout


def test_a_correct_change_is_committed(repo: tuple[Path, dict[str, str]]) -> None:
    root, env = repo
    before = _head(root, env)
    stage(root, M1, "name: Example model\n", "name: Example scoring model\n", env)
    result = _commit(root, env, "m1: clearer name")
    assert result.returncode == 0, result.stdout
    assert _head(root, env) != before
    assert "compliance-tool validate" in result.stdout and "Passed" in result.stdout
    assert "compliance-tool check" in result.stdout


def test_a_record_that_fails_a_rule_blocks_the_commit(repo: tuple[Path, dict[str, str]]) -> None:
    root, env = repo
    stage(root, CVENDOR, "name: Chris Vendor\n", "name: Chris Vendor-Smith\n", env)
    result = _commit(root, env, "cvendor: name")
    assert result.returncode != 0, result.stdout
    assert "inventory/people/cvendor.yaml\n" in result.stdout
    assert "high  EXT-01-contract-current  Person cvendor" in result.stdout
    assert "ml-oncall" not in result.stdout  # not about this commit


def test_every_file_as_ci_checks_them(repo: tuple[Path, dict[str, str]]) -> None:
    root, env = repo
    result = pre_commit(root, env, "run", "--all-files", "compliance-tool-check")
    assert result.returncode == 1, result.stdout
    for rule in ("EXT-01-contract-current", "ONC-01-rotation-escalation", "DAT-04-retention"):
        assert rule in result.stdout
    validated = pre_commit(root, env, "run", "--all-files", "compliance-tool-validate")
    assert validated.returncode == 0, validated.stdout


@pytest.mark.skipif(
    "codeowners" not in cli.commands, reason="compliance-tool has no codeowners command yet"
)
def test_a_change_of_owner_needs_codeowners_rewritten(repo: tuple[Path, dict[str, str]]) -> None:
    root, env = repo
    stage(root, M1, "  owner: asmith\n", "  owner: dlee\n", env)
    refused = _commit(root, env, "m1: a new owner")
    assert refused.returncode != 0, refused.stdout
    assert "compliance-tool codeowners --check" in refused.stdout and "Failed" in refused.stdout
    assert "@dlee" in refused.stdout  # the diff names the new owner
    written = subprocess.run(
        [str(TOOLS / "compliance-tool"), "codeowners"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert written.returncode == 0, written.stderr
    git(root, "add", ".github/CODEOWNERS", env=env)
    committed = _commit(root, env, "m1: a new owner, and CODEOWNERS")
    assert committed.returncode == 0, committed.stdout


@pytest.mark.skipif("init" not in cli.commands, reason="compliance-tool has no init command yet")
def test_a_repository_made_by_init_runs_the_hooks(tmp_path: Path) -> None:
    """`compliance-tool init` writes this configuration; with its hooks installed, a
    broken reference is refused with file and line, and the fix is committed."""
    home = tmp_path / "home"
    root = tmp_path / "governance"
    env = hook_env(home, tmp_path / "pre-commit-home")
    made = subprocess.run(
        [str(TOOLS / "compliance-tool"), "init", str(root)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert made.returncode == 0, made.stderr
    assert (root / ".pre-commit-config.yaml").read_bytes() == (
        TEMPLATES / ".pre-commit-config.yaml"
    ).read_bytes()
    git(root, "add", "-A", env=env)
    git(root, "commit", "-q", "--no-gpg-sign", "-m", "Governance repository", env=env)
    installed = pre_commit(root, env, "install")
    assert installed.returncode == 0, installed.stdout
    team = "inventory/teams/ml-platform.yaml"
    text = (root / team).read_text("utf-8")
    line = text.count("\n") + 1
    (root / team).write_text(text + "lead: nobody\n", encoding="utf-8")
    git(root, "add", team, env=env)
    refused = _commit(root, env, "ml-platform: a lead")
    assert refused.returncode != 0, refused.stdout
    assert f"{team}:{line}:7: Team.lead: unknown person 'nobody'" in refused.stdout
    stage(root, team, "lead: nobody\n", "", env)
    stage(root, team, "name: ML platform\n", "name: Machine-learning platform\n", env)
    committed = _commit(root, env, "ml-platform: its name")
    assert committed.returncode == 0, committed.stdout
