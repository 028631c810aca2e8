"""Steps about production as the committed snapshots show it: what ``reconcile`` finds
when it compares the records with ``inventory/observations/`` at the evaluation date.

Each assertion needs at least one valid snapshot, so that a repository that observes
nothing cannot pass it, and fails when a snapshot is not valid (a file edited by hand is
no evidence). A failure names each offending model with the file and line of its record
and of the snapshot's entry that shows it (for a workload, also its manifest file:line).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from compliance_tool.checks.facts import parse_datetime
from compliance_tool.checks.reconcile import (
    Disagreement,
    FindingKind,
    Reconciliation,
    invalid_snapshots,
)
from compliance_tool.repository.kinds import Kind, Lifecycle
from compliance_tool.repository.loader import Record
from compliance_tool.scenarios.steps.catalogue import OBSERVED
from compliance_tool.scenarios.steps.vocabulary import COUNT
from compliance_tool.scenarios.steps.world import World, count_of, fail, noun_for, record_at


def _reconciliation(world: World) -> Reconciliation:
    """The run's reconciliation; no valid snapshot, or one that is not valid, fails."""
    __tracebackhide__ = True
    governance = world.governance
    problems = invalid_snapshots(governance.inventory)
    if problems:
        fail(
            f"{len(problems)} problem(s) in the snapshots, which are therefore no evidence "
            "(observe the source again instead of editing its snapshot):\n"
            + "\n".join(f"  {p.format()}" for p in problems)
        )
    found = governance.reconciliation
    if not found.snapshots:
        fail(
            f"there is no snapshot in {Kind.OBSERVATION.folder}/ to read: run "
            "'compliance-tool observe' and commit what it writes"
        )
    return found


@OBSERVED.step("Given", "the committed snapshots", r"the committed snapshots")
def select_snapshots(scenario_world: World) -> None:
    """Select the snapshots of inventory/observations/ (what a registry, the cluster
    manifests and the metrics showed when observed); none fails the step.
    Example: Given the committed snapshots
    """
    records = scenario_world.governance.inventory.records(Kind.OBSERVATION)
    if not records:
        fail(f"there is no snapshot in {Kind.OBSERVATION.folder}/: run 'compliance-tool observe'")
    scenario_world.select("snapshots", Kind.OBSERVATION, sorted(records, key=lambda r: r.id))


def _entry_index(snapshot: Record, finding: Disagreement, model: Record | None) -> int | None:
    """The entry of ``snapshot`` that shows what ``finding`` is about."""
    entries = snapshot.data.get("entries") or []
    system = (snapshot.data.get("source") or {}).get("system")
    registry = (model.data.get("registry") if model else None) or {}
    name = registry.get("name") if isinstance(registry, dict) else None
    for index, entry in enumerate(entries):
        if not isinstance(entry, dict):
            continue
        if system == "mlflow" and entry.get("name") == (name or finding.model):
            return index
        where = (
            f"{entry.get('workload')} {entry.get('namespace')}/{entry.get('name')} "
            f"({entry.get('file')}:{entry.get('line')})"
        )
        if system == "kubernetes" and where in finding.message:
            return index
        if (
            system == "openmetrics"
            and entry.get("model") == finding.model
            and entry.get("environment") == finding.environment
        ):
            return index
    return None


def _line(world: World, finding: Disagreement) -> str:
    """One offending model: where its record (or the snapshot's entry) says it, and the
    snapshot's entry that shows it."""
    place = f"{finding.path}:{finding.line}:{finding.column}"
    line = f"  {place}  {finding.model}: {finding.message}"
    if finding.subject_kind is Kind.OBSERVATION:
        return line
    governance = world.governance
    snapshot = governance.record(Kind.OBSERVATION, finding.source)
    model = governance.record(Kind.MODEL, finding.subject)
    index = None if snapshot is None else _entry_index(snapshot, finding, model)
    if snapshot is None or index is None:
        return line
    return f"{line}\n      shown at {record_at(snapshot, f'entries.{index}')}"


def _fail_on(
    world: World,
    kind: FindingKind,
    noun: tuple[str, str],
    keep: Callable[[Disagreement], bool] = lambda _: True,
) -> None:
    """Fail naming every finding of ``kind`` (that ``keep`` keeps) of the reconciliation."""
    __tracebackhide__ = True
    found = [f for f in _reconciliation(world).findings if f.kind is kind and keep(f)]
    if found:
        verb = noun_for(len(found), "breaks", "break")
        word = noun_for(len(found), *noun)
        fail(f"{len(found)} {word} {verb} it:\n" + "\n".join(_line(world, f) for f in found))


