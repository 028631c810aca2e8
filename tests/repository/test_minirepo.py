"""The minimal repository every case builds on is valid, and exercises every kind."""

from __future__ import annotations

from pathlib import Path

from support.cli import Invoke
from support.repos import FILES, GOVERNANCE_FILES, MINI_ORIGINS

from compliance_tool.checks.validate import validate
from compliance_tool.repository.kinds import REFERENCES, Kind, walk
from compliance_tool.repository.loader import kind_of_path
from compliance_tool.repository.session import Where, open_inventory


def test_minirepo_validates_without_problems(minirepo: Path, run_cli: Invoke) -> None:
    result = run_cli("--repo", minirepo, "validate", "--format", "text")
    assert result.stdout == ""
    assert result.exit_code == 0
    assert result.stderr == f"ok: {len(GOVERNANCE_FILES)} files valid (working tree)\n" + (
        MINI_ORIGINS
    )


def test_minirepo_has_every_kind_and_every_reference(minirepo: Path) -> None:
    inventory = open_inventory(Where(minirepo, use_cache=False))
    result = validate(inventory)
    assert result.problems == ()
    assert result.files_checked == len(GOVERNANCE_FILES) == 13
    # an Observation is written by observe, not by hand (tests/observe and
    # tests/checks/test_reconcile.py make real ones); without a Role record, roles are free
    # words, as here (the sample defines its roles; tests/checks/test_roles.py)
    assert {kind_of_path(p) for p in GOVERNANCE_FILES} == set(Kind) - {
        Kind.OBSERVATION,
        Kind.ROLE,
    }
    records = {r.id: r for r in inventory}
    # every kind of reference the validator knows appears at least once, and resolves
    # (rules aside: a Rule's controls are a Control id, checked like any other).
    used = {
        (kind, ref.pattern)
        for record in records.values()
        for kind in [record.kind]
        for ref in REFERENCES[kind]
        if any(True for _ in walk(record.data, ref.pattern))
    }
    for wanted in [
        (Kind.MODEL, ("ownership", "owner")),
        (Kind.MODEL, ("ownership", "operator")),
        (Kind.MODEL, ("ownership", "rollback_authority", "deputies", "*")),
        (Kind.MODEL, ("inputs", "datasets", "*", "ref")),
        (Kind.MODEL, ("operations", "oncall")),
        (Kind.ROTATION, ("members", "*")),
        (Kind.DATASET, ("parents", "*")),
        (Kind.WAIVER, ("rule",)),
        (Kind.WAIVER, ("subject", "id")),
        (Kind.CONTROL, ("mappings", "*", "framework")),
        (Kind.INCIDENT, ("models", "*")),
    ]:
        assert wanted in used
    assert records["cvendor"].data["affiliation"]["type"] == "external"
    assert records["events-features"].data["parents"] == ["events-raw"]
    assert (minirepo / records["m1"].data["operations"]["runbook"]).is_file()
    assert [c["id"] for c in records["fw"].data["clauses"]] == ["C.1", "C.2"]
    assert "runbooks/m1.md" in FILES
