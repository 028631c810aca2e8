"""What the checks tests share: the sample's findings as inventory/README.md plants them,
runs of the pipeline and of the engine alone, and ``check --format json`` on a copy.

The sample is only read: runs on it are made without the cache (``--no-cache``,
``COMPLIANCE_TOOL_NO_CACHE=1`` or ``use_cache=False``) so that nothing is written into it.
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

from click.testing import Result

from compliance_tool.checks.engine import CheckResult, Engine, RuleCache
from compliance_tool.checks.pipeline import evaluate
from compliance_tool.repository.session import Where, open_inventory
from support.cli import invoke
from support.repos import AS_OF

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
        ("CONT-01-bus-factor", "Model", "churn-propensity", "fail"),
        ("CONT-01-bus-factor", "Model", "demand-forecast", "fail"),
        # ... whose schedule covers business hours only
        ("ONC-01-schedule-covers-week", "Model", "churn-propensity", "fail"),
        ("ONC-01-schedule-covers-week", "Model", "demand-forecast", "fail"),
        # P5: external specialist whose contract ended, still on a rotation
        ("EXT-01-contract-current", "Person", "mvoss", "fail"),
        # ... and the payments schedule still hands them shifts
        ("EXT-01-shift-after-contract", "Rotation", "ml-sre-payments", "fail"),
        # P6: post-incident review 18 days after resolution
        ("INC-02-post-incident-review", "Incident", "INC-2026-0057", "fail"),
        # P7: personal data without a DPIA
        ("DAT-03-dpia-personal-data", "Dataset", "churn-features", "fail"),
        # P8: a widespread serious incident reported on day six (limit 2 days)
        ("INC-01-serious-incident-reported-2-days", "Incident", "INC-2026-0064", "fail"),
        # P9: the registry's champion of fraud-scoring is a version without deploy approval
        ("REC-02-unapproved-version-serving", "Model", "fraud-scoring", "fail"),
        # P10: a shadow model serves in the cluster, in no record
        ("REC-01-undeclared-model", "Observation", "manifests", "fail"),
        # P11: a retired model still has a workload
        ("REC-04-retired-but-serving", "Model", "legacy-application-scorecard", "fail"),
        # P12: observed cost over budget, and the hand-written figure is stale
        ("REC-07-metric-breach", "Model", "product-recommendations", "fail"),
        ("REC-08-declared-metric-differs", "Model", "product-recommendations", "fail"),
        # P13: a single external specialist is the only rollback deputy
        *(
            ("CONT-01-rollback-deputies-not-one-supplier", "Model", model, "fail")
            for model in (
                "aml-transaction-monitoring",
                "collections-prioritisation",
                "merchant-embeddings",
                "product-recommendations",
            )
        ),
        # P14: the credit rotation's weekend cover ends Sunday 22:00, business hours start
        # Monday 09:00: nobody is on call on Sunday nights
        ("ONC-01-schedule-covers-week", "Model", "credit-scoring", "fail"),
        ("ONC-01-schedule-covers-week", "Model", "collections-prioritisation", "fail"),
        # waived, not failing: W-2026-014 covers the overdue validation of fraud-scoring
        ("VAL-01-validation-current", "Model", "fraud-scoring", "waived"),
    }
)
"""Every finding of the sample on 2026-11-26: the planted problems (inventory/README.md)
and the waiver."""


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
