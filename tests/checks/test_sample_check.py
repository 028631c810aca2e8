"""``check`` on the sample reports exactly the planted problems of inventory/README.md."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import Result
from support.checks import PLANTED, check_json, findings
from support.cli import invoke
from support.repos import AS_OF, REPO_ROOT, edit

from compliance_tool.observe.base import Observed
from compliance_tool.observe.snapshot import write_snapshot

DATE = ("--as-of", AS_OF.isoformat())


@pytest.fixture(scope="module")
def sample_check() -> tuple[Result, dict[str, Any]]:
    """``check --as-of 2026-11-26 --format json --no-cache`` on the sample."""
    return check_json(REPO_ROOT, *DATE)


def test_sample_reports_exactly_the_planted_problems(
    sample_check: tuple[Result, dict[str, Any]],
) -> None:
    result, document = sample_check
    assert result.exit_code == 1
    assert findings(document) == PLANTED
    assert len(document["findings"]) == len(PLANTED) == 28
    summary = document["summary"]
    assert (summary["failed"], summary["waived"], summary["rules"]) == (27, 1, 56)
    # RISK-02 applies from the EU AI Act's Annex III date: before it, upcoming, not failing
    assert [(u["rule"], u["subject"]) for u in document["upcoming"]] == [
        ("RISK-02-fria", "credit-scoring")
    ]
    assert summary["upcoming"] == 1
    assert summary["passed"] == summary["results"] - 28 - 1
    assert document["as_of"] == "2026-11-26"
    assert "27 failing, 1 waived, 1 upcoming, " in result.stderr


def test_findings_say_what_the_readme_says(sample_check: tuple[Result, dict[str, Any]]) -> None:
    _, document = sample_check
    details = {
        (f["rule"], f["subject"]): [(d["field"], d["message"]) for d in f["details"]]
        for f in document["findings"]
    }
    assert details[("VAL-01-validation-current", "aml-transaction-monitoring")] == [
        ("validation.last", "2025-08-14 is 469 days before 2026-11-26, more than 365"),
        ("validation.next_due", "2026-08-14 is before 2026-11-26"),
    ]
    assert details[("MON-01-drift-thresholds", "churn-propensity")] == [
        ("monitoring.thresholds.data_drift.page", "is missing")
    ]
    assert details[("INC-02-post-incident-review", "INC-2026-0057")] == [
        ("postmortem_completed", "2026-09-29 is 18 days after resolved_at, more than 10")
    ]
    assert details[("DAT-03-dpia-personal-data", "churn-features")] == [
        ("legal.dpia", "is missing")
    ]
    assert details[("EXT-01-contract-current", "mvoss")] == [
        ("affiliation.contract_end", "2026-10-31 is before 2026-11-26")
    ]
    assert details[("ONC-01-rotation-escalation", "ml-sre-retail")] == [
        ("members", "has 1 item(s), needs at least 2")
    ]
    waived = next(f for f in document["findings"] if f["status"] == "waived")
    assert (waived["waiver"], waived["waiver_expires"]) == ("W-2026-014", "2026-12-31")
    assert all(f["waiver"] is None for f in document["findings"] if f["status"] == "fail")


def test_findings_point_at_the_offending_value(
    sample_check: tuple[Result, dict[str, Any]],
) -> None:
    _, document = sample_check
    dated = 0
    for finding in document["findings"]:
        lines = (REPO_ROOT / finding["path"]).read_text(encoding="utf-8").splitlines()
        assert (finding["line"], finding["column"]) == (
            finding["details"][0]["line"],
            finding["details"][0]["column"],
        )
        for detail in finding["details"]:
            date = re.match(r"\d{4}-\d{2}-\d{2}", detail["message"])
            if date:  # the message quotes the value: the position is where it is written
                text = lines[detail["line"] - 1][detail["column"] - 1 :]
                assert text.startswith(date.group()), (finding["path"], detail)
                dated += 1
    assert dated == 8


def test_fail_on_threshold(sample_copy: Path) -> None:
    # the failures are critical (P8, the serious incident reported late), high and medium
    assert check_json(REPO_ROOT, *DATE, "--fail-on", "critical")[0].exit_code == 1
    assert check_json(REPO_ROOT, *DATE, "--fail-on", "never")[0].exit_code == 0
    assert check_json(REPO_ROOT, *DATE, "--fail-on", "high")[0].exit_code == 1
    assert check_json(REPO_ROOT, *DATE, "--fail-on", "medium")[0].exit_code == 1
    # without P8 and P9 nothing critical fails
    _report_within_two_days(sample_copy)
    _champion_on_the_approved_version(sample_copy)
    assert check_json(sample_copy, *DATE, "--fail-on", "critical")[0].exit_code == 0
    assert check_json(sample_copy, *DATE, "--fail-on", "high")[0].exit_code == 1


def test_check_with_no_cache_writes_nothing(sample_copy: Path) -> None:
    assert check_json(sample_copy, *DATE)[0].exit_code == 1
    assert not (sample_copy / ".compliance-cache").exists()


def _report_within_two_days(root: Path) -> None:
    """P8: the serious incident INC-2026-0064 reported the day after detection."""
    path = root / "inventory/incidents/INC-2026-0064.yaml"
    edit(path, "  reported_at: 2026-10-12T15:00:00Z", "  reported_at: 2026-10-07T15:00:00Z")
    edit(path, "    at: 2026-10-12T15:00:00Z", "    at: 2026-10-07T15:00:00Z")


def _champion_on_the_approved_version(root: Path) -> None:
    """P9: the registry's champion of fraud-scoring moved back to version 3 (4.2.1)."""

    def back(entry: dict[str, Any]) -> dict[str, Any]:
        if entry["name"] == "fraud-scoring":
            entry["aliases"]["champion"] = "3"
        return entry

    _rewrite(root, "mlflow", back)


