"""Reconcile what the records declare with what the committed snapshots show.

The inventory says which version of each model is approved and where it is deployed;
the snapshots under ``inventory/observations/`` say what a registry, the cluster
manifests and the metrics showed when they were observed. Every disagreement is one
:class:`Disagreement` of a kind in :class:`FindingKind` (a public contract, also the
subject of the ``REC-`` rules), placed on the record it is about: the model's file, or
for something no record declares the snapshot's entry.
"""

from __future__ import annotations

import datetime as dt
import enum
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from compliance_tool.checks.facts import parse_datetime, parse_duration
from compliance_tool.checks.thresholds import METRIC_DECLARED_AS, as_number, figure, threshold_of
from compliance_tool.errors import InventoryError
from compliance_tool.observe.settings import VERSION_TAG, ObserveSettings, observe_settings
from compliance_tool.repository.config import config_of
from compliance_tool.repository.kinds import Kind, Lifecycle
from compliance_tool.repository.loader import Inventory, Record
from compliance_tool.repository.problems import Problem


class FindingKind(enum.StrEnum):
    """The kinds of disagreement; their names are a public contract."""

    UNDECLARED_MODEL = "undeclared-model"
    UNAPPROVED_VERSION_SERVING = "unapproved-version-serving"
    VERSION_MISMATCH = "version-mismatch"
    RETIRED_BUT_SERVING = "retired-but-serving"
    SERVING_BEFORE_PRODUCTION = "serving-before-production"
    DECLARED_NOT_OBSERVED = "declared-not-observed"
    METRIC_BREACH = "metric-breach"
    DECLARED_METRIC_DIFFERS = "declared-metric-differs"
    STALE_OBSERVATION = "stale-observation"


RULE_OF_KIND: dict[FindingKind, str] = {
    FindingKind.UNDECLARED_MODEL: "REC-01-undeclared-model",
    FindingKind.UNAPPROVED_VERSION_SERVING: "REC-02-unapproved-version-serving",
    FindingKind.VERSION_MISMATCH: "REC-03-version-mismatch",
    FindingKind.RETIRED_BUT_SERVING: "REC-04-retired-but-serving",
    FindingKind.SERVING_BEFORE_PRODUCTION: "REC-05-serving-before-production",
    FindingKind.DECLARED_NOT_OBSERVED: "REC-06-declared-not-observed",
    FindingKind.METRIC_BREACH: "REC-07-metric-breach",
    FindingKind.DECLARED_METRIC_DIFFERS: "REC-08-declared-metric-differs",
    FindingKind.STALE_OBSERVATION: "REC-09-stale-observation",
}
"""The rule of the sample policies that checks each kind (``check`` applies waivers)."""

FIELD_OF_KIND: dict[FindingKind, tuple[str, ...]] = {
    FindingKind.UNAPPROVED_VERSION_SERVING: ("version",),
    FindingKind.VERSION_MISMATCH: ("version",),
    FindingKind.RETIRED_BUT_SERVING: ("lifecycle",),
    FindingKind.SERVING_BEFORE_PRODUCTION: ("lifecycle",),
    FindingKind.DECLARED_NOT_OBSERVED: ("id",),
    FindingKind.METRIC_BREACH: ("monitoring",),
    FindingKind.DECLARED_METRIC_DIFFERS: ("operations",),
    FindingKind.STALE_OBSERVATION: ("observed_at",),
}
"""The field of the subject record a finding of each kind points at (an undeclared
model points at its entry in the snapshot). The ``REC-`` rules check the same field."""

_EARLY = frozenset({Lifecycle.PROPOSED, Lifecycle.DEVELOPMENT, Lifecycle.VALIDATION})
_ENDED = frozenset({Lifecycle.RETIRED, Lifecycle.DEPRECATED})


@dataclass(frozen=True, slots=True)
class Disagreement:
    """One difference between the records and the snapshots."""

    kind: FindingKind
    subject_kind: Kind
    subject: str
    path: str
    line: int
    column: int
    at: tuple[str | int, ...]
    """Where in the subject record (``("entries", 3)`` for a snapshot's entry)."""
    message: str
    model: str
    """The model concerned: a record id, or the name a system gave it."""
    source: str
    """The snapshot that shows it (its id)."""
    environment: str | None = None


