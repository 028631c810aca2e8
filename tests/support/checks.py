"""What the engine tests share: the sample repository, copies of it, exact edits, the CLI.

The sample repository (this project's own ``inventory/`` and ``policies/``) is only read:
commands on it run with ``--no-cache`` or ``COMPLIANCE_TOOL_NO_CACHE=1`` so that nothing is
written into it. Tests that change something work on a copy in ``tmp_path``.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path
from typing import Any

from click.testing import CliRunner, Result

from compliance_tool.checks.engine import CheckResult, Engine, RuleCache
from compliance_tool.checks.pipeline import evaluate
from compliance_tool.repository.session import Where, open_inventory

REPO_ROOT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 11, 26)
"""The evaluation date of the sample inventory (inventory/README.md)."""

TREES = ("inventory", "policies", "runbooks", "evidence", "docs")
"""Folders of the sample that rules and validation read (records and the files they name)."""

Finding = tuple[str, str, str, str]
"""(rule, kind, subject, status) of one failing or waived result."""

PLANTED: frozenset[Finding] = frozenset(
    {
        # P1: high-tier production model validated 469 days ago, next_due passed
        ("VAL-01-validation-current", "Model", "aml-transaction-monitoring", "fail"),
        # P2: data drift warns but never pages
        ("MON-01-drift-thresholds", "Model", "churn-propensity", "fail"),
        # P3: expired waiver, and the performance floor it covered is missing again
        ("WAV-01-waiver-unexpired", "Waiver", "W-2026-007", "fail"),
        ("MON-02-performance-floor", "Model", "demand-forecast", "fail"),
        # P4: one-person rotation behind two production models
        ("ONC-01-rotation-escalation", "Rotation", "ml-sre-retail", "fail"),
        ("CONT-01-two-operators", "Model", "churn-propensity", "fail"),
        ("CONT-01-two-operators", "Model", "demand-forecast", "fail"),
        # P5: external specialist whose contract ended, still on a rotation
        ("EXT-01-contract-current", "Person", "mvoss", "fail"),
        # P6: post-incident review 18 days after resolution
        ("INC-02-post-incident-review", "Incident", "INC-2026-0057", "fail"),
        # P7: personal data without a DPIA
        ("DAT-03-dpia-personal-data", "Dataset", "churn-features", "fail"),
        # waived, not failing: W-2026-014 covers the overdue validation of fraud-scoring
        ("VAL-01-validation-current", "Model", "fraud-scoring", "waived"),
    }
)
"""Every finding of the sample on 2026-11-26: the planted problems P1-P7 and the waiver."""


def copy_sample(target: Path, *, features: bool = False) -> Path:
    """A copy of the sample repository at ``target`` (with ``features/`` when asked)."""
    for tree in (*TREES, "features") if features else TREES:
        shutil.copytree(REPO_ROOT / tree, target / tree)
    return target


def edit(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in ``path``; fail when it is not there once."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def position(path: Path, needle: str) -> tuple[int, int]:
    """1-based (line, column) of the one occurrence of ``needle`` in ``path``."""
    text = path.read_text(encoding="utf-8")
    assert text.count(needle) == 1, f"{needle!r} occurs {text.count(needle)} times in {path}"
    before = text[: text.index(needle)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


def tool_env(*, cache: bool = False) -> dict[str, str | None]:
    """No outside setting may change what the tool does; no cache unless asked."""
    env: dict[str, str | None] = {
        name: None for name in os.environ if name.startswith("COMPLIANCE_TOOL_")
    }
    env.update({"GITHUB_ACTIONS": None, "NO_COLOR": "1"})
    if not cache:
        env["COMPLIANCE_TOOL_NO_CACHE"] = "1"
    return env


def invoke(*args: str | Path, cache: bool = False) -> Result:
    """compliance-tool in-process, exceptions not caught, the cache off unless asked."""
    from compliance_tool.cli import cli

    return CliRunner().invoke(
        cli, [str(a) for a in args], env=tool_env(cache=cache), catch_exceptions=False
    )


def check_json(root: Path, *args: str, cache: bool = False) -> tuple[Result, dict[str, Any]]:
    """``check --format json`` on ``root`` (``--no-cache`` unless ``cache``): result, document."""
    options = [*args] if cache else ["--no-cache", *args]
    result = invoke("--repo", root, "check", "--format", "json", *options, cache=cache)
    assert result.exit_code in (0, 1), result.stderr
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return result, document


def findings(document: dict[str, Any]) -> set[Finding]:
    """(rule, kind, subject, status) of every finding of a check JSON document."""
    return {(f["rule"], f["kind"], f["subject"], f["status"]) for f in document["findings"]}


def evaluate_at(root: Path, as_of: dt.date = AS_OF) -> CheckResult:
    """Validate and run every rule on the working tree at ``root`` (no cache)."""
    return evaluate(open_inventory(Where(root, None, use_cache=False)), as_of).check


def run_engine(root: Path, as_of: dt.date = AS_OF, cache: RuleCache | None = None) -> CheckResult:
    """The engine alone on the working tree at ``root`` (no validation first)."""
    return Engine(open_inventory(Where(root, None, use_cache=False)), as_of, cache=cache).run()


def result_keys(result: CheckResult) -> set[Finding]:
    """(rule, kind, subject, status) of every finding of an engine run."""
    return {(r.rule, r.kind.value, r.subject, r.status.value) for r in result.findings}
