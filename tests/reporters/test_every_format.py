"""Every registered format of every result type, rendered from real results of one small
git repository: each output is non-empty and a machine format parses. The CLI offers
exactly the registered names, so a format added to a registry is offered and tested."""

from __future__ import annotations

import datetime as dt
import gc
import json
import re
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
import icalendar
import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt
from support.git import BOB, Script
from support.repos import REPO_ROOT

from compliance_tool.audit.history import record_history
from compliance_tool.audit.metric_series import metric_history
from compliance_tool.audit.semantic_diff import SemanticDiff, diff_inventories, diff_results
from compliance_tool.audit.trend import Trend, compute_trend, parse_period
from compliance_tool.audit.verify import verify_report
from compliance_tool.checks.continuity import continuity
from compliance_tool.checks.coverage import CoverageResult, compute_coverage
from compliance_tool.checks.due import due
from compliance_tool.checks.facts import Facts
from compliance_tool.checks.lineage import downstream, upstream
from compliance_tool.checks.oncall import oncall
from compliance_tool.checks.pipeline import evaluate
from compliance_tool.checks.reconcile import reconcile
from compliance_tool.checks.validate import validate
from compliance_tool.cli import cli
from compliance_tool.reporters import (
    CHECK_REPORTERS,
    COVERAGE_REPORTERS,
    DIFF_REPORTERS,
    DUE_REPORTERS,
    HISTORY_REPORTERS,
    LINEAGE_REPORTERS,
    METRICS_REPORTERS,
    REGISTRIES,
    SCENARIO_REPORTERS,
    TREND_REPORTERS,
    VALIDATION_REPORTERS,
    VERIFY_REPORTERS,
    Registry,
)
from compliance_tool.repository.session import Where, changed_between, open_inventory
from compliance_tool.scenarios.runner import run_features

AS_OF = dt.date(2026, 11, 26)

FEATURE = """\
Feature: Operations
  @OPS-01
  Scenario: Production models exist
    Given the production models
    Then the selection is not empty

  @OPS-01
  Scenario: Every rotation is large
    Given the production models
    And their on-call rotations
    Then no rotation has fewer than 5 active members
"""
"""One scenario that passes and one that fails on the minimal repository."""

M2 = """\
apiVersion: governance/v1
kind: Model
id: m2
name: Churn model
version: 0.1.0
lifecycle: development
risk:
  tier: low
ownership:
  owner: asmith
  operator: bkumar
  team: ml-platform
"""
"""A model without operations: runbook-required fails for it."""

BROKEN_MODEL = "apiVersion: governance/v1\nkind: Model\nid: broken\n"
"""An uncommitted record missing its required fields: the working tree does not validate."""


def _history(root: Path) -> dict[str, str]:
    """Three commits, one a month, each changing m1 (the last adds m2, which fails a rule);
    then a broken file, not committed."""
    script = Script.minimal(root)
    commits = {"sep": script.commit("Minimal repository", "2026-09-10T09:00:00+00:00")}
    script.edit("inventory/models/m1.yaml", "version: 1.2.0", "version: 1.3.0")
    script.write("features/operations.feature", FEATURE)
    commits["oct"] = script.commit("m1 1.3.0; scenarios", "2026-10-12T09:00:00+00:00", BOB)
    script.edit("inventory/models/m1.yaml", "tier: medium", "tier: high")
    script.write("inventory/models/m2.yaml", M2)
    commits["nov"] = script.commit("m1 is high risk; m2", "2026-11-05T09:00:00+00:00")
    script.write("inventory/models/broken.yaml", BROKEN_MODEL)
    return commits


def _signed_report(root: Path, target: Path) -> Path:
    """``compliance-tool report`` at HEAD, signed with a development key."""
    args = ["--repo", str(root), "report", "--as-of", AS_OF.isoformat(), "--output", str(target)]
    with warnings.catch_warnings():
        # WeasyPrint opens its sRGB output-intent profile and never closes it
        warnings.filterwarnings(
            "ignore", message=r"unclosed file .*sRGB2014\.icc", category=ResourceWarning
        )
        result = CliRunner().invoke(cli, args, catch_exceptions=False)
        gc.collect()
    assert result.exit_code == 0, result.output
    return target


