"""``applies_from``: before its date a failing rule is upcoming, never failing the run; on
the date it is an ordinary failure. Real ``check`` runs on the sample and on the minimal
repository; the unit tests of the date resolution are in test_frameworks.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from support.checks import check_json, findings
from support.cli import invoke
from support.repos import (
    REPO_ROOT,
    copy_sample,
    development_model,
    edit,
    position,
    write_minirepo,
)

EU = "eu-ai-act-2024-1689"
ANNEX_III = f"{EU}#annex-iii-high-risk"
FRIA = ("RISK-02-fria", "Model", "credit-scoring")
RULE = "policies/rules/runbook-required.yaml"
CONTROL = "policies/controls/OPS-01.yaml"
FRAMEWORK = "policies/frameworks/fw.yaml"
M2 = ("runbook-required", "Model", "m2")
"""The minimal repository's rule failing for a model in development without a runbook."""


def _upcoming(document: dict[str, Any]) -> set[tuple[str, str, str]]:
    return {(u["rule"], u["kind"], u["subject"]) for u in document["upcoming"]}


def _counts(document: dict[str, Any]) -> tuple[int, int, int, int]:
    summary = document["summary"]
    counted = summary["passed"] + summary["failed"] + summary["waived"] + summary["upcoming"]
    assert counted == summary["results"]
    return summary["failed"], summary["waived"], summary["upcoming"], summary["passed"]


# -- the sample: RISK-02 applies from the EU AI Act's Annex III date ---------------------------


def test_before_the_annex_iii_date_the_missing_fria_is_upcoming(tmp_path: Path) -> None:
    result, document = check_json(REPO_ROOT, "--as-of", "2026-12-01")
    entry = next(u for u in document["upcoming"] if (u["rule"], u["kind"], u["subject"]) == FRIA)
    assert entry["status"] == "upcoming"
    assert entry["path"] == "inventory/models/credit-scoring.yaml"
    assert entry["applies_from"] == {
        "date": "2027-12-02",
        "reference": ANNEX_III,
        "framework": EU,
        "date_id": "annex-iii-high-risk",
        "event": "High-risk obligations apply to Annex III systems",
        "legal_status": "law",
    }
    assert not any(f[:3] == FRIA for f in findings(document))
    assert document["summary"]["upcoming"] == len(document["upcoming"]) >= 1
    failed, waived, upcoming, _ = _counts(document)
    assert f"{failed} failing, {waived} waived, {upcoming} upcoming, " in result.stderr
    # the same run without RISK-02: the same findings and the same exit code
    without = copy_sample(tmp_path / "without")
    (without / "policies/rules/RISK-02-fria.yaml").unlink()
    other, reference = check_json(without, "--as-of", "2026-12-01")
    assert findings(reference) == findings(document)
    assert (result.exit_code, other.exit_code) == (1, 1)
    assert _upcoming(reference) == set()
    for threshold in ("critical", "high", "low", "never"):
        options = ("--as-of", "2026-12-01", "--fail-on", threshold)
        assert (
            check_json(REPO_ROOT, *options)[0].exit_code
            == check_json(without, *options)[0].exit_code
        ), threshold


def test_on_the_annex_iii_date_the_missing_fria_is_a_failure() -> None:
    _, before = check_json(REPO_ROOT, "--as-of", "2027-12-01")
    assert FRIA in _upcoming(before)
    result, document = check_json(REPO_ROOT, "--as-of", "2027-12-02")
    assert (*FRIA, "fail") in findings(document)
    assert FRIA not in _upcoming(document)
    assert result.exit_code == 1
    entry = next(f for f in document["findings"] if (f["rule"], f["subject"]) == FRIA[::2])
    assert (entry["severity"], entry["waiver"]) == ("high", None)


