"""The ``observe:`` section of ``compliance-tool.yaml``: how what runs maps to the records.

Every setting has a default, so a repository without the section observes and
reconciles with the conventions of the data model: a registered model has the name of
its record (or ``registry.name``), a registry version maps to an inventory version
through its tag ``governance.version``, the aliases ``champion`` and ``production`` and
the legacy stage ``Production`` mean "serving", an environment whose name begins with
``prod`` is a production one, and a snapshot may be seven days old.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

DEFAULT_METRIC_NAMES: dict[str, str] = {
    "failed_deployments_90d": "model_failed_deployments_90d",
    "retraining_backlog_days": "model_retraining_backlog_days",
    "cost_per_1k_inferences_usd": "model_cost_per_1k_inferences_usd",
    "latency_p99_ms": "model_latency_p99_ms",
    "data_drift": "model_data_drift",
    "availability": "model_availability_ratio",
}
"""The inventory's name of each operating metric and the exposition's default name of
it (a gauge labelled by ``model``). The generated alerting rules use the same names."""

VERSION_TAG = "governance.version"
"""The registry tag that maps a registry version to the record's ``version``."""


@dataclass(frozen=True, slots=True)
class EnvironmentMapping:
    """Workloads of ``cluster`` (any when None) in ``namespace`` (any when None) run in
    the record's deployment ``environment``."""

    environment: str
    cluster: str | None = None
    namespace: str | None = None
    production: bool | None = None
    """Whether the environment is a production one (None: decided by its name)."""

    def matches(self, cluster: str | None, namespace: str) -> bool:
        return (self.cluster is None or self.cluster == cluster) and (
            self.namespace is None or self.namespace == namespace
        )


@dataclass(frozen=True, slots=True)
class ObserveSettings:
    """Everything ``observe`` and ``reconcile`` take from the configuration."""

    max_age: str = "P7D"
    """How old the newest snapshot of a source may be (an ISO 8601 duration)."""
    source_max_age: dict[str, str] = field(default_factory=dict)
    """The allowed age per snapshot name, where it differs from :attr:`max_age`."""
    serving_aliases: tuple[str, ...] = ("champion", "production")
    serving_stages: tuple[str, ...] = ("Production",)
    environments: tuple[EnvironmentMapping, ...] = ()
    production_environments: tuple[str, ...] | None = None
    """The production environments by name; None: every name that begins with ``prod``."""
    metric_names: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_METRIC_NAMES))
    model_label: str = "model"
    environment_label: str = "environment"
    relative_tolerance: float = 0.10
    """How far a hand-written metric may differ from the observed one, relative to it."""
    absolute_tolerance: float = 0.0
    cluster: str | None = None
    """The cluster of ``observe manifests`` when ``--cluster`` is not given."""

    def allowed_age(self, name: str) -> str:
        return self.source_max_age.get(name, self.max_age)

    def is_production(self, environment: str | None) -> bool:
        if not environment:
            return False
        for mapping in self.environments:
            if mapping.environment == environment and mapping.production is not None:
                return mapping.production
        if self.production_environments is not None:
            return environment in self.production_environments
        return environment.lower().startswith("prod")

    def environment_of(self, cluster: str | None, namespace: str) -> str | None:
        """The first mapping's environment for a workload of ``cluster``/``namespace``."""
        for mapping in self.environments:
            if mapping.matches(cluster, namespace):
                return mapping.environment
        return None


def observe_settings(config: dict[str, Any]) -> ObserveSettings:
    """The settings of a loaded (schema-checked) configuration."""
    section = config.get("observe") or {}
    registry = section.get("registry") or {}
    metrics = section.get("metrics") or {}
    tolerance = section.get("tolerance") or {}
    manifests = section.get("manifests") or {}
    production = section.get("production_environments")
    defaults = ObserveSettings()
    return ObserveSettings(
        max_age=str(section.get("max_age", defaults.max_age)),
        source_max_age={
            str(name): str(value["max_age"])
            for name, value in (section.get("sources") or {}).items()
            if isinstance(value, dict) and "max_age" in value
        },
        serving_aliases=tuple(registry.get("serving_aliases", defaults.serving_aliases)),
        serving_stages=tuple(registry.get("serving_stages", defaults.serving_stages)),
        environments=tuple(
            EnvironmentMapping(
                environment=str(item["environment"]),
                cluster=item.get("cluster"),
                namespace=item.get("namespace"),
                production=item.get("production"),
            )
            for item in manifests.get("environments") or ()
        ),
        production_environments=None if production is None else tuple(production),
        metric_names={**DEFAULT_METRIC_NAMES, **(metrics.get("names") or {})},
        model_label=str(metrics.get("model_label", defaults.model_label)),
        environment_label=str(metrics.get("environment_label", defaults.environment_label)),
        relative_tolerance=float(tolerance.get("relative", defaults.relative_tolerance)),
        absolute_tolerance=float(tolerance.get("absolute", defaults.absolute_tolerance)),
        cluster=manifests.get("cluster"),
    )
