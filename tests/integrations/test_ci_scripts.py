"""The scripts of ``action.yml`` and of the starter workflow, run as a GitHub runner runs a
bash step (``bash --noprofile --norc -eo pipefail``, with ``GITHUB_OUTPUT``,
``GITHUB_STEP_SUMMARY`` and ``RUNNER_TEMP`` as files and folders of the test), on a
scratch governance repository: the files they promise are written, the exit code is the
tool's, and the signing step signs with the key it was given without printing it.

The scripts take every value through ``env``, never through ``${{ }}`` in the script, so
that no input can inject shell; the tests give the step's ``env`` values directly.
"""

from __future__ import annotations

import base64
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from cryptography.hazmat.primitives.serialization import BestAvailableEncryption, pkcs12
from support.precommit import governance_repo, hook_env
from support.repos import REPO_ROOT
from support.signing import ec_key, key_pem, make_cert, pem

ACTION = REPO_ROOT / "action.yml"
WORKFLOW = (
    REPO_ROOT / "compliance_tool" / "init_templates" / ".github" / "workflows" / "governance.yml"
)


def _steps(path: Path) -> list[dict[str, Any]]:
    document = yaml.safe_load(path.read_text(encoding="utf-8"))
    if "runs" in document:
        return list(document["runs"]["steps"])
    return [step for job in document["jobs"].values() for step in job["steps"]]


def _step(path: Path, name: str) -> dict[str, Any]:
    return next(step for step in _steps(path) if step.get("name") == name)


@pytest.mark.parametrize("path", [ACTION, WORKFLOW], ids=lambda p: p.name)
def test_no_script_holds_an_expression(path: Path) -> None:
    """Inputs, secrets and outputs reach a script as variables: ``${{ }}`` inside ``run``
    would paste them into the shell text."""
    scripts = [step["run"] for step in _steps(path) if "run" in step]
    assert scripts
    assert not [script for script in scripts if "${{" in script]


class Runner:
    """A runner's files for one job, and bash steps run the way a runner runs them."""

    def __init__(self, root: Path, tmp: Path) -> None:
        self.root = root
        self.temp = tmp / "runner-temp"
        self.temp.mkdir()
        self.output = tmp / "github-output"
        self.summary = tmp / "step-summary"
        self.env = hook_env(tmp / "home")
        self.env.update(
            RUNNER_TEMP=str(self.temp),
            GITHUB_OUTPUT=str(self.output),
            GITHUB_STEP_SUMMARY=str(self.summary),
            GITHUB_ENV=str(tmp / "github-env"),
        )
        for path in (self.output, self.summary):
            path.write_text("", encoding="utf-8")

    def run(self, step: dict[str, Any], **env: str) -> subprocess.CompletedProcess[str]:
        script = self.temp / "step.sh"
        script.write_text(step["run"], encoding="utf-8")
        return subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=self.root,
            env={**self.env, **env},
            capture_output=True,
            text=True,
            check=False,
            timeout=600,
        )

    def outputs(self) -> dict[str, str]:
        lines = self.output.read_text("utf-8").splitlines()
        return dict(line.split("=", 1) for line in lines if "=" in line)


@pytest.fixture
def runner(tmp_path: Path) -> Runner:
    return Runner(governance_repo(tmp_path / "governance", tmp_path / "home"), tmp_path)


def test_the_actions_check_step_writes_every_result(runner: Runner) -> None:
    results = runner.temp / "compliance-tool"
    results.mkdir()
    done = runner.run(
        _step(ACTION, "Check the rules"), RESULTS=str(results), COMPLIANCE_TOOL_CHECK_FAIL_ON="info"
    )
    assert done.returncode == 1, done.stderr  # the findings of the repository
    assert "EXT-01-contract-current" in done.stdout  # the text report in the log
    assert "::error file=inventory/people/cvendor.yaml" in done.stdout  # annotations
    outputs = runner.outputs()
    sarif = json.loads(Path(outputs["sarif-file"]).read_text("utf-8"))
    assert sarif["version"] == "2.1.0" and sarif["runs"][0]["results"]
    comment = Path(outputs["markdown-file"]).read_text("utf-8")
    assert comment.strip() and runner.summary.read_text("utf-8") == comment
    passed = runner.run(
        _step(ACTION, "Check the rules"),
        RESULTS=str(results),
        COMPLIANCE_TOOL_CHECK_FAIL_ON="never",
    )
    assert passed.returncode == 0, passed.stderr


