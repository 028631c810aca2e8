"""What the report tells a risk officer about the frameworks it grades against, read back
from the PDF (pdftotext -layout) and, where the layout of a table cell would make the text
ambiguous, from the HTML of the same sections: each framework's provenance, historical
frameworks apart and ungraded, provisional clauses marked beside their grade, the
rationales of mappings, one statement of what "covered" means, and what becomes mandatory
and when.

Expectations are read from the framework, control and model files of the sample.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
from support.pdf import Report, attachments, flat
from support.repos import AS_OF, REPO_ROOT, Sample

from compliance_tool.audit.verify import input_digests
from compliance_tool.checks.coverage import compute_coverage
from compliance_tool.checks.engine import CheckResult
from compliance_tool.checks.pipeline import evaluate
from compliance_tool.report.document import ReportContext, ReportSettings, build_context
from compliance_tool.report.render import render_html
from compliance_tool.repository.session import Where, open_inventory
from compliance_tool.repository.yamlio import parse_document

GRADES = ("fail", "no evidence", "waived", "upcoming", "manual with evidence", "pass")
GRADE_WORD = re.compile(r"\b(pass|fail|waived|upcoming|not covered|manual with|no evidence)\b")
HISTORICAL = ("superseded", "rescinded")
LEGAL_FORCE = {
    "law": "law: binding legislation",
    "guidance": "guidance, not law",
    "standard": "a standard, not law",
}
"""A framework's legal_status in the words the report uses."""


def _yaml(path: Path) -> dict[str, Any]:
    document = parse_document(path.read_bytes())
    assert document.data is not None and not document.issues, (path, document.issues)
    return document.data


def _records(root: Path, folder: str) -> list[dict[str, Any]]:
    return [_yaml(p) for p in sorted((root / folder).glob("*.yaml"))]


def _between(text: str, start: str, end: str) -> str:
    """The part of ``text`` from the last ``start`` to the first ``end`` after it."""
    at = text.rindex(start)
    return text[at : text.index(end, at + len(start))]


def _context(as_of: dt.date) -> tuple[ReportContext, CheckResult]:
    """The report's sections for the sample working tree, and the check they show."""
    inventory = open_inventory(Where(REPO_ROOT, None, use_cache=False))
    check = evaluate(inventory, as_of).check
    settings = ReportSettings("Northmoor Bank", "Report", "not signed", False, "Meaning")
    manifest = {
        "version": 1,
        "tool": {"name": "compliance-tool", "version": "0"},
        "organisation": "Northmoor Bank",
        "commit": None,
        "tree": None,
        "as_of": as_of.isoformat(),
        **input_digests(inventory.source),
        "findings_sha256": "0" * 64,
    }
    coverage = compute_coverage(inventory, check)
    return build_context(inventory, check, coverage, settings, manifest), check


@pytest.fixture(scope="module")
def html() -> str:
    """The report's HTML for the sample working tree at the evaluation date."""
    return render_html(_context(AS_OF)[0])


def _portfolio_classes(root: Path) -> set[str]:
    return {
        m["risk"]["eu_ai_act"]["class"]
        for m in _records(root, "inventory/models")
        if m["lifecycle"] != "retired" and m.get("risk", {}).get("eu_ai_act", {}).get("class")
    }


def _dates_ahead(root: Path, as_of: dt.date) -> list[tuple[str, dict[str, Any]]]:
    """(framework short title, date) of every date after ``as_of`` of a current framework
    that concerns a class of the portfolio's models (no ``classes``: every model)."""
    classes = _portfolio_classes(root)
    return sorted(
        (
            (framework["short_title"], date)
            for framework in _records(root, "policies/frameworks")
            if framework["status"] not in HISTORICAL
            for date in framework.get("dates") or ()
            if dt.date.fromisoformat(date["date"]) > as_of
            and ("classes" not in date or set(date["classes"]) & classes)
        ),
        key=lambda pair: (pair[1]["date"], pair[0]),
    )


