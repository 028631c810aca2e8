"""Prometheus alerting rules from the inventory: for every production model and every
threshold of its ``monitoring.thresholds``, a rule that fires when the metric crosses it,
labelled with ``model``, ``severity`` and ``rotation`` (``operations.oncall``) and
annotated with the threshold in words and the runbook (``operations.runbook``).

Levels: a threshold's ``warn`` and ``page`` give one rule each (severity ``warn`` and
``page``, firing at the level and above, as ``checks/thresholds.py`` judges drift); a
single ``max`` (fires above it) or ``min`` (fires below it) has the severity the record
states (``severity:``, where a repository's own schema allows it), else the one of
``export.prometheus-rules.severity``, else :data:`DEFAULT_SEVERITY`: ``page`` for the
performance floor, latency and availability, which customers feel now; ``warn`` for
fairness and cost, which a person reviews in working hours.

Metric names come from ``export.prometheus-rules.metrics`` over :data:`DEFAULT_METRICS`
(the names ``observe metrics`` reads, and ``model_performance``/``model_fairness`` in the
same style); every series is selected by the model label (``observe.metrics.model_label``,
default ``model``), by the environment label for the model's production deployments, and,
for performance and fairness, whose gauges carry every metric a model reports, by
``metric="<the record's metric>"``. A ``window`` (``P7D``) evaluates the average over it
(``avg_over_time(...[7d])``); without one the latest value counts. ``for:`` is the
threshold's own ``for`` where it states one, else ``export.prometheus-rules.for``, else
``PT10M``. A threshold whose metric has no name is an :class:`ExportError` (exit 2) that
names the model and the threshold, and nothing is written.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from compliance_tool.errors import ExportError
from compliance_tool.exports.alerting import (
    PagingModel,
    generated_header,
    paging_models,
    prometheus_duration,
    yaml_file,
)
from compliance_tool.exports.base import Exported, ExportRequest
from compliance_tool.observe.settings import DEFAULT_METRIC_NAMES, ObserveSettings, observe_settings

NAME = "prometheus-rules"

DEFAULT_METRICS: dict[str, str] = {
    "data_drift": DEFAULT_METRIC_NAMES["data_drift"],
    "performance": "model_performance",
    "fairness": "model_fairness",
    "latency_p99_ms": DEFAULT_METRIC_NAMES["latency_p99_ms"],
    "availability": DEFAULT_METRIC_NAMES["availability"],
    "cost_per_1k_inferences_usd": DEFAULT_METRIC_NAMES["cost_per_1k_inferences_usd"],
}
"""The gauge of each threshold of the model schema, labelled by model (and environment)."""

DEFAULT_SEVERITY: dict[str, str] = {
    "performance": "page",
    "latency_p99_ms": "page",
    "availability": "page",
    "fairness": "warn",
    "cost_per_1k_inferences_usd": "warn",
}
"""The severity of a single ``max`` or ``min`` bound; ``warn`` for a threshold not named."""

DEFAULT_FOR = "PT10M"
"""How long a threshold must stay crossed before its alert fires, unless set."""

METRIC_LABELLED = frozenset({"performance", "fairness"})
"""Thresholds whose gauge is selected by the record's ``metric`` too."""

METRIC_LABEL = "metric"

_WORDS: dict[str, str] = {
    "data_drift": "data drift",
    "performance": "performance",
    "fairness": "fairness",
    "latency_p99_ms": "latency p99 (ms)",
    "availability": "availability",
    "cost_per_1k_inferences_usd": "cost per 1k inferences (USD)",
}

_LEVELS: tuple[tuple[str, str, str, str], ...] = (
    # key, comparison, alert name suffix, words
    ("warn", ">=", "", "warns at"),
    ("page", ">=", "", "pages at"),
    ("max", ">", "AboveMax", "at most"),
    ("min", "<", "BelowMin", "at least"),
)


def prometheus_rules(request: ExportRequest) -> Exported:
    """The rules file of every production model's thresholds."""
    settings = request.settings(NAME)
    metrics = {**DEFAULT_METRICS, **(settings.get("metrics") or {})}
    observe = observe_settings(dict(request.config))
    models = paging_models(request.inventory)
    unmapped = [
        f"{model.record.path}: model {model.id}, threshold monitoring.thresholds.{name}"
        for model in models
        for name in model.thresholds
        if not metrics.get(name)
    ]
    if unmapped:
        raise ExportError(
            f"{len(unmapped)} threshold(s) have no metric name: the {NAME} export was not written",
            hint=f"name each one's metric in export.{NAME}.metrics of compliance-tool.yaml",
            details=unmapped,
        )
    groups = [
        {"name": f"model-thresholds/{model.id}", "rules": _rules(model, metrics, settings, observe)}
        for model in models
    ]
    header = generated_header(
        "Prometheus alerting rules of the production models' thresholds.",
        f"compliance-tool export {NAME}",
    )
    return Exported({"rules.yaml": yaml_file(header, {"groups": groups})})