@pytest.fixture(scope="module")
def results(tmp_path_factory: pytest.TempPathFactory) -> dict[str, list[Any]]:
    """Real results of every type, by the name of their registry in REGISTRIES."""
    folder = tmp_path_factory.mktemp("every-format")
    root = folder / "repo"
    commits = _history(root)
    head = open_inventory(Where(root, "HEAD", use_cache=False))
    base = open_inventory(Where(root, commits["sep"], use_cache=False))
    check = evaluate(head, AS_OF).check
    run = run_features(root, "HEAD", AS_OF)
    facts = Facts(head, AS_OF)
    entities = diff_inventories(base, head, changed_between(root, commits["sep"], "HEAD"))
    rule_changes = diff_results(evaluate(base, AS_OF).check, check)
    period = (dt.date(2026, 9, 30), dt.date(2026, 11, 30))
    sample = open_inventory(Where(REPO_ROOT, None, use_cache=False))
    now = dt.datetime(2026, 11, 26, 12, tzinfo=dt.UTC)
    pdf = _signed_report(root, folder / "report.pdf")
    return {
        "validation": [validate(open_inventory(Where(root, None, use_cache=False)))],
        "check": [check],
        "coverage": [
            CoverageResult(compute_coverage(head, check, [r.outcome() for r in run.results]), check)
        ],
        "diff": [SemanticDiff(commits["sep"], "HEAD", tuple(entities), tuple(rule_changes), True)],
        "history": [record_history(root, "models/m1")],
        "trend": [Trend("P1M", tuple(compute_trend(root, *period, parse_period("P1M"))))],
        "lineage": [upstream(facts, "m1"), downstream(facts, "events-raw")],
        "scenarios": [run],
        "verify": [verify_report(pdf, [], root)],
        "reconcile": [reconcile(head, AS_OF)],
        "continuity": [continuity(head, AS_OF), continuity(head, AS_OF, without=("bkumar",))],
        "due": [due(head, AS_OF), due(head, AS_OF, team="ml-platform")],
        "metrics": [metric_history(root, as_of=AS_OF, period=parse_period("P1M"), points=3)],
        "oncall": [
            oncall(sample, "fraud-scoring", now, "2026-11-29T03:00"),
            oncall(sample, "ml-sre-credit", now, "2026-11-29T23:00Z"),  # nobody on call
        ],
    }


def test_the_results_are_the_ones_meant(results: dict[str, list[Any]]) -> None:
    """Each result holds something to render, so an empty output would be a renderer's."""
    assert set(results) == set(REGISTRIES), "give the new result type a real result here"
    assert results["validation"][0].problems
    assert results["check"][0].failing()
    assert results["diff"][0].entities and results["diff"][0].results
    assert len(results["history"][0].revisions) == 3
    assert [p.end.month for p in results["trend"][0].points] == [9, 10, 11]
    assert {r.passed for r in results["scenarios"][0].results} == {True, False}
    verified = results["verify"][0]
    assert verified.ok and verified.check("repository") is not None


def _json(text: str) -> None:
    assert isinstance(json.loads(text), dict | list)


def _xml(text: str) -> None:
    root = ET.fromstring(text.encode("utf-8"))
    assert root.tag in ("testsuites", "testsuite")
    assert root.find(".//testcase") is not None


def _dot(text: str) -> None:
    """Graphviz DOT: one digraph; every node an edge names is declared."""
    assert text.startswith("digraph lineage {\n") and text.endswith("}\n")
    declared = set(re.findall(r'^  "([^"]+)" \[shape=', text, re.MULTILINE))
    edges = re.findall(r'^  "([^"]+)" -> "([^"]+)"', text, re.MULTILINE)
    assert edges and {node for edge in edges for node in edge} <= declared


