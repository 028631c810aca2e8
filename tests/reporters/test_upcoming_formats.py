"""Every check format shows upcoming results (failures of a rule not yet enforced) in a
place of their own, without failing anything; on the date they are ordinary failures.

One ``check`` run on the sample writes every format to a file: at 2026-12-01 RISK-02's
missing impact assessment of credit-scoring is upcoming (the EU AI Act's Annex III date is
2027-12-02), at 2027-12-02 it fails.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from junitparser import Failure, JUnitXml, Skipped
from markdown_it import MarkdownIt
from support.cli import invoke
from support.markdown import tables
from support.repos import REPO_ROOT
from support.schemas import load_schema, messages, sarif_errors, sarif_validator, validator_for

from compliance_tool.reporters import CHECK_REPORTERS

RULE, SUBJECT = "RISK-02-fria", "credit-scoring"
ANNEX_III = "eu-ai-act-2024-1689#annex-iii-high-risk"
ANNEX_III_SHOWN = ANNEX_III.replace("#", "#\u200b")
"""As a Markdown cell shows it: a zero-width space keeps GitHub from reading ``#annex``."""
EVENT = "High-risk obligations apply to Annex III systems"
BEFORE, ON = "2026-12-01", "2027-12-02"
TEXT_FILE = "check.txt"
"""Where the run writes its text format: every other format goes to ``check.FORMAT``."""


def _run(folder: Path, as_of: str) -> tuple[int, dict[str, str]]:
    """``check --as-of AS_OF`` on the sample writing every format into ``folder``: the exit
    code and each format's text."""
    targets = {name: folder / f"check.{name}" for name in CHECK_REPORTERS}
    targets["text"] = folder / TEXT_FILE
    options = [f"--format={name}={path}" for name, path in targets.items()]
    result = invoke("--repo", REPO_ROOT, "check", "--no-cache", "--as-of", as_of, *options)
    assert result.exit_code in (0, 1), result.stderr
    return result.exit_code, {n: p.read_text(encoding="utf-8") for n, p in targets.items()}


@pytest.fixture(scope="module")
def before(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, str]]:
    return _run(tmp_path_factory.mktemp("before"), BEFORE)


@pytest.fixture(scope="module")
def on(tmp_path_factory: pytest.TempPathFactory) -> tuple[int, dict[str, str]]:
    return _run(tmp_path_factory.mktemp("on"), ON)


def test_every_format_was_written(before: tuple[int, dict[str, str]]) -> None:
    code, outputs = before
    assert code == 1  # the planted failures; the upcoming result changes nothing
    assert sorted(outputs) == sorted(CHECK_REPORTERS)
    assert all(RULE in text for text in outputs.values())


def test_json_lists_it_under_upcoming_and_validates(before: tuple[int, dict[str, str]]) -> None:
    document = json.loads(before[1]["json"])
    validator = validator_for(load_schema(REPO_ROOT / "schemas/check-result.schema.json"))
    assert messages(validator, document) == []
    (entry,) = [u for u in document["upcoming"] if u["rule"] == RULE]
    assert (entry["status"], entry["subject"], entry["waiver"]) == ("upcoming", SUBJECT, None)
    assert entry["applies_from"]["reference"] == ANNEX_III
    assert entry["applies_from"]["date"] == ON
    assert entry["details"] == [
        {"field": "risk.eu_ai_act.fria", "message": "is missing", "line": 16, "column": 5}
    ]
    assert not [f for f in document["findings"] if f["rule"] == RULE]
    summary = document["summary"]
    assert summary["upcoming"] == len(document["upcoming"])
    assert summary["passed"] == summary["results"] - len(document["findings"]) - len(
        document["upcoming"]
    )
    rule = next(r for r in document["rules"] if r["id"] == RULE)
    assert rule["applies_from"] == entry["applies_from"]
    # the schema holds upcoming entries to their shape
    for change in (
        {"status": "fail"},
        {"applies_from": None},
        {"waiver": "W-1"},
        {"applies_from": {**entry["applies_from"], "legal_status": "rumour"}},
    ):
        broken = json.loads(before[1]["json"])
        broken["upcoming"][0].update(change)
        assert messages(validator, broken), change