def test_the_actions_scenarios_step_writes_junit(runner: Runner, tmp_path: Path) -> None:
    results = runner.temp / "compliance-tool"
    results.mkdir()
    step = _step(ACTION, "Run the scenarios")
    skipped = runner.run(step, RESULTS=str(results))
    assert skipped.returncode == 0 and "no features/ folder" in skipped.stdout
    (runner.root / "features").mkdir()
    (runner.root / "features" / "operations.feature").write_text(
        "Feature: Operations\n  Scenario: Production models exist\n    Given the production models\n"
        "    Then the selection is not empty\n",
        encoding="utf-8",
    )
    done = runner.run(step, RESULTS=str(results))
    assert done.returncode == 0, done.stdout + done.stderr
    junit = Path(runner.outputs()["junit-file"])
    assert junit.read_text("utf-8").startswith("<?xml")


def _signing_env(key: Any, *, p12: bool) -> dict[str, str]:
    cert = make_cert("Governance Signer", key)
    passphrase = b"correct horse battery staple"
    if p12:
        archive = pkcs12.serialize_key_and_certificates(
            b"signer", key, cert, None, BestAvailableEncryption(passphrase)
        )
        return {
            "SIGNING_KEY": base64.b64encode(archive).decode(),
            "SIGNING_CERT": "",
            "SIGNING_PASSPHRASE": passphrase.decode(),
        }
    return {
        "SIGNING_KEY": key_pem(key, passphrase).decode(),
        "SIGNING_CERT": pem(cert).decode(),
        "SIGNING_PASSPHRASE": passphrase.decode(),
    }


@pytest.mark.parametrize("p12", [False, True], ids=["pem", "pkcs12-base64"])
def test_the_report_step_signs_with_the_given_key_and_prints_no_secret(
    runner: Runner, p12: bool
) -> None:
    results = runner.temp / "compliance-tool"
    results.mkdir()
    secrets = _signing_env(ec_key(), p12=p12)
    done = runner.run(_step(ACTION, "Render and sign the report"), RESULTS=str(results), **secrets)
    assert done.returncode == 0, done.stdout + done.stderr
    report = Path(runner.outputs()["report-file"])
    assert report.is_file()
    log = done.stdout + done.stderr
    assert "Governance Signer" in log  # verify named the signer of the key given
    assert "development key" not in log
    for secret in (secrets["SIGNING_PASSPHRASE"], secrets["SIGNING_KEY"][40:80]):
        assert secret not in log
    assert not [p for p in runner.temp.iterdir() if p.name.startswith("compliance-tool-keys")]
    assert not (runner.root / ".compliance-keys").exists()


def _between(text: str, start: str, end: str) -> str:
    return start + text.split(start, 1)[1].split(end, 1)[0] + end


def test_the_workflow_runs_the_same_check_and_signing_scripts() -> None:
    """The starter workflow's check and signing scripts are the action's (tested above):
    the same check command and formats (the workflow adds JUnit), the same key handling."""
    workflow = _step(WORKFLOW, "Check the rules")["run"]
    action = _step(ACTION, "Check the rules")["run"]
    command = _between(action, "compliance-tool check", "|| status=$?")
    assert (
        command.replace(
            '--format "github=$RESULTS/annotations.txt"',
            (
                '--format "github=$RESULTS/annotations.txt" \\\n'
                '            --format "junit=$RESULTS/check-junit.xml"'
            ),
        ).split()
        == _between(workflow, "compliance-tool check", "|| status=$?").split()
    )
    keys = _between(_step(ACTION, "Render and sign the report")["run"], "umask 077", "esac")
    signing = _step(WORKFLOW, "Render and sign the report")["run"]
    assert keys.split("keys=")[0] in signing
    assert _between(keys, 'case "$SIGNING_KEY"', "esac") in signing