# -- provenance ----------------------------------------------------------------------------


def test_each_framework_shows_where_it_comes_from(signed_report: Report, sample: Sample) -> None:
    coverage = _between(signed_report.text, "Control coverage Each control", "Findings and")
    for framework in _records(sample.root, "policies/frameworks"):
        heading = f"{framework['title']} {framework['id']} · {framework['status']}"
        part = coverage[coverage.index(heading) :][:4000]
        assert f"Version {framework['version']}" in part, framework["id"]
        assert f"Legal force {LEGAL_FORCE[framework['legal_status']]}" in part, framework["id"]
        assert framework["source"]["reference"] in part, framework["id"]
        assert framework["source"]["url"] in part, framework["id"]
        assert f"Checked against source {framework['verified_on']}" in part, framework["id"]
        for amendment in framework.get("amendments") or ():
            assert f"Amended by {amendment['id']}: {amendment['title']}" in part
            assert f"(in force {amendment['in_force']})" in part
        if "caveat" in framework:
            assert f"Caveat {' '.join(framework['caveat'].split())}" in part
    eu = coverage[coverage.index("eu-ai-act-2024-1689 · active") :]
    assert "Next date for our models 2026-12-02: New prohibited practices apply" in eu
    assert "Next date for our models none ahead that concerns the portfolio" in coverage


def test_the_report_says_once_what_a_covered_clause_means(signed_report: Report) -> None:
    statement = (
        "A clause shown as covered reflects Northmoor Bank's own mapping of its controls to "
        "clauses, not a regulator's or an auditor's judgement."
    )
    assert signed_report.text.count(statement) == 1
    coverage = _between(signed_report.text, "Control coverage Each control", "Findings and")
    assert statement in coverage
    assert coverage.index(statement) < coverage.index("eu-ai-act-2024-1689 · active")


def test_sr_11_7_is_historical_without_a_grade(
    signed_report: Report, sample: Sample, html: str
) -> None:
    text = signed_report.text
    block = _between(text, "Historical frameworks, not graded", "Findings and remediation")
    assert "sr-11-7 · rescinded" in block
    assert "Historical: rescinded on 2026-04-17, superseded by SR 26-2." in block
    assert "Its successor, SR 26-2 (sr-26-2), is graded above." in block
    assert not GRADE_WORD.search(block), GRADE_WORD.search(block)
    for clause in _yaml(sample.root / "policies/frameworks/sr-11-7.yaml")["clauses"]:
        assert clause["title"][:40] in block, clause["id"]
    # graded frameworks come before the historical block, SR 11-7 only inside it
    assert text.count("sr-11-7 · rescinded") == 1
    assert text.index("sr-26-2 · active") < text.index("Historical frameworks, not graded")
    assert html.index('id="historical"') < html.index('id="framework-sr-11-7"')
    historical = html[html.index('id="framework-sr-11-7"') :]
    historical = historical[: historical.index('<h1 id="findings">')]
    assert "<th>Status</th>" not in historical and 'class="good"' not in historical


def _provisional(root: Path) -> dict[str, list[dict[str, Any]]]:
    found: dict[str, list[dict[str, Any]]] = {}
    for framework in _records(root, "policies/frameworks"):
        for clause in framework["clauses"]:
            if clause.get("provisional") is True:
                found.setdefault(framework["id"], []).append(clause)
    assert sum(len(c) for c in found.values()) >= 6  # every SR 26-2 clause
    return found


