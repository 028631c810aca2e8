"""The Declared and observed section as a typed value (no PDF is made here): the sample's
registry snapshot against its records, a copy with workload and metrics snapshots and a
later date at which the registry snapshot is stale, and a copy with no snapshot."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import pytest
from support.repos import AS_OF, REPO_ROOT, copy_sample

from compliance_tool.checks.coverage import compute_coverage
from compliance_tool.checks.pipeline import evaluate
from compliance_tool.report.build import report_manifest
from compliance_tool.report.document import ReportSettings, build_context
from compliance_tool.report.render import render_html
from compliance_tool.report.sections.common import Evaluated
from compliance_tool.report.sections.cover import build_cover
from compliance_tool.report.sections.observed import (
    ObservedModel,
    ObservedSection,
    build_observed,
)
from compliance_tool.repository.kinds import Kind, Lifecycle
from compliance_tool.repository.session import Where, open_inventory

MANIFESTS = """\
apiVersion: governance/v1
kind: Observation
id: manifests
source: {system: kubernetes, address: deploy/k8s}
observed_at: '2026-12-09T06:00:00Z'
tool_version: 0.1.0
entries:
- {workload: Deployment, name: fraud-scoring, namespace: payments, environment: prod-eu,
   production: true, model_id: fraud-scoring, model_version: 4.2.1, file: eu/fraud.yaml,
   line: 1}
- {workload: Deployment, name: fraud-scoring, namespace: payments, environment: prod-us,
   production: true, model_id: fraud-scoring, model_version: 4.1.0, file: us/fraud.yaml,
   line: 1}
- {workload: Deployment, name: shadow-pricing, namespace: pricing, environment: prod-eu,
   production: true, model_id: shadow-pricing, model_version: 0.3.0, file: eu/pricing.yaml,
   line: 1}
