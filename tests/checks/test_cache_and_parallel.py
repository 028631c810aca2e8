"""The rule-result cache never changes an answer, and parallel evaluation equals serial.

The cache is keyed by the records a rule looks across (people, rotations, datasets...) and
by the repository files a rule checks; each test changes one of them without touching the
records whose results depend on it, and compares the cached run with a run without cache.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from support.checks import PLANTED, check_json, findings, result_keys, run_engine
from support.cli import invoke
from support.repos import AS_OF, REPO_ROOT, edit

import compliance_tool.checks.engine
from compliance_tool.checks.engine import CheckResult, Engine, Status
from compliance_tool.checks.rule_cache import RuleCache
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.session import Where, open_inventory

DATE = ("--as-of", AS_OF.isoformat())
CACHE_DIR = Path(".compliance-cache")
CACHE_FILE = CACHE_DIR / "rules.marshal"


def _cached_and_fresh(root: Path) -> set[tuple[str, str, str, str]]:
    """Findings of ``check`` with the cache, after checking they equal those without."""
    cached = check_json(root, *DATE, cache=True)[1]
    fresh = check_json(root, *DATE)[1]
    assert cached["findings"] == fresh["findings"]
    assert cached["summary"] == fresh["summary"]
    return findings(cached)


def test_person_changes_reach_cached_model_results(sample_copy: Path) -> None:
    assert _cached_and_fresh(sample_copy) == PLANTED
    assert (sample_copy / CACHE_FILE).is_file()
    assert _cached_and_fresh(sample_copy) == PLANTED  # from the cache
    # rpatel leaves: a rollback deputy of three payments models and one of the two active
    # members of their rotation (mvoss's contract has ended); no model file changes
    edit(sample_copy / "inventory/people/rpatel.yaml", "roles:", "status: left\nroles:")
    payments = ("aml-transaction-monitoring", "fraud-scoring", "merchant-embeddings")
    expected = {("RB-01-rollback-authority", "Model", m, "fail") for m in payments}
    expected |= {("CONT-01-two-operators", "Model", m, "fail") for m in payments}
    # tbauer is then alone on the rotation and the last rollback authority
    expected |= {("CONT-01-bus-factor", "Model", m, "fail") for m in payments}
    assert _cached_and_fresh(sample_copy) == PLANTED | expected
    # and back
    edit(sample_copy / "inventory/people/rpatel.yaml", "status: left\nroles:", "roles:")
    assert _cached_and_fresh(sample_copy) == PLANTED


def test_training_going_stale_reaches_cached_results(sample_copy: Path) -> None:
    assert _cached_and_fresh(sample_copy) == PLANTED
    edit(
        sample_copy / "inventory/people/ljohansson.yaml",
        "ai_literacy: 2026-05-13",
        "ai_literacy: 2025-11-25",
    )
    assert _cached_and_fresh(sample_copy) == PLANTED | {
        ("TRN-01-ai-literacy", "Person", "ljohansson", "fail")
    }


def test_rotation_changes_reach_cached_person_selection(sample_copy: Path) -> None:
    assert _cached_and_fresh(sample_copy) == PLANTED
    # mvoss leaves the payments rotation and its schedule; her own file is unchanged, but
    # she is no longer selected by the rules on rotation members, nor handed shifts
    payments = sample_copy / "inventory/rotations/ml-sre-payments.yaml"
    edit(payments, "  - mvoss\n", "")
    edit(payments, "order: [tbauer, rpatel, mvoss]", "order: [tbauer, rpatel]")
    edit(payments, "order: [rpatel, mvoss]", "order: [rpatel]")
    assert _cached_and_fresh(sample_copy) == PLANTED - {
        ("EXT-01-contract-current", "Person", "mvoss", "fail"),
        ("EXT-01-shift-after-contract", "Rotation", "ml-sre-payments", "fail"),
    }


def _engine_run(root: Path, cache: bool = True, as_of: dt.date = AS_OF) -> CheckResult:
    rule_cache = RuleCache(root / CACHE_DIR) if cache else None
    return run_engine(root, as_of, rule_cache)


def _computed(result: CheckResult) -> set[str]:
    """Rules (not on waivers) that evaluated at least one record instead of reading the cache."""
    on_waivers = {r.id for r in result.rules if r.applies_to is Kind.WAIVER}
    return {rule for rule, seconds in result.timings.items() if seconds > 0} - on_waivers


def test_dataset_changes_reach_cached_derived_datasets(sample_copy: Path) -> None:
    first = _engine_run(sample_copy)
    assert result_keys(first) == PLANTED
    # the raw ATM source turns out to hold personal data: the feature set and the training
    # snapshot derived from it (files unchanged) now need a DPIA
    edit(
        sample_copy / "inventory/datasets/atm-withdrawals-raw.yaml",
        "contains_pii: false",
        "contains_pii: true",
    )
    cached, fresh = _engine_run(sample_copy), _engine_run(sample_copy, cache=False)
    assert cached.results == fresh.results
    new = result_keys(cached) - PLANTED
    assert {
        ("DAT-03-dpia-personal-data", "Dataset", d, "fail")
        for d in (
            "atm-withdrawals-raw",
            "atm-demand-features",
            "atm-demand-training-2026-11",
        )
    } <= new
    assert {f[0] for f in new} == {"DAT-03-dpia-personal-data"}


def test_cache_serves_unchanged_results_and_recomputes_a_deleted_runbook(
    sample_copy: Path,
) -> None:
    first = _engine_run(sample_copy)
    assert _computed(first) == {r.id for r in first.rules if r.applies_to is not Kind.WAIVER}
    second = _engine_run(sample_copy)
    assert second.results == first.results
    assert _computed(second) == set()  # every result came from the cache

    runbook = sample_copy / "runbooks/fraud-scoring.md"
    saved = runbook.read_bytes()
    runbook.unlink()  # not a YAML file: no record changes
    third = _engine_run(sample_copy)
    assert third.results == _engine_run(sample_copy, cache=False).results
    run_01 = [r for r in third.results if r.rule == "RUN-01-runbook-exists"]
    failing = [(r.subject, r.details[0].message) for r in run_01 if r.status is Status.FAIL]
    assert failing == [("fraud-scoring", "'runbooks/fraud-scoring.md' does not exist")]
    assert _computed(third) == {"RUN-01-runbook-exists"}  # only the result whose key changed

    # check validates first, and a missing runbook is a validation problem: exit 2
    result = invoke("--repo", sample_copy, "check", *DATE, cache=True)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert "runbook 'runbooks/fraud-scoring.md' does not exist" in result.stderr

    runbook.write_bytes(saved)
    fourth = _engine_run(sample_copy)
    assert fourth.results == first.results
    assert result_keys(fourth) == PLANTED
    # the cached result now records the runbook as missing: only that result is computed again
    assert _computed(fourth) == {"RUN-01-runbook-exists"}
    assert _cached_and_fresh(sample_copy) == PLANTED


def test_cache_is_per_evaluation_date(sample_copy: Path) -> None:
    at_nov = _engine_run(sample_copy)
    at_jan = _engine_run(sample_copy, as_of=dt.date(2027, 1, 1))
    assert _computed(at_jan) != set()
    assert (
        at_jan.results == _engine_run(sample_copy, cache=False, as_of=dt.date(2027, 1, 1)).results
    )
    assert result_keys(at_jan) != result_keys(at_nov)


def test_a_damaged_cache_file_is_ignored(sample_copy: Path) -> None:
    first = _engine_run(sample_copy)
    (sample_copy / CACHE_FILE).write_bytes(b"not a marshal file")
    again = _engine_run(sample_copy)
    assert again.results == first.results
    assert _computed(again) != set()


# -- parallel -----------------------------------------------------------------------------


def _run(
    root: Path, jobs: int, as_of: dt.date = AS_OF, cache: RuleCache | None = None
) -> CheckResult:
    inventory = open_inventory(Where(root, None, use_cache=False))
    return Engine(inventory, as_of, cache=cache, jobs=jobs).run()


def test_parallel_equals_serial_on_the_sample(parallel_always: None) -> None:
    assert compliance_tool.checks.engine.PARALLEL_MIN_EVALUATIONS == 0
    assert compliance_tool.checks.engine._can_fork()
    for as_of in (AS_OF, dt.date(2027, 1, 1)):
        serial, parallel = _run(REPO_ROOT, 1, as_of), _run(REPO_ROOT, 2, as_of)
        assert parallel.results == serial.results
        assert len(parallel.results) > 400
        assert parallel.rules == serial.rules
        assert set(parallel.timings) == set(serial.timings)


def test_parallel_results_fill_the_cache_for_serial_runs(
    parallel_always: None, sample_copy: Path
) -> None:
    edit(sample_copy / "inventory/people/rpatel.yaml", "roles:", "status: left\nroles:")
    parallel = _run(sample_copy, 3, cache=RuleCache(sample_copy / CACHE_DIR))
    serial = _run(sample_copy, 1, cache=RuleCache(sample_copy / CACHE_DIR))
    assert serial.results == parallel.results == _run(sample_copy, 1).results
    assert _computed(serial) == set()
    assert ("RB-01-rollback-authority", "Model", "fraud-scoring", "fail") in result_keys(serial)


def test_parallel_threshold_is_restored() -> None:
    assert compliance_tool.checks.engine.PARALLEL_MIN_EVALUATIONS == 20_000


RUN_02 = """\
apiVersion: governance/v1
kind: Rule
id: RUN-02-runbook-or-playbook
title: Production models have a runbook or a playbook in the repository
rationale: Either document lets the people on call act.
severity: medium
controls: [RUN-01]
applies_to: Model
when:
  lifecycle: {required: true, allowed: [production]}
require:
  operations:
    required: true
    type: dict
    anyof:
      - schema: {runbook: {required: true, repo_file: true}}
      - schema: {playbook: {required: true, repo_file: true}}
message: The model has neither a runbook nor a playbook in the repository.
remediation: Write the runbook under runbooks/.
"""


def test_cache_key_covers_files_checked_inside_anyof(sample_copy: Path) -> None:
    (sample_copy / "policies/rules/RUN-02-runbook-or-playbook.yaml").write_text(
        RUN_02, encoding="utf-8"
    )
    before = _engine_run(sample_copy)
    assert ("RUN-02-runbook-or-playbook", "fraud-scoring", Status.PASS) in {
        (r.rule, r.subject, r.status) for r in before.results
    }
    (sample_copy / "runbooks/fraud-scoring.md").unlink()
    fresh = _engine_run(sample_copy, cache=False)
    assert ("RUN-02-runbook-or-playbook", "Model", "fraud-scoring", "fail") in result_keys(fresh)
    assert _engine_run(sample_copy).results == fresh.results
