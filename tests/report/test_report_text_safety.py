"""Text from the repository cannot mislead the report's reader: `report` refuses an
inventory whose names hold bidi controls or lookalike letters (validation), and the
template isolates every value and names people with their ids, so that even text that got
past validation cannot reorder the rest of a line or pass for someone else.

The probe's three examples in one copy of the sample: an unclosed RIGHT-TO-LEFT OVERRIDE
in Anna Smith's name (second in an escalation chain), a model named
'Graph scoring \\u202egnirocs-tiderc', and Ravi Patel (external deputy of a model whose
rollback authority is Tobias Bauer) renamed 'Tobiаs Bauer' with a Cyrillic 'а'. The PDF is
rendered in-process from the real section builders, past validation, and read back with
pdftotext."""

from __future__ import annotations

import dataclasses
import datetime as dt
from pathlib import Path

import pytest
from support.cli import process_env, run_tool
from support.git import commit_all, git
from support.pdf import flat, pdftotext, weasyprint_quiet
from support.repos import AS_OF, AS_OF_TEXT, copy_sample, edit

from compliance_tool.audit.verify import input_digests
from compliance_tool.checks.coverage import compute_coverage
from compliance_tool.checks.engine import Engine
from compliance_tool.report.document import ReportSettings, build_context
from compliance_tool.report.render import render_html, render_pdf
from compliance_tool.repository.session import Where, open_inventory

RLO = "\u202e"
LOOKALIKE = "Tobi\u0430s Bauer"  # a Cyrillic 'а'


@dataclasses.dataclass(frozen=True)
class Misleading:
    root: Path
    env: dict[str, str]


@pytest.fixture(scope="module")
def misleading(tmp_path_factory: pytest.TempPathFactory) -> Misleading:
    """The sample with the three examples, committed."""
    base = tmp_path_factory.mktemp("misleading")
    env = process_env(base / "home")
    root = copy_sample(base / "northmoor", config=True)
    edit(root / "inventory/people/asmith.yaml", "name: Anna Smith\n", f"name: Anna {RLO}Smith\n")
    edit(root / "inventory/people/rpatel.yaml", "name: Ravi Patel\n", f"name: {LOOKALIKE}\n")
    model = root / "inventory/models/transaction-graph-fraud.yaml"
    name = next(t for t in model.read_text("utf-8").splitlines() if t.startswith("name: "))
    edit(model, name + "\n", 'name: "Graph scoring \\u202egnirocs-tiderc"\n')
    (root / ".gitignore").write_text(".compliance-cache/\n.compliance-keys/\n", encoding="utf-8")
    git(root, "init", "-q", env=env)
    commit_all(root, "Northmoor Bank inventory, with misleading names", env)
    return Misleading(root, env)


@pytest.fixture(scope="module")
def rendered(misleading: Misleading) -> str:
    """The report of :func:`misleading` rendered past validation, as pdftotext reads it."""
    inventory = open_inventory(Where(misleading.root, None, use_cache=False))
    check = Engine(inventory, AS_OF).run()
    settings = ReportSettings(
        organisation="Northmoor Bank",
        title="AI portfolio compliance report",
        signer="not signed",
        development_key=False,
        meaning="Compliance report of the AI portfolio",
        detail_limit=25,
    )
    manifest = {
        "tool": {"name": "compliance-tool", "version": "0"},
        "commit": None,
        "tree": None,
        "as_of": AS_OF_TEXT,
        **input_digests(inventory.source),
        "findings_sha256": "0" * 64,
    }
    context = build_context(
        inventory, check, compute_coverage(inventory, check), settings, manifest
    )
    moment = dt.datetime(2026, 11, 26, tzinfo=dt.UTC)
    with weasyprint_quiet():
        pdf = render_pdf(render_html(context), {}, moment, "text-safety")
    path = misleading.root.parent / "report.pdf"
    path.write_bytes(pdf)
    return flat(pdftotext(path, "-layout"))


def test_an_override_in_a_name_does_not_reverse_the_escalation(rendered: str) -> None:
    assert "setunim" not in rendered  # no 'minutes' read backwards anywhere
    # the name itself shows as its characters say; what follows it is in reading order
    # (the line wraps beside the row's label: "... level 3 → Helena Escalation Lindqvist")
    assert (
        "level 1 → the rotation; level 2 → Anna htimS (asmith) after 15 minutes; level 3 → Helena"
    ) in rendered
    assert "Lindqvist (hlindqvist) after 45 minutes" in rendered


def test_people_with_lookalike_names_are_told_apart_by_id(rendered: str) -> None:
    assert (
        f"Rollback authority Tobias Bauer (tbauer) staff; deputies: {LOOKALIKE} (rpatel) "
        "external · Lattice MLOps Ltd"
    ) in rendered


def test_a_model_name_with_an_override_shows_as_another_name(rendered: str) -> None:
    """Why validation must refuse it: isolation keeps the override inside the name, but
    the name itself reads 'credit-scoring' in the PDF, backwards from what the file says."""
    assert "Graph scoring credit-scoring" in rendered
    assert "gnirocs-tiderc" not in rendered


def test_report_refuses_names_that_mislead(misleading: Misleading) -> None:
    out = misleading.root.parent / "refused" / "report.pdf"
    done = run_tool(
        misleading.env,
        "--repo",
        misleading.root,
        "report",
        "--unsigned",
        "--as-of",
        AS_OF_TEXT,
        "--output",
        out,
    )
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    assert "3 validation problem(s) in" in done.stderr
    assert (
        "inventory/models/transaction-graph-fraud.yaml:5:7: Model.name: value 'Graph scoring "
        "\\u202egnirocs-tiderc' holds a bidi control"
    ) in done.stderr
    assert "it is shown as 'Graph scoring credit-scoring'" in done.stderr
    assert "inventory/people/asmith.yaml:" in done.stderr
    assert f"Person.name: '{LOOKALIKE}' mixes Latin and Cyrillic" in done.stderr
    assert "it looks like 'Tobias Bauer' (inventory/people/tbauer.yaml)" in done.stderr
    assert RLO not in done.stderr  # the messages show the control as an escape
    assert not out.exists()
    assert not out.parent.exists() or list(out.parent.iterdir()) == []
