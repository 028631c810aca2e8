"""Output formats of every result type; the registries below are the only lists of them.

A registry maps a format name to the function that renders one result as text. The names
are known without importing a renderer, so that the CLI builds its ``--format`` choices
from them at start-up; a renderer's module, and what it needs (junitparser, ...), is
imported when that format is first rendered.

Imports the result types of :mod:`compliance_tool.audit`, :mod:`compliance_tool.scenarios`,
:mod:`compliance_tool.checks` and :mod:`compliance_tool.repository`; never Click.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Iterator, Mapping
from typing import TYPE_CHECKING, Any, TypeVar

if TYPE_CHECKING:
    from compliance_tool.audit.history import RecordHistory
    from compliance_tool.audit.metric_series import MetricHistory
    from compliance_tool.audit.semantic_diff import SemanticDiff
    from compliance_tool.audit.trend import Trend
    from compliance_tool.audit.verify import VerifyReport
    from compliance_tool.checks.continuity import Continuity
    from compliance_tool.checks.coverage import CoverageResult
    from compliance_tool.checks.due import Due
    from compliance_tool.checks.engine import CheckResult
    from compliance_tool.checks.lineage import Graph
    from compliance_tool.checks.oncall import OnCall
    from compliance_tool.checks.reconcile import Reconciliation
    from compliance_tool.checks.validate import ValidationResult
    from compliance_tool.scenarios.runner import ScenarioRun

T = TypeVar("T")


class Registry(Mapping[str, Callable[[T], str]]):
    """The formats of one result type: name -> renderer, in the order the CLI offers them.

    Each renderer is named ``module:function``, the module being one of this package.
    """

    __slots__ = ("_renderers",)

    def __init__(self, renderers: dict[str, str]) -> None:
        self._renderers = dict(renderers)

    def __getitem__(self, name: str) -> Callable[[T], str]:
        module, _, function = self._renderers[name].partition(":")
        renderer: Callable[[T], str] = getattr(
            importlib.import_module(f"{__name__}.{module}"), function
        )
        return renderer

    def __iter__(self) -> Iterator[str]:
        return iter(self._renderers)

    def __len__(self) -> int:
        return len(self._renderers)


VALIDATION_REPORTERS: Registry[ValidationResult] = Registry(
    {
        "text": "text:render_validation",
        "json": "json_format:render_validation",
        "github": "github:render_validation",
    }
)

CHECK_REPORTERS: Registry[CheckResult] = Registry(
    {
        "text": "text:render_check",
        "json": "json_format:render_check",
        "sarif": "sarif:render_check",
        "junit": "junit:render_check",
        "github": "github:render_check",
        "markdown": "markdown:render_check",
        "codequality": "codequality:render_check",
    }
)

COVERAGE_REPORTERS: Registry[CoverageResult] = Registry(
    {"text": "coverage:render_text", "json": "coverage:render_json"}
)

DIFF_REPORTERS: Registry[SemanticDiff] = Registry(
    {
        "text": "diff:render_text",
        "markdown": "diff:render_markdown",
        "json": "diff:render_json",
    }
)

HISTORY_REPORTERS: Registry[RecordHistory] = Registry(
    {"text": "history:render_text", "json": "history:render_json"}
)

TREND_REPORTERS: Registry[Trend] = Registry(
    {"text": "trend:render_text", "json": "trend:render_json"}
)

LINEAGE_REPORTERS: Registry[Graph] = Registry(
    {
        "text": "lineage:render_text",
        "json": "lineage:render_json",
        "dot": "lineage:render_dot",
        "mermaid": "lineage:render_mermaid",
    }
)

SCENARIO_REPORTERS: Registry[ScenarioRun] = Registry(
    {"text": "scenarios:render_text", "junit": "scenarios:render_junit"}
)
"""The Cucumber JSON of a run is not here: pytest-bdd writes it during the run."""

VERIFY_REPORTERS: Registry[VerifyReport] = Registry(
    {"text": "verify:render_text", "json": "verify:render_json"}
)

RECONCILE_REPORTERS: Registry[Reconciliation] = Registry(
    {
        "text": "reconcile:render_text",
        "json": "reconcile:render_json",
        "markdown": "reconcile:render_markdown",
    }
)

CONTINUITY_REPORTERS: Registry[Continuity] = Registry(
    {
        "text": "continuity:render_text",
        "json": "continuity:render_json",
        "markdown": "continuity:render_markdown",
    }
)

DUE_REPORTERS: Registry[Due] = Registry(
    {"text": "due:render_text", "json": "due:render_json", "ics": "due:render_ics"}
)
METRICS_REPORTERS: Registry[MetricHistory] = Registry(
    {"text": "metrics:render_text", "json": "metrics:render_json"}
)
ONCALL_REPORTERS: Registry[OnCall] = Registry(
    {"text": "oncall:render_text", "json": "oncall:render_json", "ics": "oncall:render_ics"}
)
"""The ICS renderer imports icalendar when it is first used, never at start-up."""

REGISTRIES: dict[str, Registry[Any]] = {
    "validation": VALIDATION_REPORTERS,
    "check": CHECK_REPORTERS,
    "coverage": COVERAGE_REPORTERS,
    "diff": DIFF_REPORTERS,
    "history": HISTORY_REPORTERS,
    "trend": TREND_REPORTERS,
    "lineage": LINEAGE_REPORTERS,
    "scenarios": SCENARIO_REPORTERS,
    "verify": VERIFY_REPORTERS,
    "reconcile": RECONCILE_REPORTERS,
    "continuity": CONTINUITY_REPORTERS,
    "due": DUE_REPORTERS,
    "metrics": METRICS_REPORTERS,
    "oncall": ONCALL_REPORTERS,
}
"""Every registry by the result type it renders (a test renders every name of each)."""
