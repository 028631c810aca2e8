"""The CI files as written: the composite action (``action.yml``) and the starter GitHub
workflow pass actionlint (with ShellCheck on every script) and GitHub's schemas; the
starter GitLab pipeline passes GitLab's CI schema. All three schemas are the ones
check-jsonschema ships, so nothing is fetched; each tool is also shown to reject a broken
file, so that a pass means something.

actionlint lints workflows, not action metadata: the action is checked by a workflow that
uses it as ``./`` (actionlint then reads its inputs and outputs), and its steps by
actionlint on a workflow whose job is those steps (expressions, contexts, ShellCheck).
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.repos import REPO_ROOT

from compliance_tool import __version__
from compliance_tool.reporters import CHECK_REPORTERS

TOOLS = Path(sys.executable).parent
ACTIONLINT = TOOLS / "actionlint"
SHELLCHECK = TOOLS / "shellcheck"
CHECK_JSONSCHEMA = TOOLS / "check-jsonschema"

ACTION = REPO_ROOT / "action.yml"
TEMPLATES = REPO_ROOT / "compliance_tool" / "init_templates"
WORKFLOW = TEMPLATES / ".github" / "workflows" / "governance.yml"
OBSERVE = TEMPLATES / ".github" / "workflows" / "observe.yml"
GITLAB = TEMPLATES / ".gitlab-ci.yml"


def _load(path: Path) -> dict[str, Any]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(document, dict)
    return document


def _actionlint(root: Path, *files: Path) -> subprocess.CompletedProcess[str]:
    """actionlint on ``files`` of the git repository ``root``, ShellCheck included."""
    assert SHELLCHECK.exists(), "ShellCheck is missing: actionlint would skip the scripts"
    return subprocess.run(
        [str(ACTIONLINT), "-no-color", "-oneline", "-shellcheck", str(SHELLCHECK), "-pyflakes", "",
         *(str(f.relative_to(root)) for f in files)],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )  # fmt: skip


def _schema(builtin: str, path: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(CHECK_JSONSCHEMA), "--builtin-schema", builtin, str(path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=120,
    )


@pytest.fixture
def lint_repo(tmp_path: Path) -> Path:
    """A git repository for actionlint to find its project in."""
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    return tmp_path


def _write(root: Path, relative: str, document: dict[str, Any] | str) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    text = document if isinstance(document, str) else yaml.safe_dump(document, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


# -- the starter GitHub workflow --------------------------------------------------------------


def test_the_workflow_passes_actionlint(lint_repo: Path) -> None:
    workflow = lint_repo / ".github" / "workflows" / "governance.yml"
    shutil.copy(WORKFLOW, workflow)
    result = _actionlint(lint_repo, workflow)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_rejects_a_broken_workflow(lint_repo: Path) -> None:
    text = WORKFLOW.read_text("utf-8")
    text = text.replace("steps.check.outcome == 'failure'", "steps.chek.outcome == 'failure'", 1)
    text = text.replace('cat "$RESULTS/annotations.txt"', "cat $RESULTS/annotations.txt", 1)
    workflow = _write(lint_repo, ".github/workflows/governance.yml", text)
    result = _actionlint(lint_repo, workflow)
    assert result.returncode == 1
    assert 'property "chek" is not defined' in result.stdout
    assert "SC2086" in result.stdout  # ShellCheck ran on the scripts


def test_the_workflow_matches_githubs_schema() -> None:
    result = _schema("vendor.github-workflows", WORKFLOW)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_workflow_runs_every_step_the_issue_names() -> None:
    workflow = _load(WORKFLOW)
    checks = workflow["jobs"]["checks"]
    runs = "\n".join(step.get("run", "") for step in checks["steps"])
    uses = [step.get("uses", "") for step in checks["steps"]]
    assert "compliance-tool validate" in runs
    assert '--format "sarif=' in runs and '--format "markdown=' in runs
    assert '>> "$GITHUB_STEP_SUMMARY"' in runs
    assert "gh pr comment" in runs and "--body-file" in runs
    assert "compliance-tool scenarios --junit" in runs
    assert any(u.startswith("github/codeql-action/upload-sarif@") for u in uses)
    assert checks["permissions"]["security-events"] == "write"
    report = workflow["jobs"]["report"]
    assert "default_branch" in report["if"] and "pull_request" in report["if"]
    script = "\n".join(step.get("run", "") for step in report["steps"])
    assert "compliance-tool report --output" in script and "compliance-tool verify" in script
    secrets = {v for step in report["steps"] for v in (step.get("env") or {}).values()}
    assert "${{ secrets.COMPLIANCE_TOOL_SIGNING_KEY }}" in secrets
    assert any(
        str(s.get("uses", "")).startswith("actions/upload-artifact@") for s in report["steps"]
    )


def test_the_observe_workflow_passes_actionlint_and_githubs_schema(lint_repo: Path) -> None:
    workflow = lint_repo / ".github" / "workflows" / "observe.yml"
    shutil.copy(OBSERVE, workflow)
    result = _actionlint(lint_repo, workflow)
    assert result.returncode == 0, result.stdout + result.stderr
    schema = _schema("vendor.github-workflows", OBSERVE)
    assert schema.returncode == 0, schema.stdout + schema.stderr


def test_the_observe_workflow_is_scheduled_and_commits_the_snapshots() -> None:
    workflow = _load(OBSERVE)
    triggers = workflow[True]  # YAML 1.1 reads the key 'on' as true
    assert triggers["schedule"][0]["cron"] and "workflow_dispatch" in triggers
    assert workflow["permissions"] == {"contents": "write"}
    steps = workflow["jobs"]["observe"]["steps"]
    runs = "\n".join(step.get("run", "") for step in steps)
    for source in ("observe mlflow", "observe manifests", "observe metrics --openmetrics"):
        assert f"compliance-tool {source}" in runs
    assert "git add inventory/observations" in runs and "git push" in runs
    mlflow = next(s for s in steps if "observe mlflow" in s.get("run", ""))
    assert mlflow["env"]["MLFLOW_TRACKING_TOKEN"] == "${{ secrets.MLFLOW_TRACKING_TOKEN }}"


def test_the_gitlab_observe_job_runs_on_a_schedule_only() -> None:
    job = _load(GITLAB)["observe"]
    assert job["rules"] == [
        {"if": '$CI_PIPELINE_SOURCE == "schedule" && $GOVERNANCE_OBSERVE == "true"'}
    ]
    script = "\n".join(job["script"])
    assert "git add inventory/observations" in script and "git push" in script


def test_no_script_prints_a_secret() -> None:
    """The key and passphrase reach the tool through files and variables, never a log."""
    for path in (WORKFLOW, ACTION, OBSERVE):
        text = path.read_text("utf-8")
        for line in text.splitlines():
            if re.search(r"\b(echo|printf)\b", line) and re.search(r"\$\{?SIGNING_", line):
                assert ">" in line, f"{path.name}: {line.strip()}"  # written to a file
        assert "set -x" not in text


# -- the composite action -------------------------------------------------------------------


def test_the_action_matches_githubs_schema() -> None:
    result = _schema("vendor.github-actions", ACTION)
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_workflow_using_the_action_passes_actionlint(lint_repo: Path) -> None:
    """actionlint reads the metadata of a local action: every input and output named
    here must be one the action defines."""
    action = _load(ACTION)
    shutil.copy(ACTION, lint_repo / "action.yml")
    inputs = {name: spec.get("default") or "x" for name, spec in action["inputs"].items()}
    outputs = " ".join(f"${{{{ steps.tool.outputs.{name} }}}}" for name in action["outputs"])
    workflow = {
        "name": "uses the action",
        "on": {"push": None},
        "permissions": {"contents": "read", "security-events": "write"},
        "jobs": {
            "governance": {
                "runs-on": "ubuntu-latest",
                "steps": [
                    {"uses": "actions/checkout@v5"},
                    {"id": "tool", "uses": "./", "with": inputs},
                    {"run": f'echo "{outputs}"'},
                ],
            }
        },
    }
    path = _write(lint_repo, ".github/workflows/use.yml", workflow)
    result = _actionlint(lint_repo, path)
    assert result.returncode == 0, result.stdout + result.stderr
    workflow["jobs"]["governance"]["steps"][1]["with"]["fail-om"] = "high"
    _write(lint_repo, ".github/workflows/use.yml", workflow)
    broken = _actionlint(lint_repo, path)
    assert broken.returncode == 1
    assert 'input "fail-om" is not defined in action' in broken.stdout


def _steps_as_workflow(action: dict[str, Any]) -> dict[str, Any]:
    """The action's steps as the one job of a reusable workflow whose inputs are the
    action's: actionlint checks their expressions, contexts and scripts as a job's."""
    inputs = {
        name: {"type": "string", "required": False, "default": str(spec.get("default", ""))}
        for name, spec in action["inputs"].items()
    }
    return {
        "name": "the steps of action.yml",
        "on": {"workflow_call": {"inputs": inputs}},
        "permissions": {"contents": "read", "security-events": "write"},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": action["runs"]["steps"]}},
    }


def test_the_actions_steps_pass_actionlint(lint_repo: Path) -> None:
    action = _load(ACTION)
    assert action["runs"]["using"] == "composite"
    path = _write(lint_repo, ".github/workflows/steps.yml", _steps_as_workflow(action))
    result = _actionlint(lint_repo, path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_actionlint_rejects_a_broken_step(lint_repo: Path) -> None:
    action = _load(ACTION)
    action["runs"]["steps"].append({"shell": "bash", "run": "echo ${{ inputs.fail-of }} $HOME/*"})
    path = _write(lint_repo, ".github/workflows/steps.yml", _steps_as_workflow(action))
    result = _actionlint(lint_repo, path)
    assert result.returncode == 1
    assert 'property "fail-of" is not defined' in result.stdout


def test_the_action_runs_validate_check_and_scenarios() -> None:
    action = _load(ACTION)
    steps = action["runs"]["steps"]
    runs = "\n".join(step.get("run", "") for step in steps)
    assert "compliance-tool validate" in runs
    assert '"sarif=' in runs and '"markdown=' in runs and '>> "$GITHUB_STEP_SUMMARY"' in runs
    assert "compliance-tool scenarios --junit" in runs
    assert "compliance-tool report --output" in runs
    assert any(
        str(s.get("uses", "")).startswith("github/codeql-action/upload-sarif@") for s in steps
    )
    assert all("shell" in step for step in steps if "run" in step)  # composite steps need one


# -- the starter GitLab pipeline --------------------------------------------------------------


def test_the_gitlab_pipeline_matches_gitlabs_schema() -> None:
    result = _schema("vendor.gitlab-ci", GITLAB)
    assert result.returncode == 0, result.stdout + result.stderr


def test_gitlabs_schema_rejects_a_broken_pipeline(tmp_path: Path) -> None:
    text = GITLAB.read_text("utf-8").replace("codequality: gl-code", "code_quality: gl-code", 1)
    broken = _write(tmp_path, ".gitlab-ci.yml", text)
    result = _schema("vendor.gitlab-ci", broken)
    assert result.returncode == 1


def test_the_gitlab_pipeline_publishes_junit_code_quality_and_the_report() -> None:
    pipeline = _load(GITLAB)
    assert pipeline["stages"] == ["observe", "validate", "check", "scenarios", "report"]
    check = pipeline["check"]
    script = " ".join(check["script"])
    assert check["artifacts"]["reports"] == {
        "codequality": "gl-code-quality-report.json",
        "junit": "check-junit.xml",
    }
    assert "--format codequality=gl-code-quality-report.json" in script
    assert "--format junit=check-junit.xml" in script
    assert "codequality" in CHECK_REPORTERS
    assert pipeline["scenarios"]["artifacts"]["reports"] == {"junit": "scenarios-junit.xml"}
    assert "--junit scenarios-junit.xml" in " ".join(pipeline["scenarios"]["script"])
    report = pipeline["report"]
    assert report["rules"] == [{"if": "$CI_COMMIT_BRANCH == $CI_DEFAULT_BRANCH"}]
    assert any("compliance-tool report --output" in line for line in report["script"])
    assert check["artifacts"]["when"] == "always"


# -- what both pipelines share ----------------------------------------------------------------


@pytest.mark.parametrize("path", [WORKFLOW, GITLAB, OBSERVE], ids=lambda p: p.name)
def test_the_pipelines_install_this_version(path: Path) -> None:
    """Each starter pins the version of the tool that wrote it."""
    assert f'COMPLIANCE_TOOL_VERSION: "{__version__}"' in path.read_text("utf-8")


def _scripts(document: Any) -> list[str]:
    """Every shell script of a workflow, action or pipeline: ``run`` and ``script`` values."""
    found: list[str] = []
    if isinstance(document, dict):
        for key, value in document.items():
            if key in ("run", "script", "before_script"):
                found.extend(value if isinstance(value, list) else [value])
            else:
                found.extend(_scripts(value))
    elif isinstance(document, list):
        for item in document:
            found.extend(_scripts(item))
    return found


@pytest.mark.parametrize("path", [WORKFLOW, GITLAB, ACTION, OBSERVE], ids=lambda p: p.name)
def test_every_command_and_option_the_pipelines_use_exists(path: Path) -> None:
    """The commands, options and formats the CI files give compliance-tool are its own."""
    import click

    from compliance_tool.cli import cli

    lines = "\n".join(_scripts(_load(path))).replace("\\\n", " ").splitlines()
    calls = [line.split("compliance-tool ", 1)[1] for line in lines if "compliance-tool " in line]
    assert len(calls) >= 4, calls
    for call in calls:
        name, *words = call.split()
        if name.startswith("-"):
            assert name == "--version", call
            continue
        command: click.Command = cli.commands[name]
        while isinstance(command, click.Group):  # observe mlflow: the subcommand's options
            command = command.commands[words.pop(0).rstrip(";")]
        params = {opt for p in command.params for opt in getattr(p, "opts", [])}
        for word in words:
            option = word.strip('"').split("=", 1)[0]
            if option.startswith("--"):
                assert option in params, f"{command} {option}"
        for name in re.findall(r'--format "?([a-z]+)=', call):
            assert name in CHECK_REPORTERS, name


# -- the starter CODEOWNERS -------------------------------------------------------------------

CODEOWNERS = TEMPLATES / ".github" / "CODEOWNERS"

GITHUB_TEAM = re.compile(r"^@[A-Za-z0-9](?:-?[A-Za-z0-9]){0,38}/[A-Za-z0-9][A-Za-z0-9_.-]*$")
"""A GitHub team handle, @organisation/team-slug, as Team records' accounts.github takes it."""


def test_the_starter_codeowners_parses_and_owns_the_policies() -> None:
    """Read with an independent parser (the codeowners package), as GitHub reads it: the
    placeholder team owns policies/ and the file itself, and nothing else is claimed."""
    from codeowners import CodeOwners

    text = CODEOWNERS.read_text("utf-8")
    owners = CodeOwners(text)
    team = [("TEAM", "@your-org/model-governance")]
    assert owners.of("policies/rules/OWN-01-owner-operator-active.yaml") == team
    assert owners.of(".github/CODEOWNERS") == team
    assert owners.of("inventory/models/fraud-scoring.yaml") == []
    rules = [line for line in text.splitlines() if line and not line.startswith("#")]
    assert all(GITHUB_TEAM.match(line.split()[1]) for line in rules), rules
    assert "compliance-tool codeowners" in text  # says what regenerates it
