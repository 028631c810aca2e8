"""The Markdown pull-request comment, checked as rendered by a CommonMark + GFM-table parser."""

from __future__ import annotations

import dataclasses
import re

from markdown_it import MarkdownIt
from support.markdown import Tables, tables

from compliance_tool.checks.engine import CheckResult, Result, Status
from compliance_tool.reporters import markdown


def _html(text: str) -> str:
    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    return parser.render(text)


def _tables(text: str) -> Tables:
    return tables(_html(text))


def test_verdict_counts_failing_and_waived(checked: CheckResult) -> None:
    lines = markdown.render_check(checked).splitlines()
    assert lines[:4] == [
        "<!-- compliance-tool:check -->",
        "## Compliance check",
        "",
        "❌ 3 failing, 1 waived — 11 rules, as of 2026-11-26, working tree",
    ]
    in_git = dataclasses.replace(checked, commit="0123456789abcdef" * 2 + "01234567")
    assert "as of 2026-11-26, commit `0123456789ab`" in markdown.render_check(in_git)
    passing = dataclasses.replace(
        checked, results=tuple(r for r in checked.results if r.status is not Status.FAIL)
    )
    assert markdown.verdict(passing).startswith("✅ 0 failing, 1 waived — ")


def test_tables_of_counts_failing_and_waived(checked: CheckResult) -> None:
    counts, failing, waived = _tables(markdown.render_check(checked)).tables
    assert counts == [
        ["Severity", "Failing", "Waived"],
        ["critical", "0", "0"],
        ["high", "1", "1"],
        ["medium", "1", "0"],
        ["low", "1", "0"],
        ["info", "0", "0"],
    ]
    assert failing[0] == ["Severity", "Rule", "Subject", "Location", "Problem", "What to fix"]
    assert [row[:4] for row in failing[1:]] == [
        ["high", "EXT-01-contract-current", "Person cvendor", "inventory/people/cvendor.yaml#L8"],
        [
            "medium",
            "ONC-01-rotation-escalation",
            "Rotation ml-oncall",
            "inventory/rotations/ml-oncall.yaml#L8",
        ],
        ["low", "DAT-04-retention", "Dataset events-raw", "inventory/datasets/events-raw.yaml#L1"],
    ]
    ext = failing[1]
    finding = next(f for f in checked.findings if f.rule == "EXT-01-contract-current")
    assert ext[4] == (
        f"{finding.message}\naffiliation.contract_end: 2026-06-30 is before 2026-11-26"
    )
    assert ext[5] == checked.rule("EXT-01-contract-current").remediation
    assert waived == [
        ["Severity", "Rule", "Subject", "Location", "Waiver", "Expires"],
        [
            "high",
            "MON-01-drift-thresholds",
            "Model m1",
            "inventory/models/m1.yaml#L19",
            "W-2026-014",
            "2026-12-31",
        ],
    ]
    assert "`inventory/people/cvendor.yaml#L8`" in markdown.render_check(checked)


def test_user_text_is_escaped(checked: CheckResult) -> None:
    finding = next(f for f in checked.findings if f.rule == "EXT-01-contract-current")
    subject = "a|b <b>bold</b>"
    message = "uses | pipes, <b>tags</b>, *stars*, [a](http://x) @team #12 & `ticks`\\"
    remediation = "run `rm -rf` | then <script>alert(1)</script> ~~gone~~ $x$"
    odd = dataclasses.replace(finding, subject=subject, message=message)
    rules = tuple(
        dataclasses.replace(r, remediation=remediation) if r.id == finding.rule else r
        for r in checked.rules
    )
    result = dataclasses.replace(checked, rules=rules, results=(odd,))
    text = markdown.render_check(result)
    parsed = _tables(text)
    (row,) = parsed.tables[1][1:]
    assert len(row) == 6
    assert row[2] == f"Person {subject}"
    assert row[4].split("\n")[0] == message.replace("@", "@\u200b").replace("#", "#\u200b")
    assert row[5] == remediation
    assert parsed.tags.isdisjoint({"b", "script", "a", "em", "s", "del"})
    assert "<code>a|b &lt;b&gt;bold&lt;/b&gt;</code>" in _html(text)


def test_escape_and_code_helpers() -> None:
    assert markdown.escape("a|b") == "a\\|b"
    assert markdown.escape("x\ny") == "x<br>y"
    assert markdown.escape("@team") == "@&#8203;team"
    assert markdown.code("a|b") == "`a\\|b`"
    assert markdown.code("a`b") == "``a`b``"
    assert markdown.code("a\\|b") == "a\\\\\\|b"  # a code span cannot hold a backslash-pipe


def _many(checked: CheckResult, count: int) -> CheckResult:
    finding = next(f for f in checked.findings if f.status is Status.FAIL)
    results: list[Result] = [
        dataclasses.replace(finding, subject=f"subject-{n:03d}") for n in range(count)
    ]
    return dataclasses.replace(checked, results=tuple(results))


def test_long_tables_fold_into_details(checked: CheckResult) -> None:
    folded = markdown.render_check(_many(checked, markdown.FOLD_AFTER + 1))
    assert re.search(r"^<details><summary>21 failing findings</summary>$", folded, re.M)
    assert len(_tables(folded).tables[1]) == 1 + 21  # the table still renders inside
    flat = markdown.render_check(_many(checked, markdown.FOLD_AFTER))
    assert "<details>" not in flat
    assert len(_tables(flat).tables[1]) == 1 + 20


def test_very_long_tables_are_cut(checked: CheckResult) -> None:
    text = markdown.render_check(_many(checked, markdown.MAX_ROWS + 5))
    assert len(_tables(text).tables[1]) == 1 + markdown.MAX_ROWS
    assert "… and 5 more failing findings" in text