def _rows(layout: str, framework: dict[str, Any]) -> tuple[int, dict[str, list[str]]]:
    """The column where the framework's clause table writes the status (or the controls,
    for a historical framework), and clause id -> the layout lines of its row and of its
    rationales: from the line where its title starts to the next clause's."""
    lines = layout.splitlines()
    start = next(i for i, line in enumerate(lines) if f"{framework['id']} ·" in line)
    end = next(
        i
        for i, line in enumerate(lines[start + 1 :], start + 1)
        if re.search(r" · (active|draft|superseded|rescinded)$", line)
        or line.startswith(("Historical frameworks", "Findings and remediation"))
    )
    head = next(i for i in range(start, end) if re.match(r"^Clause\s+Title\s+Controls", lines[i]))
    section = lines[head:end]
    column = max(section[0].rfind("Status"), section[0].find("Controls"))
    starts = [0]  # the header line: each clause's row follows the previous one
    for clause in framework["clauses"]:
        after = starts[-1] + 1
        starts.append(
            next(i for i in range(after, len(section)) if clause["title"][:20] in section[i])
        )
    starts = starts[1:]
    return column, {
        c["id"]: section[at:following]
        for c, at, following in zip(
            framework["clauses"], starts, [*starts[1:], len(section)], strict=True
        )
    }


def test_every_provisional_clause_is_marked_beside_its_grade(
    signed_report: Report, sample: Sample, html: str
) -> None:
    flagged = _provisional(sample.root)
    frameworks = {f["id"]: f for f in _records(sample.root, "policies/frameworks")}
    for framework_id, clauses in flagged.items():
        framework = frameworks[framework_id]
        assert framework["status"] not in HISTORICAL  # else it would not be graded at all
        status_column, rows = _rows(signed_report.layout, framework)
        for clause in framework["clauses"]:
            row = rows[clause["id"]]
            grade = row[0][status_column - 3 :].strip()
            assert grade.startswith(tuple(g.split()[0] for g in (*GRADES, "not covered"))), row
            marks = [
                line
                for line in row[1:]
                if line.rstrip().endswith(" provisional")
                and line.rindex("provisional") >= status_column - 3
            ]
            assert len(marks) == (1 if clause in clauses else 0), (clause["id"], row)
            # and in the HTML: the mark is in the status cell of the clause's row
            cell = re.search(
                rf'<tbody class="clause"><tr><td>{re.escape(clause["id"])}</td>.*?</tr>', html
            )
            assert cell is not None, clause["id"]
            assert cell.group(0).endswith('<span class="provisional">provisional</span></td></tr>')
        count = f"{len(clauses)} of its {len(framework['clauses'])} clauses are provisional"
        assert count in signed_report.text


def test_a_clause_without_the_flag_is_never_marked_provisional(html: str, sample: Sample) -> None:
    flagged = {(f, c["id"]) for f, clauses in _provisional(sample.root).items() for c in clauses}
    for framework in _records(sample.root, "policies/frameworks"):
        for clause in framework["clauses"]:
            cell = re.search(
                rf'id="framework-{re.escape(framework["id"])}".*?'
                rf'<tbody class="clause"><tr><td>{re.escape(clause["id"])}</td>.*?</tr>',
                html,
                re.S,
            )
            assert cell is not None, (framework["id"], clause["id"])
            marked = cell.group(0).endswith(
                '<span class="provisional">provisional</span></td></tr>'
            )
            assert marked is ((framework["id"], clause["id"]) in flagged)


def test_rationales_are_shown_under_their_clause(signed_report: Report, sample: Sample) -> None:
    frameworks = {f["id"]: f for f in _records(sample.root, "policies/frameworks")}
    shown = 0
    for control in _records(sample.root, "policies/controls"):
        for mapping in control["mappings"]:
            if "rationale" not in mapping:
                continue
            historical = frameworks[mapping["framework"]]["status"] in HISTORICAL
            verb = "was mapped to" if historical else "covers"
            line = f"Why {control['id']} {verb} {mapping['clause']}: "
            line += " ".join(mapping["rationale"].split())
            assert line in signed_report.text, line
            _, rows = _rows(signed_report.layout, frameworks[mapping["framework"]])
            assert f"Why {control['id']} {verb}" in flat("\n".join(rows[mapping["clause"]]))
            shown += 1
    assert shown >= 10


