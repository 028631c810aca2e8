"""A small governance repository for the reporter tests, built in a temporary folder.

The policies are the project's own: the rules named below, every control and every
framework are copied from ``policies/``. The inventory is written here so that, at
2026-11-26 (:data:`support.repos.AS_OF`), exactly these results come out:

* ``EXT-01-contract-current`` (high) fails for ``cvendor``, whose contract ended;
* ``ONC-01-rotation-escalation`` (medium) fails for ``ml-oncall`` (two escalation levels);
* ``DAT-04-retention`` (low) fails for ``events-raw`` (no retention);
* ``MON-01-drift-thresholds`` (high) fails for ``m1`` (no paging threshold), and the valid
  waiver ``W-2026-014`` waives it;
* everything else that applies passes, and the critical rule applies to nothing.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import yaml

from support.repos import FILES, REPO_ROOT

RULES = (
    "DAT-04-retention",
    "EXT-01-contract-current",
    "INC-01-serious-incident-reported",
    "MON-01-drift-thresholds",
    "ONC-01-model-on-call",
    "ONC-01-rotation-escalation",
    "RUN-01-runbook-exists",
    "WAV-01-waiver-independent-approval",
    "WAV-01-waiver-matches-failure",
    "WAV-01-waiver-time-boxed",
    "WAV-01-waiver-unexpired",
)
"""The rules copied from the project's ``policies/rules``."""

WAIVED_ONLY = ("MON-01-drift-thresholds", *(r for r in RULES if r.startswith("WAV-01-")))
"""A rule selection whose only failure is the waived one."""

INVENTORY: dict[str, str] = {
    "inventory/people/asmith.yaml": """\
apiVersion: governance/v1
kind: Person
id: asmith
name: Anna Smith
affiliation: {type: internal, organisation: Example Bank}
roles: [engineering-manager]
""",
    "inventory/people/bkumar.yaml": """\
apiVersion: governance/v1
kind: Person
id: bkumar
name: Bala Kumar
affiliation: {type: internal, organisation: Example Bank}
roles: [ml-sre]
""",
    "inventory/people/cvendor.yaml": """\
apiVersion: governance/v1
kind: Person
id: cvendor
name: Chris Vendor
affiliation:
  type: external
  organisation: Lattice MLOps
  contract_end: 2026-06-30
roles: [ml-sre]
""",
    "inventory/people/dlee.yaml": """\
apiVersion: governance/v1
kind: Person
id: dlee
name: Dana Lee
affiliation: {type: internal, organisation: Example Bank}
roles: [model-risk]
""",
    "inventory/rotations/ml-oncall.yaml": """\
apiVersion: governance/v1
kind: Rotation
id: ml-oncall
name: ML on-call
team: ml-platform
members: [bkumar, cvendor]
escalation:
  - level: 1
    to: rotation
  - level: 2
    to: asmith
    after: PT15M
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
inputs:
  datasets:
    - {ref: events-features, role: training}
monitoring:
  thresholds:
    data_drift:
      metric: psi
      warn: 0.1
      window: P7D
operations:
  runbook: runbooks/m1.md
  oncall: ml-oncall
""",
    "inventory/waivers/W-2026-014.yaml": """\
apiVersion: governance/v1
kind: Waiver
id: W-2026-014
rule: MON-01-drift-thresholds
subject: {kind: Model, id: m1}
justification: The drift pager is being rebuilt on the new metrics stack.
requested_by: bkumar
approved_by: dlee
approved_at: 2026-11-01
ticket: GOV-14
expires: 2026-12-31
""",
    # the datasets and the runbook of the minimal repository
    **{
        path: FILES[path]
        for path in (
            "inventory/datasets/events-raw.yaml",
            "inventory/datasets/events-features.yaml",
            "runbooks/m1.md",
        )
    },
}
"""Repository-relative path -> text of the inventory files written by hand."""


def _support_files(controls: Path) -> dict[str, str]:
    """Teams owning the copied controls, people attesting their evidence, evidence files."""
    files: dict[str, str] = {}
    for path in sorted(controls.glob("*.yaml")):
        control = yaml.safe_load(path.read_text(encoding="utf-8"))
        team = str(control["owner"])
        files[f"inventory/teams/{team}.yaml"] = (
            f"apiVersion: governance/v1\nkind: Team\nid: {team}\nname: {team}\n"
            "lead: asmith\nmembers: [asmith, bkumar]\n"
        )
        for evidence in control.get("evidence") or ():
            files[str(evidence["file"])] = f"# Evidence for {control['id']}\n"
            person = str(evidence["attested_by"])
            if f"inventory/people/{person}.yaml" not in INVENTORY:
                files[f"inventory/people/{person}.yaml"] = (
                    f"apiVersion: governance/v1\nkind: Person\nid: {person}\nname: {person}\n"
                    "affiliation: {type: internal, organisation: Example Bank}\n"
                    "roles: [model-governance-engineer]\n"
                )
    return files


def build_repository(root: Path, rules: tuple[str, ...] = RULES) -> Path:
    """Write the repository under ``root``: copied policies, then the inventory."""
    policies = REPO_ROOT / "policies"
    for folder in ("controls", "frameworks"):
        shutil.copytree(policies / folder, root / "policies" / folder)
    (root / "policies" / "rules").mkdir(parents=True)
    for rule in rules:
        shutil.copyfile(
            policies / "rules" / f"{rule}.yaml", root / "policies" / "rules" / f"{rule}.yaml"
        )
    for relative, text in {**_support_files(policies / "controls"), **INVENTORY}.items():
        target = root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    return root