def _rules(
    model: PagingModel,
    metrics: Mapping[str, str],
    settings: Mapping[str, Any],
    observe: ObserveSettings,
) -> list[dict[str, Any]]:
    rules = []
    for name in _ordered(model.thresholds):
        limit = model.thresholds[name]
        if not isinstance(limit, dict):
            continue
        where = f"{model.record.path}: monitoring.thresholds.{name}"
        selector = _selector(model, name, limit, metrics[name], observe)
        if limit.get("window"):
            window = prometheus_duration(limit["window"], f"{where}.window")
            selector = f"avg_over_time({selector}[{window}])"
        wait = prometheus_duration(
            str(limit.get("for") or settings.get("for") or DEFAULT_FOR), where
        )
        for key, comparison, suffix, words in _LEVELS:
            value = limit.get(key)
            if isinstance(value, bool) or not isinstance(value, int | float):
                continue
            severity = key if key in ("warn", "page") else _severity(name, limit, settings)
            threshold = f"{_described(name, limit)} {words} {value:g}"
            rules.append(
                {
                    "alert": f"Model{_camel(name)}{suffix}",
                    "expr": f"{selector} {comparison} {value:g}",
                    "for": wait,
                    "labels": {"model": model.id, "rotation": model.rotation, "severity": severity},
                    "annotations": _annotations(model, threshold, severity),
                }
            )
    return rules


def _ordered(thresholds: Mapping[str, Any]) -> list[str]:
    """The schema's thresholds in the order it lists them, then any other by name."""
    known = [name for name in DEFAULT_METRICS if name in thresholds]
    return known + sorted(name for name in thresholds if name not in DEFAULT_METRICS)


def _selector(
    model: PagingModel, name: str, limit: Mapping[str, Any], metric: str, observe: ObserveSettings
) -> str:
    matchers = [f'{observe.model_label}="{model.id}"']
    environments = sorted(
        {
            str(d["environment"])
            for d in model.record.get("deployments") or ()
            if isinstance(d, dict) and observe.is_production(d.get("environment"))
        }
    )
    if len(environments) == 1:
        matchers.append(f'{observe.environment_label}="{environments[0]}"')
    elif environments:
        matchers.append(f'{observe.environment_label}=~"{"|".join(map(_literal, environments))}"')
    if name in METRIC_LABELLED and isinstance(limit.get("metric"), str):
        matchers.append(f'{METRIC_LABEL}="{limit["metric"]}"')
    return f"{metric}{{{','.join(matchers)}}}"


def _literal(text: str) -> str:
    """``text`` matched literally by a PromQL regular expression in a double-quoted string."""
    escaped = re.sub(r"([\\.+*?()|\[\]{}^$])", r"\\\1", text)
    return escaped.replace("\\", "\\\\").replace('"', '\\"')


def _severity(name: str, limit: Mapping[str, Any], settings: Mapping[str, Any]) -> str:
    stated = limit.get("severity") or (settings.get("severity") or {}).get(name)
    return str(stated or DEFAULT_SEVERITY.get(name, "warn"))


def _described(name: str, limit: Mapping[str, Any]) -> str:
    """The threshold's metric in words: ``data drift (psi over P7D)``."""
    said = [str(limit["metric"])] if isinstance(limit.get("metric"), str) else []
    said += [f"over {limit['window']}"] if limit.get("window") else []
    words = _WORDS.get(name, name.replace("_", " "))
    return f"{words} ({' '.join(said)})" if said else words


def _annotations(model: PagingModel, threshold: str, severity: str) -> dict[str, str]:
    found = {
        "summary": f"{model.id}: {threshold} ({severity})",
        "description": (
            f"{model.record.path} declares {threshold}. Rotation {model.rotation} answers for "
            "this model."
        ),
        "threshold": threshold,
    }
    if model.runbook:
        found["runbook"] = model.runbook
    return found


def _camel(name: str) -> str:
    return "".join(part[:1].upper() + part[1:] for part in re.split(r"[^A-Za-z0-9]+", name))