def test_the_text_output_has_a_section_of_what_is_upcoming() -> None:
    result = invoke("--repo", REPO_ROOT, "check", "--no-cache", "--as-of", "2026-12-01")
    out = result.stdout
    findings_part, heading, section = out.partition("\nUpcoming: not yet mandatory\n")
    assert heading, out
    assert "RISK-02-fria" not in findings_part
    first, when = section.splitlines()[:2]
    assert first.startswith("  inventory/models/credit-scoring.yaml:")
    assert "  high  RISK-02-fria  Model credit-scoring: " in first
    assert when == (
        f"      from 2027-12-02 ({ANNEX_III}: High-risk obligations apply to Annex III systems)"
    )
    assert "      fix: Carry out the assessment" in section


# -- an organisation's own rule: warn first, enforce from a date --------------------------------


@pytest.fixture
def dated(tmp_path: Path) -> Path:
    """The minimal repository with a model that fails its rule (no runbook)."""
    root = write_minirepo(tmp_path / "repo")
    (root / "inventory/models/m2.yaml").write_text(development_model("m2", "Churn model"), "utf-8")
    return root


def _rule_from(root: Path, value: str) -> None:
    edit(root / RULE, "severity: high\n", f"severity: high\napplies_from: {value}\n")


def _control_from(root: Path, value: str) -> None:
    edit(
        root / CONTROL,
        "verification: automated\n",
        f"verification: automated\napplies_from: {value}\n",
    )


def test_a_rule_of_our_own_warns_before_its_date_and_fails_on_it(dated: Path) -> None:
    _rule_from(dated, "2027-01-15")
    result, document = check_json(dated, "--as-of", "2027-01-14")
    assert (result.exit_code, findings(document), _upcoming(document)) == (0, set(), {M2})
    assert document["upcoming"][0]["applies_from"] == {
        "date": "2027-01-15",
        "reference": "2027-01-15",
        "framework": None,
        "date_id": None,
        "event": None,
        "legal_status": "law",
    }
    assert _counts(document) == (0, 0, 1, 1)
    assert "0 failing, 0 waived, 1 upcoming, 1 passing results of 1 rules" in result.stderr
    # no threshold makes it fail the run: no red CI on the day the rule is merged
    for threshold in ("info", "high"):
        assert check_json(dated, "--as-of", "2027-01-14", "--fail-on", threshold)[0].exit_code == 0
    text = invoke("--repo", dated, "check", "--no-cache", "--as-of", "2027-01-14").stdout
    assert text.startswith("Upcoming: not yet mandatory\n  inventory/models/m2.yaml:1:1  high  ")
    assert "\n      from 2027-01-15\n" in text
    # on the day, an ordinary failure
    result, document = check_json(dated, "--as-of", "2027-01-15")
    assert (result.exit_code, findings(document), _upcoming(document)) == (
        1,
        {(*M2, "fail")},
        set(),
    )
    assert "1 failing, 0 waived, 1 passing results of 1 rules" in result.stderr


def test_a_control_date_applies_to_its_rules(dated: Path) -> None:
    _control_from(dated, "2027-01-15")
    _, document = check_json(dated, "--as-of", "2027-01-14")
    assert _upcoming(document) == {M2}
    assert document["upcoming"][0]["applies_from"]["date"] == "2027-01-15"
    assert document["rules"][0]["applies_from"]["date"] == "2027-01-15"
    _, document = check_json(dated, "--as-of", "2027-01-15")
    assert findings(document) == {(*M2, "fail")}


@pytest.mark.parametrize(
    ("rule", "control", "upcoming"),
    [
        ("2028-03-01", "2027-01-15", True),  # the rule's later date wins
        ("2026-12-01", "2028-01-01", False),  # the rule's earlier date wins
    ],
)
def test_a_rules_own_date_wins_over_its_controls(
    dated: Path, rule: str, control: str, upcoming: bool
) -> None:
    _rule_from(dated, rule)
    _control_from(dated, control)
    _, document = check_json(dated, "--as-of", "2027-06-01")
    assert _upcoming(document) == ({M2} if upcoming else set())
    assert findings(document) == (set() if upcoming else {(*M2, "fail")})
    assert document["rules"][0]["applies_from"]["date"] == rule