def _rewrite(
    root: Path, name: str, keep: Callable[[dict[str, Any]], dict[str, Any] | None]
) -> None:
    """Observe again, as it were: the snapshot ``name`` written by the tool's own writer
    with each entry passed through ``keep`` (None leaves it out), at the same time."""
    path = root / f"inventory/observations/{name}.yaml"
    document = yaml.safe_load(path.read_bytes())
    entries = [e for e in (keep(entry) for entry in document["entries"]) if e is not None]
    moment = dt.datetime.fromisoformat(document["observed_at"].replace("Z", "+00:00"))
    source = document["source"]
    write_snapshot(root, name, Observed(source["system"], source["address"], entries), moment)


def _fix_planted_problems(root: Path) -> None:
    """Repair P1-P14 the way the README describes them; only the waived finding is left."""
    inventory = root / "inventory"
    # P1: a current validation
    edit(
        inventory / "models/aml-transaction-monitoring.yaml",
        "  last: 2025-08-14\n  next_due: 2026-08-14\n",
        "  last: 2026-08-14\n  next_due: 2027-08-14\n",
    )
    # P2: drift pages
    edit(
        inventory / "models/churn-propensity.yaml",
        "data_drift: {metric: psi, warn: 0.15, window: P30D}",
        "data_drift: {metric: psi, warn: 0.15, page: 0.25, window: P30D}",
    )
    # P3: a performance floor, and the expired waiver removed
    edit(
        inventory / "models/demand-forecast.yaml",
        "    latency_p99_ms: {max: 1500}\n",
        "    performance: {metric: wape, max: 0.2}\n    latency_p99_ms: {max: 1500}\n",
    )
    (inventory / "waivers/W-2026-007.yaml").unlink()
    # P4: a second, internal member on the retail rotation, on call out of hours
    retail = inventory / "rotations/ml-sre-retail.yaml"
    edit(retail, "  - ljohansson\n", "  - ljohansson\n  - tbauer\n")
    edit(
        retail,
        "  layers:\n",
        '  layers:\n    - {name: out-of-hours, start: "2026-01-05T08:00", handover: P7D, '
        "order: [tbauer]}\n",
    )
    # P5: the specialist whose contract ended leaves the rotation and its schedule
    payments = inventory / "rotations/ml-sre-payments.yaml"
    edit(payments, "  - mvoss\n", "")
    edit(payments, "order: [tbauer, rpatel, mvoss]", "order: [tbauer, rpatel]")
    edit(payments, "order: [rpatel, mvoss]", "order: [rpatel]")
    # P6: the review within 10 days
    edit(
        inventory / "incidents/INC-2026-0057.yaml",
        "postmortem_completed: 2026-09-29",
        "postmortem_completed: 2026-09-18",
    )
    # P7: a DPIA for the feature set
    edit(
        inventory / "datasets/churn-features.yaml",
        "  lawful_basis: legitimate-interest\n",
        "  lawful_basis: legitimate-interest\n  dpia: evidence/dpia/DPIA-002.md\n",
    )
    # P8: the serious incident reported within 2 days
    _report_within_two_days(root)
    # P9: the champion back on the approved version
    _champion_on_the_approved_version(root)
    # P10, P11: the shadow model and the retired model's workload taken out of the cluster
    gone = {"next-best-offer", "scorecard-legacy-api"}
    _rewrite(root, "manifests", lambda e: None if e["name"] in gone else e)
    # P12: the cost back within budget, and the hand-written figure brought up to date

    def cheaper(entry: dict[str, Any]) -> dict[str, Any]:
        if entry["model"] == "product-recommendations":
            entry["metrics"]["cost_per_1k_inferences_usd"] = 0.052
        return entry

    _rewrite(root, "metrics", cheaper)
    edit(
        inventory / "models/product-recommendations.yaml",
        "    cost_per_1k_inferences_usd: 0.038\n",
        "    cost_per_1k_inferences_usd: 0.051\n",
    )
    # P13: an internal second rollback deputy beside the external specialist
    for model, deputy in (
        ("aml-transaction-monitoring", "rpatel"),
        ("collections-prioritisation", "shoffmann"),
        ("merchant-embeddings", "rpatel"),
        ("product-recommendations", "ecampbell"),
    ):
        edit(
            inventory / f"models/{model}.yaml",
            f"    deputies: [{deputy}]\n",
            f"    deputies: [{deputy}, asmith]\n",
        )
    # P14: the weekend cover of the credit rotation lasts until Monday's business hours
    edit(
        inventory / "rotations/ml-sre-credit.yaml",
        '{days: [sun], from: "00:00", to: "22:00"}',
        '{days: [sun], from: "00:00", to: "24:00"}\n'
        '        - {days: [mon], from: "00:00", to: "09:00"}',
    )


def test_a_run_whose_only_finding_is_waived_passes(sample_copy: Path) -> None:
    _fix_planted_problems(sample_copy)
    result, document = check_json(sample_copy, *DATE)
    # fixing exactly the planted problems leaves nothing but the waived finding
    assert findings(document) == {("VAL-01-validation-current", "Model", "fraud-scoring", "waived")}
    # the missing impact assessment of credit-scoring is not mandatory before 2027-12-02
    assert [(u["rule"], u["subject"], u["status"]) for u in document["upcoming"]] == [
        ("RISK-02-fria", "credit-scoring", "upcoming")
    ]
    assert result.exit_code == 0
    assert "0 failing, 1 waived, 1 upcoming, " in result.stderr
    # waived and upcoming results never fail, whatever the threshold
    for threshold in ("low", "critical"):
        assert check_json(sample_copy, *DATE, "--fail-on", threshold)[0].exit_code == 0


def test_text_output_lists_every_finding() -> None:
    result = invoke("--repo", REPO_ROOT, "check", "--no-cache", *DATE)
    assert result.exit_code == 1
    for rule, _, subject, _ in PLANTED:
        assert any(rule in line and subject in line for line in result.stdout.splitlines()), (
            rule,
            subject,
        )
