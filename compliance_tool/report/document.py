"""The PDF compliance report's content: facts gathered from one evaluation, written for
people who do not read YAML, as one typed value per section of the report.

:func:`build_context` gathers them; :mod:`compliance_tool.report.render` renders them
through the template into PDF/A-3b.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from compliance_tool.checks.coverage import Coverage
from compliance_tool.checks.engine import CheckResult
from compliance_tool.report.sections.common import Evaluated
from compliance_tool.report.sections.continuity import ContinuitySection, build_continuity
from compliance_tool.report.sections.controls import CoverageSection, build_coverage
from compliance_tool.report.sections.cover import Cover, build_cover
from compliance_tool.report.sections.datasets import DatasetSection, build_datasets
from compliance_tool.report.sections.findings import Findings, build_findings
from compliance_tool.report.sections.history import HistorySection, build_history
from compliance_tool.report.sections.model_detail import ModelSection, build_model_section
from compliance_tool.report.sections.models import (
    DEFAULT_DETAIL_LIMIT,
    ModelInventory,
    build_model_inventory,
    detailed_models,
)
from compliance_tool.report.sections.observed import ObservedSection, build_observed
from compliance_tool.report.sections.operations import OperatingMetrics, build_operating_metrics
from compliance_tool.report.sections.provenance import Provenance, build_provenance
from compliance_tool.report.sections.summary import Summary, build_summary
from compliance_tool.report.sections.upcoming import UpcomingSection, build_upcoming
from compliance_tool.report.sections.waivers import Waivers, build_waivers
from compliance_tool.repository.loader import Inventory


@dataclass(frozen=True, slots=True)
class ReportSettings:
    """What the report needs besides the evaluation."""

    organisation: str
    title: str
    signer: str
    development_key: bool
    meaning: str
    detail_limit: int = DEFAULT_DETAIL_LIMIT


@dataclass(frozen=True, slots=True)
class ReportContext:
    """Everything the template shows, section by section, in the report's order.

    The template sees each field as a variable of its own (``cover.title``).
    """

    cover: Cover
    summary: Summary
    waivers: Waivers
    metrics: OperatingMetrics
    inventory: ModelInventory
    models: tuple[ModelSection, ...]
    """The production models with a section of their own."""
    observed: ObservedSection
    """Declared and observed: the records next to the committed snapshots."""
    continuity: ContinuitySection
    """Who keeps each production model running, and what breaks when people leave."""
    datasets: DatasetSection
    coverage: CoverageSection
    findings: Findings
    upcoming: UpcomingSection
    """What becomes mandatory, and when."""
    history: HistorySection | None
    """None for a report of the working tree."""
    provenance: Provenance


def build_context(
    inventory: Inventory,
    check: CheckResult,
    coverage: Coverage,
    settings: ReportSettings,
    manifest: dict[str, Any],
    history: dict[str, Any] | None = None,
) -> ReportContext:
    """Every section of the report from one evaluation, its coverage, the report's manifest
    and, for a commit, its history (the template holds no logic)."""
    evaluated = Evaluated.of(inventory, check)
    detailed = detailed_models(evaluated, settings.detail_limit)
    return ReportContext(
        cover=build_cover(evaluated, coverage, settings),
        summary=build_summary(evaluated, coverage),
        waivers=build_waivers(evaluated),
        metrics=build_operating_metrics(evaluated),
        inventory=build_model_inventory(evaluated, detailed),
        models=tuple(build_model_section(evaluated, model) for model in detailed),
        observed=build_observed(evaluated),
        continuity=build_continuity(evaluated),
        datasets=build_datasets(evaluated),
        coverage=build_coverage(coverage, check.as_of),
        findings=build_findings(evaluated),
        upcoming=build_upcoming(evaluated),
        history=build_history(history),
        provenance=build_provenance(manifest),
    )
