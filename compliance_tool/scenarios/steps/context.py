"""The governance context of a run (the inventory at its evaluation date, read once) and
the pytest plumbing that provides it: options for a run by hand, the session fixture, and
the pytest-bdd hooks for tags and unknown steps."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

import pytest

from compliance_tool.checks.engine import CheckResult, Engine
from compliance_tool.checks.facts import Facts
from compliance_tool.checks.reconcile import Reconciliation
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Inventory, Record
from compliance_tool.scenarios.steps.catalogue import unknown_step_message

LINKED_FOLDERS = ("runbooks", "evidence", "docs")
"""Folders of the Markdown files that records link to (runbooks, DPIAs, reviews)."""


@dataclass
class Governance:
    """The inventory of one run at its evaluation date, and what steps derive from it."""

    inventory: Inventory
    as_of: dt.date

    @cached_property
    def facts(self) -> Facts:
        """What the rules know about the inventory at the evaluation date."""
        return Facts(self.inventory, self.as_of)

    @cached_property
    def check(self) -> CheckResult:
        """Every rule on the inventory, waivers applied (run on first use, once)."""
        return Engine(self.inventory, self.as_of).run(self.inventory.source.commit)

    @cached_property
    def reconciliation(self) -> Reconciliation:
        """The records against the committed snapshots at the evaluation date (run on
        first use, once); a snapshot that is not valid is left out of it."""
        from compliance_tool.checks.reconcile import reconcile

        return reconcile(self.inventory, self.as_of)

    @cached_property
    def rule_kinds(self) -> dict[str, Kind]:
        """Rule id -> the kind it applies to."""
        found: dict[str, Kind] = {}
        for record in self.inventory.records(Kind.RULE):
            applies = record.data.get("applies_to")
            if applies in Kind._value2member_map_:
                found[record.id] = Kind(str(applies))
        return found

    @cached_property
    def example_files(self) -> dict[str, bytes]:
        """Every governance file and linked document, the context of example records."""
        source = self.inventory.source
        files = {p: source.read(self.inventory.entries[p]) for p in self.inventory.yaml_paths()}
        for folder in LINKED_FOLDERS:
            files.update(source.documents(folder) or {})
        return files

    def file_problem(self, path: str) -> str | None:
        """Why ``path`` is not a file of the repository snapshot, or None."""
        return self.inventory.source.file_problem(path)

    def record(self, kind: Kind, record_id: str) -> Record | None:
        """The record of ``kind`` with this id, or None."""
        return self.inventory.record(kind, record_id)


GOVERNANCE = pytest.StashKey[Governance]()
"""Where ``compliance-tool scenarios`` leaves the run's governance context."""


def pytest_addoption(parser: pytest.Parser) -> None:
    """The options of a run by hand (``pytest -p compliance_tool.scenarios.steps``)."""
    group = parser.getgroup("compliance-tool", "governance scenarios")
    group.addoption(
        "--governance-repo", default=None, help="Governance repository root (default: cwd)."
    )
    group.addoption("--governance-ref", default=None, help="Read the repository at this commit.")
    group.addoption(
        "--governance-as-of", default=None, help="Evaluation date YYYY-MM-DD (default: today)."
    )


@pytest.fixture(scope="session")
def governance(request: pytest.FixtureRequest) -> Governance:
    """The run's inventory and evaluation date, read once per run."""
    config = request.config
    found = config.stash.get(GOVERNANCE, None)
    if found is None:
        from compliance_tool.checks.pipeline import today
        from compliance_tool.repository.session import Where, locate, open_inventory

        repo = config.getoption("governance_repo")
        as_of = config.getoption("governance_as_of")
        root = locate(Path(repo) if repo else None)
        found = Governance(
            open_inventory(Where(root, config.getoption("governance_ref"))),
            dt.date.fromisoformat(as_of) if as_of else today(),
        )
        config.stash[GOVERNANCE] = found
    return found


@pytest.hookimpl(tryfirst=True)
def pytest_bdd_apply_tag(tag: str, function: Any) -> bool:
    """Tags of governance scenarios are control ids (@MON-01), not pytest marks: nothing to
    apply, and nothing for --strict-markers to reject."""
    return True


@pytest.hookimpl(trylast=True)
def pytest_bdd_step_func_lookup_error(request: pytest.FixtureRequest, step: Any) -> None:
    """An unknown step fails with the closest known steps (not just 'not found')."""
    from pytest_bdd import reporting

    report = reporting.scenario_reports_registry.get(request.node)
    if report is not None:  # so that Cucumber JSON shows the unknown step as failed
        report.add_step_report(reporting.StepReport(step=step))
        report.fail()
    where = f"line {step.line_number}"
    pytest.fail(unknown_step_message(step.type, step.name, where), pytrace=False)