@dataclass(frozen=True, slots=True)
class Serving:
    """One version of a declared model that something serves."""

    model: str
    version: str | None
    """The inventory version (a registry version mapped through its tag)."""
    environment: str
    """A deployment environment, or ``registry`` for a serving alias or stage."""
    via: str
    source: str
    production: bool


@dataclass(frozen=True, slots=True)
class ObservedMetric:
    """One observed operating metric of a model, with its threshold where one is set."""

    model: str
    environment: str | None
    name: str
    value: float
    threshold: str | None
    breach: bool
    declared: float | None
    source: str
    differs: bool = False
    """The hand-written figure is beyond the tolerance of the observed one."""


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One committed snapshot, as reconcile read it."""

    id: str
    system: str
    address: str
    observed_at: str
    entries: int
    path: str
    max_age: str
    stale: bool


@dataclass(frozen=True, slots=True)
class Reconciliation:
    """Everything reconcile found on one inventory at one date."""

    as_of: dt.date
    source_label: str
    commit: str | None
    snapshots: tuple[Snapshot, ...]
    findings: tuple[Disagreement, ...]
    serving: tuple[Serving, ...]
    metrics: tuple[ObservedMetric, ...]
    settings: ObserveSettings = field(repr=False, compare=False, default_factory=ObserveSettings)

    def messages(self) -> dict[tuple[str, str, str], list[tuple[int | None, str]]]:
        """``(finding kind, subject kind, subject id)`` → ``(entry index, message)``,
        what the ``REC-`` rules read."""
        found: dict[tuple[str, str, str], list[tuple[int | None, str]]] = defaultdict(list)
        for finding in self.findings:
            index = finding.at[1] if finding.at[:1] == ("entries",) else None
            found[(finding.kind.value, finding.subject_kind.value, finding.subject)].append(
                (index if isinstance(index, int) else None, finding.message)
            )
        return dict(found)


def settings_of(inventory: Inventory) -> ObserveSettings:
    """The observe settings of the snapshot's own compliance-tool.yaml."""
    return observe_settings(config_of(inventory.source))


def invalid_snapshots(inventory: Inventory) -> list[Problem]:
    """The problems of every file in inventory/observations/ (edited by hand, say)."""
    folder = Kind.OBSERVATION.folder + "/"
    found: list[Problem] = []
    for path in inventory.yaml_paths():
        if path.startswith(folder):
            found.extend(inventory.load(path).problems)
    return found


def _load(inventory: Inventory) -> None:
    """Read the models, then the snapshots, through the parse cache, and save it: the
    models' many lookups make the loader read the cache file, so that a large snapshot
    parsed now is kept in it for the next run."""
    paths = [
        p
        for kind in (Kind.MODEL, Kind.OBSERVATION)
        for ps in inventory.ids[kind].values()
        for p in ps
    ]
    inventory.load_all(paths)


def reconcile(
    inventory: Inventory,
    as_of: dt.date,
    settings: ObserveSettings | None = None,
    *,
    strict: bool = False,
) -> Reconciliation:
    """Compare the records with the committed snapshots of ``inventory``. A snapshot that
    is not valid is left out; with ``strict`` it stops the run (exit 2) instead."""
    _load(inventory)
    problems = invalid_snapshots(inventory)
    if strict and problems:
        raise InventoryError(
            f"{len(problems)} problem(s) in the snapshots of {Kind.OBSERVATION.folder}/",
            hint="observe the source again instead of editing its snapshot",
            details=[p.format() for p in problems],
        )
    broken = {p.path for p in problems}
    work = _Work(inventory, as_of, settings or settings_of(inventory))
    for record in sorted(inventory.records(Kind.OBSERVATION), key=lambda r: r.id):
        if record.path not in broken:
            work.snapshot(record)
    work.expected()
    return Reconciliation(
        as_of,
        inventory.source.label,
        inventory.source.commit,
        tuple(work.snapshots),
        tuple(sorted(set(work.findings), key=lambda f: (f.path, f.line, f.kind, f.message))),
        tuple(sorted(set(work.serving), key=lambda s: (s.model, s.environment, s.via))),
        tuple(work.metrics),
        work.settings,
    )


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


