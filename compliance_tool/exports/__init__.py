"""Exports: the portfolio in the formats other tools read (Prometheus alerting rules,
Alertmanager routes, OSCAL, CycloneDX, model cards, Backstage), one module per format.

Each format is an :class:`Exporter` in :data:`EXPORTERS`: its name on the command line,
the ``module:function`` that makes its files (imported when first used, so that
``compliance-tool --version`` loads none of them), where its files go in the repository
when no ``--output`` is given (``export.<name>.path`` in compliance-tool.yaml overrides
it), and whether it writes one file or a folder of them. The function takes an
:class:`~compliance_tool.exports.base.ExportRequest` and returns an
:class:`~compliance_tool.exports.base.Exported`: the bytes of every file, by name
relative to the output, deterministic for a given commit and date.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable

    from compliance_tool.exports.base import Exported, ExportRequest


@dataclass(frozen=True, slots=True)
class Exporter:
    name: str
    target: str
    """``module:function`` under ``compliance_tool.exports``."""
    summary: str
    """What the export is, in a line (``export --help`` lists them)."""
    default_path: str
    """Where its file (or folder) goes in the repository without ``--output``."""
    folder: bool = False
    """True when the export writes a folder of files (``--output`` names a folder)."""

    def load(self) -> Callable[[ExportRequest], Exported]:
        module, _, function = self.target.partition(":")
        loaded: Callable[[ExportRequest], Exported] = getattr(
            importlib.import_module(f"compliance_tool.exports.{module}"), function
        )
        return loaded


_ALL: tuple[Exporter, ...] = (
    # one line per format, in the order ``export --help`` lists them
    Exporter(
        "prometheus-rules",
        "prometheus:prometheus_rules",
        "Prometheus alerting rules of every production model's thresholds",
        "monitoring/prometheus/model-alerts.rules.yaml",
    ),
    Exporter(
        "alertmanager",
        "alertmanager:alertmanager_config",
        "Alertmanager routes and receivers: each model's alerts to its rotation",
        "monitoring/alertmanager/alertmanager.yml",
    ),
    Exporter(
        "model-cards",
        "model_cards:model_cards",
        "one Markdown model card per model, Hugging Face metadata in front matter",
        "docs/model-cards",
        folder=True,
    ),
    Exporter(
        "backstage",
        "backstage:backstage",
        "Backstage catalogue entities: models, datasets, people and teams",
        "catalog/catalog-info.yaml",
    ),
    Exporter(
        "oscal-component-definition",
        "oscal:component_definition",
        "OSCAL 1.1 component definition: the controls, their rules and clauses",
        "exports/oscal/component-definition.json",
    ),
    Exporter(
        "oscal-assessment-results",
        "oscal:assessment_results",
        "OSCAL 1.1 assessment results of one evaluation of every rule",
        "exports/oscal/assessment-results.json",
    ),
    Exporter(
        "cyclonedx",
        "cyclonedx:ml_bom",
        "CycloneDX 1.6 ML-BOM: models with model cards, datasets, lineage",
        "exports/bom.cdx.json",
    ),
)

EXPORTERS: dict[str, Exporter] = {exporter.name: exporter for exporter in _ALL}
"""Every export by name."""