"""

METRICS = """\
apiVersion: governance/v1
kind: Observation
id: metrics
source: {system: openmetrics, address: https://prometheus.ml.northmoorbank.internal}
observed_at: '2026-12-09T06:00:00Z'
tool_version: 0.1.0
entries:
- model: fraud-scoring
  environment: prod-eu
  metrics: {latency_p99_ms: 171, availability: 0.9995}
"""

LATER = dt.date(2026, 12, 10)
"""15 days after the registry snapshot, which may be 7 days old."""


def settings() -> ReportSettings:
    return ReportSettings(
        organisation="Northmoor Bank",
        title="AI portfolio compliance report",
        signer="not signed",
        development_key=False,
        meaning="Compliance report of the AI portfolio",
    )


def evaluated_at(root: Path, as_of: dt.date) -> Evaluated:
    inventory = open_inventory(Where(root, None, use_cache=False))
    return Evaluated.of(inventory, evaluate(inventory, as_of).check)


@pytest.fixture(scope="module")
def sample() -> Evaluated:
    return evaluated_at(REPO_ROOT, AS_OF)


@pytest.fixture(scope="module")
def section(sample: Evaluated) -> ObservedSection:
    return build_observed(sample)


def model(section: ObservedSection, model_id: str) -> ObservedModel:
    return next(m for m in section.models if m.id == model_id)


def test_fraud_scoring_serves_an_unapproved_version(section: ObservedSection) -> None:
    assert section.places == ("registry", "prod-eu", "prod-us")
    fraud = model(section, "fraud-scoring")
    assert (fraud.declared, fraud.approved) == ("4.2.1", "4.2.1")
    registry, eu, us = fraud.cells
    assert (registry.versions, registry.state) == ("4.3.0", "unapproved")
    assert (eu.versions, eu.state, us.versions, us.state) == ("4.2.1", "same", "4.2.1", "same")
    (finding,) = fraud.findings
    assert finding.what == "Serves a version that has no deploy approval"
    assert finding.rule == "REC-02-unapproved-version-serving"
    assert (finding.severity, finding.status) == ("critical", "fail")
    assert "serves version 4.3.0, which has no deploy approval (approved: 4.2.1)" in (
        finding.message
    )


def test_credit_scoring_serves_its_declared_version(section: ObservedSection) -> None:
    credit = model(section, "credit-scoring")
    assert credit.declared == "3.1.0"
    assert [(c.versions, c.state) for c in credit.cells] == [
        ("3.1.0", "same"),
        ("3.1.0", "same"),
        ("—", "none"),
    ]
    assert credit.findings == ()


def test_every_production_model_has_a_row(sample: Evaluated, section: ObservedSection) -> None:
    production = sorted(
        m.id for m in sample.models if m.data.get("lifecycle") == Lifecycle.PRODUCTION.value
    )
    assert len(production) == 11
    # the retired model that still serves has a row too
    assert [m.id for m in section.models] == sorted([*production, "legacy-application-scorecard"])
    assert [m.id for m in section.models if m.findings] == [
        "fraud-scoring",
        "legacy-application-scorecard",
        "product-recommendations",
    ]
    assert section.disagreements == 5
    assert [u.name for u in section.undeclared] == ["next-best-offer"]
    assert section.stale == ()
    assert len(section.metric_lines) == 11 and len(section.metric_names) == 6
    cost = section.metric_names.index("cost per 1k inferences (USD)")
    line = next(m for m in section.metric_lines if m.model == "product-recommendations")
    cell = line.cells[cost]
    assert cell is not None and (cell.value, cell.threshold, cell.breach) == (
        "0.071",
        "≤ 0.06",
        True,
    )


def test_the_snapshot_and_the_cover_line(sample: Evaluated, section: ObservedSection) -> None:
    assert [s.id for s in section.sources] == ["manifests", "metrics", "mlflow"]
    source = section.sources[2]
    assert (source.id, source.system, source.observed_at) == (
        "mlflow",
        "MLflow registry",
        "2026-11-25 06:00 UTC",
    )
    assert (source.entries, source.stale, source.age_days, source.max_age) == (
        15,
        False,
        1,
        "7 days",
    )
    coverage = compute_coverage(sample.inventory, sample.check)
    cover = build_cover(sample, coverage, settings())
    assert cover.observed == (
        "manifests (Kubernetes manifests, 2026-11-25 06:00 UTC); "
        "metrics (metrics exposition, 2026-11-25 06:00 UTC); "
        "mlflow (MLflow registry, 2026-11-25 06:00 UTC)"
    )


@pytest.fixture(scope="module")
def observed_later(tmp_path_factory: pytest.TempPathFactory) -> Evaluated:
    """The sample with other workload and metrics snapshots, 15 days after the registry's."""
    root = copy_sample(tmp_path_factory.mktemp("observed") / "northmoor", config=True)
    (root / "inventory/observations/manifests.yaml").write_text(MANIFESTS, encoding="utf-8")
    (root / "inventory/observations/metrics.yaml").write_text(METRICS, encoding="utf-8")
    return evaluated_at(root, LATER)


def test_workload_environments_metrics_and_stale_snapshots(observed_later: Evaluated) -> None:
    section = build_observed(observed_later)
    assert [s.id for s in section.sources] == ["manifests", "metrics", "mlflow"]
    assert section.stale == ("mlflow",)
    assert section.places == ("registry", "prod-eu", "prod-us")
    fraud = model(section, "fraud-scoring")
    assert [(c.versions, c.state) for c in fraud.cells] == [
        ("4.3.0", "unapproved"),
        ("4.2.1", "same"),
        ("4.1.0", "unapproved"),
    ]
    whats = {f.what for f in fraud.findings}
    assert "An observed metric is beyond its threshold" in whats
    assert "The hand-written figure differs from the observed one" in whats
    latency = next(r for r in section.metrics if r.name == "latency p99 (ms)")
    assert (latency.value, latency.threshold, latency.breach) == ("171", "≤ 150", True)
    assert (latency.declared, latency.differs) == ("118", True)
    availability = next(r for r in section.metrics if r.name == "availability")
    assert (availability.breach, availability.declared, availability.differs) == (
        False,
        "0.9996",
        False,
    )
    assert [(r.name, r.source) for r in section.undeclared] == [("shadow-pricing", "manifests")]
    assert section.undeclared[0].status == "fail"
    coverage = compute_coverage(observed_later.inventory, observed_later.check)
    assert build_cover(observed_later, coverage, settings()).observed == (
        "manifests (Kubernetes manifests, 2026-12-09 06:00 UTC); "
        "metrics (metrics exposition, 2026-12-09 06:00 UTC); "
        "mlflow (MLflow registry, 2026-11-25 06:00 UTC, stale)"
    )


def test_without_snapshots_the_section_says_so(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "northmoor", config=True)
    shutil.rmtree(root / "inventory/observations")
    evaluated = evaluated_at(root, AS_OF)
    assert evaluated.inventory.records(Kind.OBSERVATION) == []
    section = build_observed(evaluated)
    assert section.sources == () and section.models == ()
    coverage = compute_coverage(evaluated.inventory, evaluated.check)
    manifest = report_manifest(root, evaluated.inventory, "Northmoor Bank", AS_OF, b"{}")
    assert manifest["observations"] == []
    context = build_context(
        evaluated.inventory, evaluated.check, coverage, settings(), manifest, None
    )
    assert context.cover.observed == "no observations"
    html = render_html(context)
    assert '<h1 id="observed">Declared and observed</h1>' in html
    assert "No snapshots are committed under inventory/observations/" in html
    assert "Versions: declared and serving" not in html
