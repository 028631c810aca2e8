"""Repositories to test on: the minimal repository (small YAML strings that every kind of
file and reference appears in once), copies of this project's sample, and exact edits.

The minimal repository has a framework with two clauses, a control mapped to one of them, a
rule implementing the control, a team, three people (one external), an on-call rotation,
two datasets (one the lineage parent of the other), a model that uses both and whose
runbook exists, an incident and a waiver. The sample repository (this project's own
``inventory/``, ``policies/`` and the files they name) is only read: tests that change it
work on a copy in ``tmp_path``.
"""

from __future__ import annotations

import datetime as dt
import runpy
import shutil
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
"""This project: the sample repository, its schemas and features."""

CASES = REPO_ROOT / "tests" / "cases" / "invalid"
"""One folder per broken repository: the files that differ from the minimal repository."""

AS_OF = dt.date(2026, 11, 26)
"""The evaluation date of the sample inventory (inventory/README.md)."""

AS_OF_TEXT = AS_OF.isoformat()
"""The same date, as the command line takes it and the documents write it."""

SAMPLE_TREES = ("inventory", "policies", "runbooks", "evidence", "docs")
"""Folders of the sample that rules and validation read (records and the files they name)."""

CONFIG = "compliance-tool.yaml"

MINI_ORIGINS = "schemas: packaged (compliance-tool 0.1.0); policies: this repository\n"
"""The line of ``validate``'s summary that says whose schemas and policies the minimal
repository (which has no schemas/ of its own) was read with."""

FILES: dict[str, str] = {
    "policies/frameworks/fw.yaml": """\
# yaml-language-server: $schema=../../schemas/framework.schema.json
apiVersion: governance/v1
kind: Framework
id: fw
title: Example framework
version: "1.0"
status: active
legal_status: standard
issuer: Example standards body
source:
  url: https://example.com/framework
  reference: "Example framework 1.0"
verified_on: 2026-01-15
clauses:
  - {id: "C.1", title: "Keep an inventory"}
  - {id: "C.2", title: "Plan for incidents"}
""",
    "policies/controls/OPS-01.yaml": """\
apiVersion: governance/v1
kind: Control
id: OPS-01
title: Every model has a runbook
description: Operators can act on an alert without asking the developers.
owner: ml-platform
verification: automated
mappings:
  - {framework: fw, clause: "C.2"}
""",
    "policies/rules/runbook-required.yaml": """\
apiVersion: governance/v1
kind: Rule
id: runbook-required
title: Production models have a runbook
rationale: On-call engineers need written steps.
severity: high
controls: [OPS-01]
applies_to: Model
require:
  operations:
    type: dict
    required: true
remediation: Write runbooks/<model>.md and set operations.runbook.
""",
    "inventory/teams/ml-platform.yaml": """\
apiVersion: governance/v1
kind: Team
id: ml-platform
name: ML platform
lead: asmith
members:
  - asmith
  - bkumar
""",
    "inventory/people/asmith.yaml": """\
apiVersion: governance/v1
kind: Person
id: asmith
name: Anna Smith
email: anna.smith@example.com
affiliation:
  type: internal
  organisation: Example Bank
roles:
  - engineering-manager
teams:
  - ml-platform
access_review:
  last: 2026-10-02
  cadence: P90D
""",
    "inventory/people/bkumar.yaml": """\
apiVersion: governance/v1
kind: Person
id: bkumar
name: Bala Kumar
affiliation:
  type: internal
  organisation: Example Bank
roles:
  - ml-sre
teams:
  - ml-platform
""",
    "inventory/people/cvendor.yaml": """\
apiVersion: governance/v1
kind: Person
id: cvendor
name: Chris Vendor
affiliation:
  type: external
  organisation: Lattice MLOps
  contract_end: 2027-06-30
roles:
  - ml-sre
""",
    "inventory/rotations/ml-oncall.yaml": """\
apiVersion: governance/v1
kind: Rotation
id: ml-oncall
name: ML on-call
team: ml-platform
members:
  - bkumar
  - cvendor
escalation:
  - level: 1
    to: rotation
  - level: 2
    to: asmith
    after: PT15M
""",
    "inventory/datasets/events-raw.yaml": """\
apiVersion: governance/v1
kind: Dataset
id: events-raw
name: Raw events
owner: asmith
classification:
  level: internal
  contains_pii: false
""",
    "inventory/datasets/events-features.yaml": """\
apiVersion: governance/v1
kind: Dataset
id: events-features
name: Event features
parents: [events-raw]
owner: bkumar
classification:
  level: internal
  contains_pii: false
retention:
  period: P2Y
  delete_after: 2028-12-31
""",
    "inventory/models/m1.yaml": """\
apiVersion: governance/v1
kind: Model
id: m1
name: Example model
version: 1.2.0
lifecycle: production
risk:
  tier: medium
ownership:
  owner: asmith
  operator: bkumar
  team: ml-platform
  rollback_authority:
    primary: bkumar
    deputies: [cvendor]
inputs:
  datasets:
    - {ref: events-features, role: training}
    - {ref: events-raw, role: inference}
deployments:
  - {environment: prod, target: k8s/scoring, since: 2026-01-15}
operations:
  runbook: runbooks/m1.md
  oncall: ml-oncall
""",
    "inventory/incidents/inc-001.yaml": """\
apiVersion: governance/v1
kind: Incident
id: inc-001
title: Scores delayed
models: [m1]
severity: sev3
detected_at: 2026-03-01T10:12:00Z
commander: bkumar
serious_incident:
  assessed: true
  is_serious: false
""",
    "inventory/waivers/m1-runbook.yaml": """\
apiVersion: governance/v1
kind: Waiver
id: m1-runbook
rule: runbook-required
subject: {kind: Model, id: m1}
justification: The runbook is being rewritten.
requested_by: bkumar
approved_by: asmith
approved_at: 2026-02-01
ticket: GOV-1
expires: 2026-05-01
""",
    "runbooks/m1.md": "# m1 runbook\n\n1. Roll back.\n",
}
"""Repository-relative path -> text of every file of the minimal repository."""

