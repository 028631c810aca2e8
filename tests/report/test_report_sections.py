"""The report's sections as typed values: what build_context gathers from the sample
working tree, before any rendering (fast: no PDF is made here)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path
from typing import Any

import jinja2
import jinja2.meta
import pytest

from compliance_tool.checks.coverage import ControlStatus, Coverage, compute_coverage
from compliance_tool.checks.engine import CheckResult
from compliance_tool.checks.pipeline import evaluate
from compliance_tool.report.document import ReportContext, ReportSettings, build_context
from compliance_tool.report.render import render_html
from compliance_tool.report.sections.common import attention_rows
from compliance_tool.report.sections.controls import CSS_OF_STATUS
from compliance_tool.reporters.coverage import coverage_document
from compliance_tool.repository.kinds import Kind, Lifecycle
from compliance_tool.repository.loader import Inventory
from compliance_tool.repository.session import Where, open_inventory

PROJECT = Path(__file__).resolve().parents[2]
AS_OF = dt.date(2026, 11, 26)
TEMPLATE = PROJECT / "compliance_tool" / "report" / "templates" / "report.html.j2"


@dataclasses.dataclass(frozen=True)
class Evaluation:
    inventory: Inventory
    check: CheckResult
    coverage: Coverage
    manifest: dict[str, Any]


@pytest.fixture(scope="module")
def evaluation() -> Evaluation:
    from compliance_tool.audit.verify import input_digests

    inventory = open_inventory(Where(PROJECT, None, use_cache=False))
    check = evaluate(inventory, AS_OF).check
    manifest = {
        "version": 1,
        "tool": {"name": "compliance-tool", "version": "0"},
        "organisation": "Northmoor Bank",
        "commit": None,
        "tree": None,
        "as_of": AS_OF.isoformat(),
        **input_digests(inventory.source),
        "findings_sha256": "0" * 64,
    }
    return Evaluation(inventory, check, compute_coverage(inventory, check), manifest)


def settings(detail_limit: int = 25) -> ReportSettings:
    return ReportSettings(
        organisation="Northmoor Bank",
        title="AI portfolio compliance report",
        signer="not signed",
        development_key=False,
        meaning="Compliance report of the AI portfolio",
        detail_limit=detail_limit,
    )


def context_of(evaluation: Evaluation, detail_limit: int = 25) -> ReportContext:
    return build_context(
        evaluation.inventory,
        evaluation.check,
        evaluation.coverage,
        settings(detail_limit),
        evaluation.manifest,
        None,
    )


def test_the_context_is_frozen_section_by_section(evaluation: Evaluation) -> None:
    context = context_of(evaluation)
    for field in dataclasses.fields(context):
        section = getattr(context, field.name)
        if section is None:  # history: the working tree has none
            assert field.name == "history"
            continue
        assert dataclasses.is_dataclass(section) or isinstance(section, tuple), field.name
    with pytest.raises(dataclasses.FrozenInstanceError):
        context.cover.title = "changed"  # type: ignore[misc]
    first = context.waivers.rows[0]
    with pytest.raises(dataclasses.FrozenInstanceError):
        first.state = "in force"  # type: ignore[misc]


def test_the_template_reads_exactly_the_sections(evaluation: Evaluation) -> None:
    """Every top-level name of the template is a section (or the stylesheet), and every
    section is shown."""
    source = TEMPLATE.read_text(encoding="utf-8")
    names = jinja2.meta.find_undeclared_variables(jinja2.Environment().parse(source))
    sections = {f.name for f in dataclasses.fields(ReportContext)}
    assert names == sections | {"css"}
    html = render_html(context_of(evaluation))
    assert "No commits in the period" not in html  # no history section without a commit
    assert '<h1 id="provenance">Provenance</h1>' in html


def test_the_summary_counts_what_the_check_found(evaluation: Evaluation) -> None:
    context = context_of(evaluation)
    failing = evaluation.check.failing()
    models = evaluation.inventory.records(Kind.MODEL)
    assert context.summary.failing_count == len(failing) == context.findings.failing_count
    assert sum(row.fail for row in context.summary.severity_rows) == len(failing)
    assert sum(row.total for row in context.summary.lifecycle_rows) == len(models)
    assert context.inventory.count == len(models) == len(context.inventory.rows)
    assert context.cover.verdict.startswith(f"{len(failing)} unwaived findings")


def test_coverage_section_and_coverage_json_agree(evaluation: Evaluation) -> None:
    """Both are made from checks.coverage.coverage_rows: same controls, same statuses."""
    section = context_of(evaluation).coverage
    document = coverage_document(evaluation.coverage, evaluation.check)
    assert [(c.id, c.status) for c in section.controls] == [
        (c["id"], c["status"]) for c in document["controls"]
    ]
    for entry, row in zip(section.controls, document["controls"], strict=True):
        assert entry.css == CSS_OF_STATUS[ControlStatus(row["status"])]
        shown = [f for f in entry.failing if not f.startswith("and ")]
        assert shown == row["failing"][:5]
    shown = {f.id: [(c.id, c.status) for c in f.clauses] for f in section.frameworks}
    historical = {f.id: [(c.id, c.status) for c in f.clauses] for f in section.historical}
    assert list(historical) == ["sr-11-7"] and not set(shown) & set(historical)
    assert {**shown, **historical} == {
        f["id"]: [(c["id"], c["status"]) for c in f["clauses"]] for f in document["frameworks"]
    }
    assert {status for clauses in historical.values() for _, status in clauses} == {"historical"}


def test_a_detail_limit_keeps_the_models_that_need_attention(evaluation: Evaluation) -> None:
    production = [
        m
        for m in evaluation.inventory.records(Kind.MODEL)
        if m.data.get("lifecycle") == Lifecycle.PRODUCTION.value
    ]
    everyone = context_of(evaluation)
    assert [s.id for s in everyone.models] == [m.id for m in production]
    assert everyone.inventory.summarised == ()
    two = context_of(evaluation, detail_limit=2)
    assert len(two.models) == 2
    assert [s.id for s in two.models] == sorted(s.id for s in two.models)
    assert all(s.findings or s.tier == "high" for s in two.models)
    assert len(two.inventory.summarised) == len(production) - 2
    assert {m.id for m in two.inventory.summarised}.isdisjoint(s.id for s in two.models)


@dataclasses.dataclass(frozen=True, slots=True)
class Row:
    name: str
    failing: int


def test_long_listings_keep_the_rows_that_need_attention() -> None:
    rows = [Row(f"r{i}", i % 4) for i in range(12)]
    assert attention_rows(rows, 12, lambda r: r.failing) == tuple(rows)
    kept = attention_rows(rows, 5, lambda r: r.failing)
    assert len(kept) == 5
    assert all(r.failing for r in kept)
    assert [r.failing for r in kept if r.failing == 3] == [3, 3, 3]  # the most failing first
    assert list(kept) == [r for r in rows if r in kept]  # in their original order