def _serving_entry(world: World, finding: Disagreement) -> bool:
    """Whether the snapshot entry of an undeclared model shows it serving in production:
    a serving alias or stage of a registry, a production workload with replicas."""
    snapshot = world.governance.record(Kind.OBSERVATION, finding.subject)
    index = finding.at[1] if len(finding.at) == 2 else None
    entries = (snapshot.data.get("entries") or []) if snapshot is not None else []
    if not isinstance(index, int) or index >= len(entries) or not isinstance(entries[index], dict):
        return False
    entry: dict[str, Any] = entries[index]
    settings = world.governance.reconciliation.settings
    system = (snapshot.data.get("source") or {}).get("system") if snapshot else None
    if system == "mlflow":
        aliases = entry.get("aliases") or {}
        stages = {v.get("stage") for v in entry.get("versions") or () if isinstance(v, dict)}
        return bool(set(aliases) & set(settings.serving_aliases)) or bool(
            stages & set(settings.serving_stages)
        )
    if system == "kubernetes":
        production = entry.get("production", settings.is_production(entry.get("environment")))
        return bool(production) and entry.get("replicas") != 0
    return False  # metrics alone show that a model runs, not that it decides in production


@OBSERVED.step(
    "Then",
    "every model serving in production is declared",
    r"every model serving in production is declared",
)
def assert_serving_declared(scenario_world: World) -> None:
    """No snapshot shows a model serving in production that no record declares: a
    registered model with a serving alias or stage, or a production workload that is not
    scaled to zero. A registered model that serves nothing, and metrics of an unknown
    model, do not break it (reconcile still reports them).
    Example: Then every model serving in production is declared
    """
    _fail_on(
        scenario_world,
        FindingKind.UNDECLARED_MODEL,
        ("undeclared model serving in production", "undeclared models serving in production"),
        lambda f: _serving_entry(scenario_world, f),
    )


@OBSERVED.step(
    "Then",
    "every serving version has a deploy approval",
    r"every serving version has a deploy approval",
)
def assert_serving_approved(scenario_world: World) -> None:
    """Each version that a serving alias, a Production stage or a production workload
    serves, of a model in production, has a deploy approval in its record (a registry
    version is mapped to the inventory version by its governance.version tag).
    Example: Then every serving version has a deploy approval
    """
    _fail_on(
        scenario_world,
        FindingKind.UNAPPROVED_VERSION_SERVING,
        ("serving version without a deploy approval", "serving versions without a deploy approval"),
    )


@OBSERVED.step("Then", "no retired model is serving", r"no retired model is serving")
def assert_retired_not_serving(scenario_world: World) -> None:
    """No snapshot shows a model whose record is retired serving: a serving alias or
    stage, or a workload that is not scaled to zero. A deprecated model may still serve
    until it is retired.
    Example: Then no retired model is serving
    """
    governance = scenario_world.governance

    def retired(finding: Disagreement) -> bool:
        record = governance.record(Kind.MODEL, finding.subject)
        return record is not None and record.data.get("lifecycle") == Lifecycle.RETIRED

    _fail_on(
        scenario_world,
        FindingKind.RETIRED_BUT_SERVING,
        ("retired model serving", "retired models serving"),
        retired,
    )


@OBSERVED.step(
    "Then",
    "the observed metrics are within their thresholds",
    r"the observed metrics are within their thresholds",
)
def assert_metrics_within(scenario_world: World) -> None:
    """Each metric a metrics snapshot shows for a model is within the threshold its
    record sets (monitoring.thresholds: max, min, or the warn and page levels of drift).
    Example: Then the observed metrics are within their thresholds
    """
    _fail_on(
        scenario_world,
        FindingKind.METRIC_BREACH,
        ("observed metric beyond its threshold", "observed metrics beyond their thresholds"),
    )


@OBSERVED.step(
    "Then",
    "every snapshot is at most <count> days old",
    rf"every snapshot is at most {COUNT} days? old",
)
def assert_snapshots_fresh(scenario_world: World, count: str) -> None:
    """Each valid snapshot was observed at most that many days before the evaluation
    date (whatever observe.max_age allows: this is the scenario's own limit).
    Example: Then every snapshot is at most 7 days old
    """
    days = count_of(count)
    as_of = scenario_world.governance.as_of
    broken = []
    for snapshot in _reconciliation(scenario_world).snapshots:
        moment = parse_datetime(snapshot.observed_at)
        age = None if moment is None else (as_of - moment.astimezone(dt.UTC).date()).days
        if age is not None and age <= days:
            continue
        record = scenario_world.governance.record(Kind.OBSERVATION, snapshot.id)
        where = record_at(record, "observed_at") if record else snapshot.path
        said = f"{age} days before {as_of.isoformat()}" if age is not None else "at no valid time"
        broken.append(f"  {where}  {snapshot.id}: observed {snapshot.observed_at}, {said}")
    if broken:
        verb = noun_for(len(broken), "breaks", "break")
        fail(
            f"{len(broken)} {noun_for(len(broken), 'snapshot', 'snapshots')} {verb} it:\n"
            + "\n".join(broken)
        )