# -- what becomes mandatory, and when ------------------------------------------------------


def _upcoming(report: Report) -> str:
    return _between(report.text, "What becomes mandatory, and when Obligations", "History and")


def test_the_upcoming_gap_and_the_dates_ahead(signed_report: Report, sample: Sample) -> None:
    section = _upcoming(signed_report)
    gaps = _between(section, "Gaps that become findings", "Legal dates ahead")
    for word in ("2027-12-02", "in 371", "RISK-02-fria", "Model credit-scoring"):
        assert word in gaps, word
    for title, date in _dates_ahead(sample.root, AS_OF):
        assert f"{date['date']} {title} " in section, date["id"]
        assert f"{title} {date['event'][:30]}" in section, date["id"]
        assert date["source"]["reference"][:20] in section, date["id"]
    assert "National AI regulatory sandboxes" not in section  # a duty of Member States
    findings = json.loads(attachments(signed_report.pdf)["findings.json"])
    failing = {(f["rule"], f["subject"]) for f in findings["findings"] if f["status"] == "fail"}
    assert ("RISK-02-fria", "credit-scoring") not in failing
    # the summary counts it apart from the findings
    assert (
        "1 gap is not counted above: the rule that finds it applies from a later date, the "
        "first on 2027-12-02."
    ) in signed_report.text


def test_the_upcoming_section_a_few_days_later() -> None:
    as_of = dt.date(2026, 12, 1)
    context, check = _context(as_of)
    section = context.upcoming
    assert [(g.rule, g.kind, g.subject, g.date) for g in section.gaps] == [
        ("RISK-02-fria", "Model", "credit-scoring", "2027-12-02")
    ]
    gap = section.gaps[0]
    assert (gap.framework, gap.event) == (
        "EU AI Act",
        "High-risk obligations apply to Annex III systems",
    )
    assert gap.source_reference == "Regulation (EU) 2026/1744, OJ L, 2026/1744, 24.7.2026"
    assert gap.days_left == (dt.date(2027, 12, 2) - as_of).days
    expected = [(t, d["date"], d["event"]) for t, d in _dates_ahead(REPO_ROOT, as_of)]
    assert [(d.framework, d.date, d.event) for d in section.dates] == expected
    html = render_html(context)
    body = html[html.index('<h1 id="upcoming">') :]
    assert "RISK-02-fria" in body[: body.index("Legal dates ahead")]
    assert context.findings.failing_count == len(check.failing())
    assert all(r.rule != "RISK-02-fria" for r in check.failing())
    assert all(f.rule != "RISK-02-fria" for f in context.findings.each)


def test_from_the_annex_iii_date_the_gap_is_a_finding(later_report: Report) -> None:
    section = _upcoming(later_report)
    gaps = _between(section, "Gaps that become findings", "Legal dates ahead")
    assert "RISK-02-fria" not in gaps and "credit-scoring" not in gaps
    assert "None: no rule that applies from a later date finds a gap." in gaps
    findings = json.loads(attachments(later_report.pdf)["findings.json"])
    failing = {(f["rule"], f["subject"]) for f in findings["findings"] if f["status"] == "fail"}
    assert ("RISK-02-fria", "credit-scoring") in failing
    listed = _between(later_report.text, "Findings and remediation", "What becomes mandatory")
    # 75 failing results a year on: one row per failing rule, not one paragraph each
    assert "1 Model: credit-scoring" in listed and "RISK-02-fria" in listed
    dates = section[section.index("with the day it was last checked.") :]  # the table
    expected = _dates_ahead(REPO_ROOT, dt.date(2027, 12, 2))
    assert [d["id"] for _, d in expected] == ["annex-i-high-risk"]
    assert "2028-08-02 EU AI Act High-risk obligations apply to Art. 6(1)" in dates
    assert "2027-12-02" not in dates and "2026-12-02" not in dates