def test_sarif_shows_it_as_a_note_with_its_date(
    before: tuple[int, dict[str, str]], on: tuple[int, dict[str, str]]
) -> None:
    validator = sarif_validator()
    document = json.loads(before[1]["sarif"])
    assert sarif_errors(validator, document) == []
    (entry,) = [r for r in document["runs"][0]["results"] if r["ruleId"] == RULE]
    assert entry["level"] == "note"
    assert "suppressions" not in entry
    assert entry["message"]["text"].endswith(
        f"\nNot yet mandatory: a failure from {ON} ({ANNEX_III}: {EVENT})."
    )
    assert entry["properties"]["status"] == "upcoming"
    assert entry["properties"]["applies_from"]["reference"] == ANNEX_III
    # on the date: the same result (same fingerprint) at the level of its severity
    after = json.loads(on[1]["sarif"])
    assert sarif_errors(validator, after) == []
    (failure,) = [r for r in after["runs"][0]["results"] if r["ruleId"] == RULE]
    assert failure["level"] == "error"
    assert "status" not in failure["properties"]
    assert failure["partialFingerprints"] == entry["partialFingerprints"]


def _case(text: str) -> Any:
    suite = next(s for s in JUnitXml.fromstring(text.encode("utf-8")) if s.name == RULE)
    return next(c for c in suite if c.name == f"Model {SUBJECT}")


def test_junit_skips_it_naming_the_date(
    before: tuple[int, dict[str, str]], on: tuple[int, dict[str, str]]
) -> None:
    document = json.loads(before[1]["json"])
    xml = JUnitXml.fromstring(before[1]["junit"].encode("utf-8"))
    assert xml.failures == document["summary"]["failed"]
    assert xml.skipped == document["summary"]["waived"] + document["summary"]["upcoming"]
    (skipped,) = _case(before[1]["junit"]).result
    assert isinstance(skipped, Skipped)
    assert skipped.type == "upcoming"
    assert skipped.message == (
        f"upcoming: not yet mandatory, a failure from {ON} ({ANNEX_III}: {EVENT})"
    )
    assert "risk.eu_ai_act.fria: is missing" in (skipped.text or "")
    (failure,) = _case(on[1]["junit"]).result
    assert isinstance(failure, Failure)
    assert failure.type == "high"


def test_github_makes_it_a_notice(
    before: tuple[int, dict[str, str]], on: tuple[int, dict[str, str]]
) -> None:
    (line,) = [line for line in before[1]["github"].splitlines() if f"title={RULE}" in line]
    assert line.startswith(
        f"::notice file=inventory/models/credit-scoring.yaml,line=16,col=5,"
        f"title={RULE} (upcoming%2C from {ON})::Model {SUBJECT}: "
    )
    assert f"%0ANot yet mandatory: a failure from {ON} ({ANNEX_III}: {EVENT}).%0AFix: " in line
    (later,) = [line for line in on[1]["github"].splitlines() if f"title={RULE}" in line]
    assert later.startswith("::error ") and f"title={RULE} (high)::" in later


def test_markdown_says_what_becomes_mandatory_and_when(
    before: tuple[int, dict[str, str]], on: tuple[int, dict[str, str]]
) -> None:
    text = before[1]["markdown"]
    document = json.loads(before[1]["json"])
    verdict = text.splitlines()[3]
    summary = document["summary"]
    assert verdict.startswith(
        f"❌ {summary['failed']} failing, {summary['waived']} waived, "
        f"{summary['upcoming']} upcoming — 56 rules, as of {BEFORE}"
    )
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    html = parser.render(text)
    assert "<h3>What becomes mandatory, and when</h3>" in html
    upcoming = tables(html).tables[-1]
    assert upcoming[0] == [
        "From",
        "What the date is",
        "Severity",
        "Rule",
        "Subject",
        "Location",
        "Problem",
        "What to fix",
    ]
    row = next(r for r in upcoming[1:] if r[3] == RULE)
    assert row[:6] == [
        ON,
        f"{ANNEX_III_SHOWN}: {EVENT}",
        "high",
        RULE,
        f"Model {SUBJECT}",
        "inventory/models/credit-scoring.yaml#L16",
    ]
    # on the date it is among the failing, and the section is gone
    assert "What becomes mandatory" not in on[1]["markdown"]
    failing = tables(parser.render(on[1]["markdown"])).tables[1]
    assert any(r[1] == RULE and r[2] == f"Model {SUBJECT}" for r in failing[1:])


def test_text_has_its_own_section_after_the_findings(before: tuple[int, dict[str, str]]) -> None:
    text = before[1]["text"]
    findings, _, section = text.partition("\nUpcoming: not yet mandatory\n")
    assert section and RULE not in findings
    assert (
        f"  inventory/models/credit-scoring.yaml:16:5  high  {RULE}  Model {SUBJECT}: " in section
    )
    assert f"\n      from {ON} ({ANNEX_III}: {EVENT})\n" in section