GOVERNANCE_FILES = sorted(p for p in FILES if p.endswith(".yaml"))

PERSON_DKIM = """\
apiVersion: governance/v1
kind: Person
id: dkim
name: Dana Kim
affiliation:
  type: internal
  organisation: Example Bank
roles:
  - data-scientist
"""
"""A valid person that the ``input-*`` cases write as an unreadable file (BOM, Latin-1...)."""


def development_model(model_id: str, name: str) -> str:
    """A low-risk model in development for the minimal repository, with no operations."""
    return f"""\
apiVersion: governance/v1
kind: Model
id: {model_id}
name: {name}
version: 0.1.0
lifecycle: development
risk:
  tier: low
ownership:
  owner: asmith
  operator: bkumar
  team: ml-platform
"""


def write_minirepo(root: Path) -> Path:
    """Write the minimal repository under ``root`` (which may already exist)."""
    for relative, text in FILES.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root


CASE_META = frozenset({"expected.txt", "known-issue.txt", "make.py"})
"""Files of a case folder that describe the case instead of overlaying the repository."""


def overlay(case_dir: Path, root: Path) -> list[str]:
    """Copy the files of ``case_dir`` over the repository at ``root``; run its make.py.

    Returns the repository-relative paths the case wrote (from files, not from make.py).
    """
    written = []
    for source in sorted(case_dir.rglob("*")):
        relative = source.relative_to(case_dir).as_posix()
        if source.is_dir() or relative in CASE_META or "__pycache__" in relative:
            continue
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
        written.append(relative)
    maker = case_dir / "make.py"
    if maker.exists():
        runpy.run_path(str(maker))["make"](root)
    return written


def copy_sample(target: Path, *, features: bool = False, config: bool = False) -> Path:
    """A copy of the sample repository at ``target``, with ``features/`` and
    compliance-tool.yaml when asked."""
    for tree in (*SAMPLE_TREES, "features") if features else SAMPLE_TREES:
        shutil.copytree(REPO_ROOT / tree, target / tree)
    if config:
        shutil.copyfile(REPO_ROOT / CONFIG, target / CONFIG)
    return target


def edit(path: Path, old: str, new: str) -> None:
    """Replace the one occurrence of ``old`` in ``path``; fail when it is not there once."""
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {path}"
    path.write_text(text.replace(old, new), encoding="utf-8")


def position(path: Path, needle: str) -> tuple[int, int]:
    """1-based (line, column) of the one occurrence of ``needle`` in ``path``."""
    text = path.read_text(encoding="utf-8")
    assert text.count(needle) == 1, f"{needle!r} occurs {text.count(needle)} times in {path}"
    before = text[: text.index(needle)]
    return before.count("\n") + 1, len(before) - (before.rfind("\n") + 1) + 1


@dataclass(frozen=True)
class Sample:
    """A copy of the sample repository in git: its HEAD, tree and the environment of every
    process that works on it."""

    root: Path
    commit: str
    tree: str
    env: dict[str, str]


TIER_RULE = """\
apiVersion: governance/v1
kind: Rule
id: tier-high
title: Models are high tier
rationale: A rule whose answer follows one field of the model (the minimal repository's
  model fails it until its tier is high).
severity: low
controls: [OPS-01]
applies_to: Model
require:
  risk:
    type: dict
    schema:
      tier: {allowed: [high]}
remediation: Raise the tier.
"""
"""A rule over the minimal repository (policies/rules/tier-high.yaml) whose result one
edit of the model flips: what the cache tests remember and then must not misremember."""