class _Work:
    """The state of one reconciliation while snapshots are read."""

    def __init__(self, inventory: Inventory, as_of: dt.date, settings: ObserveSettings):
        self.inventory = inventory
        self.as_of = as_of
        self.settings = settings
        self.models = {r.id: r for r in inventory.records(Kind.MODEL)}
        self.registry_names: dict[str, Record] = {}
        for record in self.models.values():
            registry = record.data.get("registry")
            if isinstance(registry, dict) and registry.get("system") not in (None, "mlflow"):
                continue
            name = registry.get("name") if isinstance(registry, dict) else None
            self.registry_names.setdefault(str(name or record.id), record)
        self.snapshots: list[Snapshot] = []
        self.findings: list[Disagreement] = []
        self.serving: list[Serving] = []
        self.metrics: list[ObservedMetric] = []
        self.registered: set[str] = set()
        """Registered model names that some registry snapshot shows."""
        self.registry_serving: set[str] = set()
        """Models of which some registry snapshot shows a serving version."""
        self.workloads: set[tuple[str, str]] = set()
        """(model id, environment) of every observed workload."""
        self.mapped_environments: set[str] = {m.environment for m in settings.environments}
        self.systems: set[str] = set()

    # -- findings ---------------------------------------------------------------------

    def on_model(
        self, kind: FindingKind, record: Record, message: str, source: str, env: str | None
    ) -> None:
        at = FIELD_OF_KIND[kind]
        line, column = record.position(at)
        self.findings.append(
            Disagreement(
                kind,
                Kind.MODEL,
                record.id,
                record.path,
                line,
                column,
                at,
                message,
                record.id,
                source,
                env,
            )
        )

    def on_entry(self, snapshot: Record, index: int, model: str, message: str) -> None:
        at: tuple[str | int, ...] = ("entries", index)
        line, column = snapshot.position(at)
        self.findings.append(
            Disagreement(
                FindingKind.UNDECLARED_MODEL,
                Kind.OBSERVATION,
                snapshot.id,
                snapshot.path,
                line,
                column,
                at,
                message,
                model,
                snapshot.id,
            )
        )

    # -- snapshots --------------------------------------------------------------------

    def snapshot(self, record: Record) -> None:
        data = record.data
        source = data.get("source") or {}
        system = str(source.get("system"))
        entries = data.get("entries") or []
        max_age = self.settings.allowed_age(record.id)
        stale = self._stale(record, str(data.get("observed_at")), max_age)
        self.snapshots.append(
            Snapshot(
                record.id,
                system,
                str(source.get("address", "")),
                str(data.get("observed_at")),
                len(entries),
                record.path,
                max_age,
                stale,
            )
        )
        self.systems.add(system)
        reader = {
            "mlflow": self._registry,
            "kubernetes": self._workloads,
            "openmetrics": self._metrics,
        }.get(system)
        if reader is not None:
            reader(record, [e for e in entries if isinstance(e, dict)])

    def _stale(self, record: Record, observed_at: str, max_age: str) -> bool:
        moment = parse_datetime(observed_at)
        try:
            allowed = parse_duration(max_age)
        except ValueError:
            allowed = dt.timedelta(days=7)
        if moment is None:
            return False
        start_of_day = dt.datetime(self.as_of.year, self.as_of.month, self.as_of.day, tzinfo=dt.UTC)
        if moment + allowed >= start_of_day:
            return False
        age = (self.as_of - moment.date()).days
        at = FIELD_OF_KIND[FindingKind.STALE_OBSERVATION]
        line, column = record.position(at)
        self.findings.append(
            Disagreement(
                FindingKind.STALE_OBSERVATION,
                Kind.OBSERVATION,
                record.id,
                record.path,
                line,
                column,
                at,
                f"the snapshot '{record.id}' was observed on {moment.date().isoformat()}, "
                f"{age} days before {self.as_of.isoformat()}; it may be {max_age} old",
                record.id,
                record.id,
            )
        )
        return True

    def _judge(
        self,
        record: Record,
        version: str | None,
        production: bool,
        where: str,
        source: str,
        environment: str,
    ) -> None:
        """What it means that ``where`` serves ``version`` of ``record``."""
        self.serving.append(Serving(record.id, version, environment, where, source, production))
        lifecycle = record.data.get("lifecycle")
        shown = f"version {version}" if version else "a version"
        if lifecycle in _ENDED:
            self.on_model(
                FindingKind.RETIRED_BUT_SERVING,
                record,
                f"the record is {lifecycle}, but {where} serves {shown}",
                source,
                environment,
            )
            return
        if lifecycle in _EARLY:
            if production:
                self.on_model(
                    FindingKind.SERVING_BEFORE_PRODUCTION,
                    record,
                    f"the record is in {lifecycle}, but {where} serves {shown} in production",
                    source,
                    environment,
                )
            return
        if lifecycle != Lifecycle.PRODUCTION or not production or version is None:
            return
        approved = {
            str(a.get("version"))
            for a in record.data.get("approvals") or ()
            if isinstance(a, dict) and a.get("stage") == "deploy"
        }
        if version not in approved:
            self.on_model(
                FindingKind.UNAPPROVED_VERSION_SERVING,
                record,
                f"{where} serves version {version}, which has no deploy approval "
                f"(approved: {', '.join(sorted(approved)) or 'none'})",
                source,
                environment,
            )
        elif version != str(record.data.get("version")):
            self.on_model(
                FindingKind.VERSION_MISMATCH,
                record,
                f"{where} serves version {version}, approved but not the record's "
                f"version {record.data.get('version')}",
                source,
                environment,
            )

    def _registry(self, snapshot: Record, entries: list[dict[str, Any]]) -> None:
        aliases = self.settings.serving_aliases
        stages = self.settings.serving_stages
        for index, entry in enumerate(entries):
            name = str(entry.get("name"))
            self.registered.add(name)
            record = self.registry_names.get(name)
            versions = {
                str(v.get("version")): v for v in entry.get("versions") or () if isinstance(v, dict)
            }
            serving: dict[str, list[str]] = defaultdict(list)
            for alias, number in sorted((entry.get("aliases") or {}).items()):
                if alias in aliases:
                    serving[str(number)].append(f"alias '{alias}'")
            for number, version in versions.items():
                if version.get("stage") in stages:
                    serving[number].append(f"stage '{version.get('stage')}'")
            if record is None:
                if serving:
                    self.on_entry(
                        snapshot,
                        index,
                        name,
                        f"registered model '{name}' has a serving version "
                        f"({', '.join(sorted({w for ws in serving.values() for w in ws}))}) "
                        "but no record declares it",
                    )
                else:
                    self.on_entry(
                        snapshot,
                        index,
                        name,
                        f"registered model '{name}' is in the registry but no record declares it",
                    )
                continue
            if serving:
                self.registry_serving.add(record.id)
            for number, ways in sorted(serving.items(), key=lambda item: int(item[0] or 0)):
                tags = (versions.get(number) or {}).get("tags") or {}
                mapped = _text(tags.get(VERSION_TAG)) or number
                where = f"registry '{snapshot.id}' ({' and '.join(ways)} on version {number})"
                self._judge(record, mapped, True, where, snapshot.id, "registry")

    def _workloads(self, snapshot: Record, entries: list[dict[str, Any]]) -> None:
        for index, entry in enumerate(entries):
            if entry.get("replicas") == 0:
                continue
            model = str(entry.get("model_id"))
            environment = _text(entry.get("environment"))
            production = bool(entry.get("production", self.settings.is_production(environment)))
            record = self.models.get(model)
            where = (
                f"{entry.get('workload')} {entry.get('namespace')}/{entry.get('name')} "
                f"({entry.get('file')}:{entry.get('line')})"
            )
            if record is None:
                self.on_entry(
                    snapshot,
                    index,
                    model,
                    f"{where} serves model '{model}'"
                    + (f" in {environment}" if environment else "")
                    + ", which no record declares",
                )
                continue
            if environment:
                self.workloads.add((model, environment))
                self.mapped_environments.add(environment)
            version = _text(entry.get("model_version"))
            self._judge(record, version, production, where, snapshot.id, environment or "unmapped")

    def _metrics(self, snapshot: Record, entries: list[dict[str, Any]]) -> None:
        for index, entry in enumerate(entries):
            model = str(entry.get("model"))
            record = self.models.get(model)
            if record is None:
                self.on_entry(
                    snapshot,
                    index,
                    model,
                    f"metrics are exposed for model '{model}', which no record declares",
                )
                continue
            environment = _text(entry.get("environment"))
            for name, value in sorted((entry.get("metrics") or {}).items()):
                number = as_number(value)
                if number is not None:
                    self._metric(record, snapshot.id, environment, str(name), number)

    def _metric(
        self, record: Record, source: str, environment: str | None, name: str, value: float
    ) -> None:
        thresholds = (record.data.get("monitoring") or {}).get("thresholds") or {}
        threshold, breach = threshold_of(thresholds, name, value)
        declared_field = METRIC_DECLARED_AS.get(name)
        declared_metrics = (record.data.get("operations") or {}).get("metrics") or {}
        declared = as_number(declared_metrics.get(declared_field)) if declared_field else None
        allowed = self.settings.absolute_tolerance + self.settings.relative_tolerance * abs(value)
        differs = declared is not None and abs(declared - value) > allowed + 1e-12
        self.metrics.append(
            ObservedMetric(
                record.id, environment, name, value, threshold, breach, declared, source, differs
            )
        )
        place = f" in {environment}" if environment else ""
        if breach:
            self.on_model(
                FindingKind.METRIC_BREACH,
                record,
                f"observed {name} {figure(value)}{place} is beyond its threshold ({threshold})",
                source,
                environment,
            )
        if declared is not None and differs:
            self.on_model(
                FindingKind.DECLARED_METRIC_DIFFERS,
                record,
                f"operations.metrics.{declared_field} is {figure(declared)}, but "
                f"{figure(value)} was observed{place} (tolerance "
                f"{self.settings.relative_tolerance:.0%})",
                source,
                environment,
            )

    # -- what the records expect ------------------------------------------------------

    def expected(self) -> None:
        """Production records whose declared deployment or registry entry no snapshot
        shows (only for what some snapshot could have shown)."""
        registry_seen = "mlflow" in self.systems
        workloads_seen = "kubernetes" in self.systems
        for record in sorted(self.models.values(), key=lambda r: r.id):
            if record.data.get("lifecycle") != Lifecycle.PRODUCTION:
                continue
            registry = record.data.get("registry")
            if registry_seen and isinstance(registry, dict):
                name = str(registry.get("name") or record.id)
                if name not in self.registered:
                    self._missing(record, f"registered model '{name}' is in no registry snapshot")
                elif record.id not in self.registry_serving:
                    self._missing(
                        record,
                        f"no version of registered model '{name}' carries a serving alias "
                        f"({', '.join(self.settings.serving_aliases)})",
                    )
            if workloads_seen:
                for environment in _k8s_environments(record.data.get("deployments")):
                    if environment not in self.mapped_environments:
                        continue
                    if (record.id, environment) not in self.workloads:
                        self._missing(
                            record,
                            f"the record declares a deployment in {environment}, but no "
                            "observed workload serves it there",
                            environment,
                        )

    def _missing(self, record: Record, message: str, environment: str | None = None) -> None:
        source = ",".join(s.id for s in self.snapshots)
        self.on_model(FindingKind.DECLARED_NOT_OBSERVED, record, message, source, environment)


def _k8s_environments(deployments: Any) -> Iterable[str]:
    """The environments of a record's active deployments onto Kubernetes workloads."""
    for deployment in deployments or ():
        if not isinstance(deployment, dict) or deployment.get("until"):
            continue
        if str(deployment.get("target", "")).startswith("k8s/") and deployment.get("environment"):
            yield str(deployment["environment"])