def _mermaid(text: str) -> None:
    """A Mermaid flowchart: every edge joins two declared nodes."""
    lines = text.splitlines()
    assert lines[0] == "flowchart LR"
    declared = {m.group(1) for line in lines if (m := re.match(r"  (n\d+)\[", line))}
    edges = [re.findall(r"\bn\d+\b", line) for line in lines if "-->" in line]
    assert edges and all(len(e) == 2 and set(e) <= declared for e in edges)


def _markdown(text: str) -> None:
    assert any(t.type == "table_open" for t in MarkdownIt().enable("table").parse(text))


def _ics(text: str) -> None:
    """An RFC 5545 calendar with events."""
    assert icalendar.Calendar.from_ical(text).walk("VEVENT")


def _github(text: str) -> None:
    """GitHub workflow commands, one per line."""
    assert all(re.match(r"::(error|warning|notice) [^:]*::", line) for line in text.splitlines())


def _ics(text: str) -> None:
    """An RFC 5545 calendar, as icalendar reads it."""
    assert icalendar.Calendar.from_ical(text).name == "VCALENDAR"


PARSERS: dict[str, Callable[[str], None]] = {
    "json": _json,
    "sarif": _json,
    "codequality": _json,
    "junit": _xml,
    "dot": _dot,
    "mermaid": _mermaid,
    "markdown": _markdown,
    "github": _github,
    "ics": _ics,
}
"""What a machine format must parse as; text formats are for people and are only read."""

CASES = [(kind, name) for kind, registry in REGISTRIES.items() for name in registry]


@pytest.mark.parametrize(("kind", "name"), CASES, ids=[f"{k}-{n}" for k, n in CASES])
def test_every_format_renders(results: dict[str, list[Any]], kind: str, name: str) -> None:
    for result in results[kind]:
        text = REGISTRIES[kind][name](result)
        assert isinstance(text, str) and text.strip(), f"{kind} {name} rendered nothing"
        assert text.endswith("\n")
        PARSERS.get(name, lambda _: None)(text)


def _choices(command: str) -> list[str]:
    found = cli.commands[command]
    option = next(p for p in found.params if p.name == "output_format")
    assert isinstance(option.type, click.Choice)
    return list(option.type.choices)


@pytest.mark.parametrize(
    ("command", "registry"),
    [
        ("coverage", COVERAGE_REPORTERS),
        ("diff", DIFF_REPORTERS),
        ("history", HISTORY_REPORTERS),
        ("trend", TREND_REPORTERS),
        ("lineage", LINEAGE_REPORTERS),
        ("verify", VERIFY_REPORTERS),
        ("due", DUE_REPORTERS),
        ("metrics", METRICS_REPORTERS),
    ],
)
def test_the_cli_offers_the_registered_formats(command: str, registry: Registry[Any]) -> None:
    assert _choices(command) == list(registry)


def test_validate_offers_auto_and_the_registered_formats() -> None:
    assert _choices("validate") == ["auto", *VALIDATION_REPORTERS]


def test_check_accepts_exactly_the_registered_formats() -> None:
    result = CliRunner().invoke(cli, ["check", "--format", "nope"])
    assert result.exit_code == 2
    offered = re.search(r"choose from ([^)]*)\)", result.output)
    assert offered is not None, result.output
    assert offered.group(1).split(", ") == list(CHECK_REPORTERS)
    help_text = CliRunner().invoke(cli, ["check", "--help"]).output
    assert f"repeatable: {', '.join(CHECK_REPORTERS)}." in " ".join(help_text.split())


def test_scenarios_writes_each_registered_format() -> None:
    """The summary goes to stdout and JUnit XML to --junit: a new format needs an option."""
    assert list(SCENARIO_REPORTERS) == ["text", "junit"]
    assert "junit" in {p.name for p in cli.commands["scenarios"].params}