OPS_02 = """\
apiVersion: governance/v1
kind: Control
id: OPS-02
title: Every model is inventoried
description: The inventory lists every model.
owner: ml-platform
verification: automated
mappings:
  - {framework: fw, clause: "C.1"}
"""


def test_a_rule_with_a_control_in_force_is_in_force(dated: Path) -> None:
    (dated / "policies/controls/OPS-02.yaml").write_text(OPS_02, encoding="utf-8")
    _control_from(dated, "2027-01-15")
    edit(dated / RULE, "controls: [OPS-01]", "controls: [OPS-01, OPS-02]")
    result, document = check_json(dated, "--as-of", "2027-01-14")
    assert (result.exit_code, findings(document), _upcoming(document)) == (
        1,
        {(*M2, "fail")},
        set(),
    )
    assert document["rules"][0]["applies_from"] is None


PROPOSED = """\
dates:
  - id: proposed-limit
    event: "Runbooks required (proposed)"
    date: 2026-06-01
    legal_status: proposal
    source: {url: "https://example.com/framework/draft", reference: "Draft amendment 1"}
    verified_on: 2026-05-01
clauses:
"""


def test_a_proposed_date_stays_upcoming_after_the_date(dated: Path) -> None:
    edit(dated / FRAMEWORK, "clauses:\n", PROPOSED)
    _rule_from(dated, "{framework: fw, date: proposed-limit}")
    assert invoke("--repo", dated, "validate", "--no-cache").exit_code == 0
    result, document = check_json(dated, "--as-of", "2026-11-26")
    assert (result.exit_code, _upcoming(document)) == (0, {M2})
    source = document["upcoming"][0]["applies_from"]
    assert (source["reference"], source["legal_status"]) == ("fw#proposed-limit", "proposal")
    text = invoke("--repo", dated, "check", "--no-cache", "--as-of", "2030-01-01").stdout
    assert (
        "      from 2026-06-01 if adopted (fw#proposed-limit: Runbooks required (proposed); "
        "proposed, not yet law)\n"
    ) in text
    # once the date is law, the failure is mandatory
    edit(dated / FRAMEWORK, "legal_status: proposal", "legal_status: law")
    result, document = check_json(dated, "--as-of", "2026-11-26")
    assert (result.exit_code, findings(document)) == (1, {(*M2, "fail")})


# -- references that name nothing ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("where", "value", "named", "message"),  # named: the text the position points at
    [
        (
            RULE,
            "{framework: nope, date: x}",
            "nope,",
            "Rule.applies_from.framework: unknown framework 'nope'",
        ),
        (
            RULE,
            "{framework: fw, date: annex-iii}",
            "annex-iii}",
            "Rule.applies_from.date: framework 'fw' has no date 'annex-iii' "
            "(use one of: proposed-limit)",
        ),
        (
            CONTROL,
            "{framework: fw, date: annex-iii}",
            "annex-iii}",
            "Control.applies_from.date: framework 'fw' has no date 'annex-iii' "
            "(use one of: proposed-limit)",
        ),
    ],
)
def test_a_reference_that_names_nothing_is_a_problem_with_its_place(
    dated: Path, where: str, value: str, named: str, message: str
) -> None:
    edit(dated / FRAMEWORK, "clauses:\n", PROPOSED)
    (_rule_from if where == RULE else _control_from)(dated, value)
    line, column = position(dated / where, named)
    problem = f"{where}:{line}:{column}: {message}"
    result = invoke("--repo", dated, "validate", "--no-cache")
    assert result.exit_code == 1
    assert problem in result.stdout
    checked = invoke("--repo", dated, "check", "--no-cache", "--as-of", "2026-11-26")
    assert checked.exit_code == 2
    assert checked.stdout == ""
    assert "error: 1 validation problem(s) in working tree; rules were not evaluated" in (
        checked.stderr
    )
    assert problem in checked.stderr
    assert "Traceback" not in checked.stderr
