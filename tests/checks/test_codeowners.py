"""The owners :func:`build_codeowners` gives, on the minimal repository with handles: a team
without a handle of its own, approvers who have left, file names with spaces and
wildcards."""

from __future__ import annotations

from pathlib import Path

import pytest
from codeowners import CodeOwners
from support.repos import edit

from compliance_tool.checks.codeowners import Host, build_codeowners
from compliance_tool.repository.loader import Inventory
from compliance_tool.repository.schemas import SchemaSet
from compliance_tool.repository.sources import WorktreeSource

HANDLES = {"asmith": "@anna-smith", "bkumar": "@bala-kumar", "cvendor": "@chris-vendor"}

APPROVAL_RULE = """\
apiVersion: governance/v1
kind: Rule
id: waiver-approval
title: Waivers are approved by the head of MLOps
rationale: Four eyes on every exception.
severity: high
controls: [OPS-01]
applies_to: Waiver
require:
  approved_by: {active_person: [head-of-mlops, risk-officer]}
remediation: Ask the head of MLOps.
examples:
  pass: [{approved_by: asmith}]
  fail: [{approved_by: bkumar}]
"""

GOVERNANCE_TEAM = """\
apiVersion: governance/v1
kind: Team
id: model-governance
name: Model governance
lead: bkumar
members: [bkumar, asmith]
"""


@pytest.fixture
def repo(minirepo: Path) -> Path:
    """The minimal repository, every person with a GitHub handle, a model-governance team
    without one, and a rule saying who approves waivers (asmith, the head of MLOps)."""
    edit(minirepo / "inventory/people/asmith.yaml", "  - engineering-manager", "  - head-of-mlops")
    for person, handle in HANDLES.items():
        edit(
            minirepo / f"inventory/people/{person}.yaml",
            "affiliation:",
            f'accounts:\n  github: "{handle}"\naffiliation:',
        )
    (minirepo / "inventory/teams/model-governance.yaml").write_text(GOVERNANCE_TEAM, "utf-8")
    (minirepo / "policies/rules/waiver-approval.yaml").write_text(APPROVAL_RULE, "utf-8")
    return minirepo


def _build(root: Path, host: Host = Host.GITHUB) -> tuple[CodeOwners, list[str]]:
    result = build_codeowners(Inventory(WorktreeSource(root.resolve()), SchemaSet()), host)
    return CodeOwners(result.text), [p.format() for p in result.problems]


def _owners(parsed: CodeOwners, path: str) -> list[str]:
    return [name for _, name in parsed.of(path)]


def test_a_team_without_a_handle_is_its_lead_and_members(repo: Path) -> None:
    parsed, problems = _build(repo)
    assert problems == []
    assert _owners(parsed, "policies/rules/runbook-required.yaml") == ["@bala-kumar", "@anna-smith"]
    assert _owners(parsed, "inventory/teams/ml-platform.yaml") == ["@bala-kumar", "@anna-smith"]


def test_waivers_go_to_active_holders_of_an_approving_role(repo: Path) -> None:
    person = repo / "inventory/people/cvendor.yaml"
    edit(person, "  - ml-sre", "  - ml-sre\n  - risk-officer")
    edit(person, "contract_end: 2027-06-30", "contract_end: 2020-01-31")
    parsed, _ = _build(repo)
    # bkumar holds neither role; an ended contract does not change the file (EXT-01 says it)
    assert _owners(parsed, "inventory/waivers/m1-runbook.yaml") == ["@anna-smith", "@chris-vendor"]
    edit(
        repo / "inventory/people/cvendor.yaml",
        "name: Chris Vendor",
        "name: Chris Vendor\nstatus: left",
    )
    parsed, _ = _build(repo)
    assert _owners(parsed, "inventory/waivers/m1-runbook.yaml") == ["@anna-smith"]


def test_nobody_to_approve_waivers_is_a_problem(repo: Path) -> None:
    edit(repo / "inventory/people/asmith.yaml", "  - head-of-mlops", "  - engineering-manager")
    _, problems = _build(repo)
    (problem,) = problems
    assert problem.startswith("policies/rules/waiver-approval.yaml:10:")
    assert "no active person holds a role that approves waivers (head-of-mlops, risk-officer)" in (
        problem
    )


def test_a_runbook_name_with_a_space_is_escaped(repo: Path) -> None:
    (repo / "runbooks/m1 notes.md").write_text("# notes\n", encoding="utf-8")
    edit(
        repo / "inventory/models/m1.yaml",
        "runbook: runbooks/m1.md",
        "runbook: runbooks/m1 notes.md",
    )
    parsed, problems = _build(repo)
    assert problems == []
    assert _owners(parsed, "runbooks/m1 notes.md") == ["@anna-smith", "@bala-kumar"]
    assert _owners(parsed, "runbooks/m1") == []


def test_a_runbook_name_with_a_wildcard_is_a_problem(repo: Path) -> None:
    (repo / "runbooks/m1[v2].md").write_text("# v2\n", encoding="utf-8")
    edit(
        repo / "inventory/models/m1.yaml", "runbook: runbooks/m1.md", "runbook: runbooks/m1[v2].md"
    )
    _, problems = _build(repo)
    assert problems == [
        "inventory/models/m1.yaml:23:12: Model.operations.runbook: 'runbooks/m1[v2].md' cannot "
        "be written as an exact CODEOWNERS pattern "
        "(rename the file without * ? [ ] \\ ! # or control characters)"
    ]
