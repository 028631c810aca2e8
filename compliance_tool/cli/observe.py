"""Commands that look at what runs: observe (a registry, manifests, metrics), reconcile."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from compliance_tool.cli.app import (
    as_of_date,
    as_of_option,
    cli,
    emit,
    formats_option,
    parse_formats,
    ref_option,
    say,
    say_notes,
    say_warnings,
    where_of,
)
from compliance_tool.errors import EXIT_FINDINGS, EXIT_OK
from compliance_tool.reporters import RECONCILE_REPORTERS
from compliance_tool.repository.session import locate, open_inventory

if TYPE_CHECKING:  # the observe package is imported when a command runs, not at start-up
    from compliance_tool.observe.base import Source
    from compliance_tool.observe.settings import ObserveSettings

F = TypeVar("F", bound=Callable[..., Any])


@cli.group()
def observe() -> None:
    """Read a system of record and write what it shows into inventory/observations/.

    Each source writes one snapshot file (named by --name), with its entries sorted, so
    that observing an unchanged system changes nothing but the time: commit the snapshots
    from a scheduled job and their git history is the production history. check, report
    and reconcile read the committed snapshots, never the live system.

    Exit 0 when the snapshot is written, 2 when the system cannot be read or answers with
    something it would not return (nothing is written then).

    \b
    Example:
      compliance-tool observe mlflow --tracking-uri http://127.0.0.1:5000
    """


def write_observation(ctx: click.Context, name: str, source: Source) -> None:
    """Observe ``source`` and write its snapshot ``name``; say what was written."""
    from compliance_tool.observe.snapshot import write_snapshot

    root = locate(ctx.obj["repo"])
    observed = source.observe()
    say_warnings(observed.warnings)
    written = write_snapshot(root, name, observed)
    change = "changed" if written.changed else "unchanged since the last snapshot"
    say(f"wrote {written.relative}: {written.entries} entries from {observed.address} ({change})")


def settings_of(ctx: click.Context) -> ObserveSettings:
    """The ``observe:`` settings of the repository's compliance-tool.yaml."""
    from compliance_tool.observe.settings import observe_settings
    from compliance_tool.repository.config import load_config

    return observe_settings(load_config(locate(ctx.obj["repo"])))


_TIMEOUT = click.option(
    "--timeout",
    type=click.FloatRange(0.1, 600),
    default=10.0,
    show_default=True,
    help="Seconds to wait for each answer of the system before giving up.",
)


def _name_option(default: str) -> Callable[[F], F]:
    return click.option(
        "--name",
        default=default,
        show_default=True,
        help="Name of the snapshot: inventory/observations/NAME.yaml.",
    )


@observe.command("mlflow")
@click.option(
    "--tracking-uri",
    envvar="MLFLOW_TRACKING_URI",
    required=True,
    metavar="URI",
    help="The MLflow tracking server (default: $MLFLOW_TRACKING_URI). Credentials come "
    "from MLFLOW_TRACKING_TOKEN or MLFLOW_TRACKING_USERNAME and MLFLOW_TRACKING_PASSWORD "
    "only, and are never written anywhere.",
)
@_name_option("mlflow")
@_TIMEOUT
@click.option(
    "--page-size",
    type=click.IntRange(1, 1000),
    default=100,
    show_default=True,
    help="Registered models asked for per request (versions: ten times as many, at most 10,000).",
)
@click.pass_context
def observe_mlflow(
    ctx: click.Context, tracking_uri: str, name: str, timeout: float, page_size: int
) -> None:
    """Observe an MLflow Model Registry: every registered model, its versions (number,
    status, stage, run, source, creation time, tags) and its aliases.

    Exit 0 when the snapshot is written; 2 when the server cannot be reached in time,
    refuses the credentials (401, 403) or answers with something MLflow does not return.

    \b
    Example:
      compliance-tool observe mlflow --tracking-uri http://127.0.0.1:5000
    """
    from compliance_tool.observe.mlflow import MlflowRegistry

    write_observation(ctx, name, MlflowRegistry(tracking_uri, timeout=timeout, page_size=page_size))


@observe.command("manifests")
@click.argument("paths", nargs=-1, required=True)
@click.option(
    "--from-repo",
    type=click.Path(file_okay=False, exists=True, path_type=Path),
    default=None,
    help="Read PATHS in this other git repository (at --ref) instead of on disk.",
)
@click.option(
    "--ref", default=None, help="The commit, branch or tag of --from-repo (default HEAD)."
)
@click.option(
    "--cluster",
    default=None,
    help="The cluster the manifests are for (default: observe.manifests.cluster).",
)
@_name_option("manifests")
@click.pass_context
def observe_manifests(
    ctx: click.Context,
    paths: tuple[str, ...],
    from_repo: Path | None,
    ref: str | None,
    cluster: str | None,
    name: str,
) -> None:
    """Observe Kubernetes workload manifests kept in git (Deployment, StatefulSet, KServe
    InferenceService): each names its model with the labels governance/model-id and
    governance/model-version, and its environment comes from observe.manifests.environments
    in compliance-tool.yaml (by cluster and namespace).

    PATHS are files or folders (every .yaml and .yml below them). Exit 0 when the snapshot
    is written; 2 when a manifest is not YAML, a label is not a valid id, or two workloads
    claim one model in one environment.

    \b
    Example:
      compliance-tool observe manifests deploy/ --cluster eu-central-1
    """
    from compliance_tool.observe.manifests import Manifests

    settings = settings_of(ctx)
    source = Manifests(
        list(paths),
        settings=settings,
        base=Path.cwd(),
        repo=from_repo,
        ref=ref,
        cluster=cluster or settings.cluster,
        governance=locate(ctx.obj["repo"]),
    )
    write_observation(ctx, name, source)


@observe.command("metrics")
@click.option(
    "--openmetrics",
    "location",
    required=True,
    metavar="FILE|URL",
    help="A Prometheus or OpenMetrics text exposition: a file, or an http(s) URL to scrape.",
)
@_name_option("metrics")
@_TIMEOUT
@click.pass_context
def observe_metrics(ctx: click.Context, location: str, name: str, timeout: float) -> None:
    """Observe operating metrics from a Prometheus or OpenMetrics exposition: failed
    deployments, retraining backlog, cost per 1,000 inferences, p99 latency, drift and
    availability, each a metric labelled by model (names in observe.metrics).

    Exit 0 when the snapshot is written; 2 when the file cannot be read, the URL does not
    answer in time or the text does not parse.

    \b
    Example:
      compliance-tool observe metrics --openmetrics http://127.0.0.1:9100/metrics
    """
    from compliance_tool.observe.metrics import OpenMetrics

    write_observation(ctx, name, OpenMetrics(location, settings=settings_of(ctx), timeout=timeout))


@cli.command()
@ref_option
@as_of_option
@formats_option(RECONCILE_REPORTERS, "Default: text.")
@click.pass_context
def reconcile(ctx: click.Context, ref: str | None, as_of: Any, formats: tuple[str, ...]) -> None:
    """Compare the inventory with the newest committed snapshots of inventory/observations/
    and report each disagreement once, with one of the kinds undeclared-model,
    unapproved-version-serving, version-mismatch, retired-but-serving,
    serving-before-production, declared-not-observed, metric-breach,
    declared-metric-differs and stale-observation.

    reconcile reads the snapshots committed (or in the working tree), never a live system:
    run 'compliance-tool observe' first. Every disagreement is listed, waived or not; the
    REC- rules of 'check' report the same findings and apply waivers. Exit 0 when the
    records agree with every snapshot, 1 when they disagree, 2 on bad input.

    \b
    Example:
      compliance-tool reconcile --format json=reconcile.json
    """
    from compliance_tool.checks.reconcile import reconcile as run_reconcile

    outputs = parse_formats(formats, list(RECONCILE_REPORTERS))
    inventory = open_inventory(where_of(ctx, ref))
    result = run_reconcile(inventory, as_of_date(as_of), strict=True)
    emit(outputs, lambda name: RECONCILE_REPORTERS[name](result))
    say_notes(inventory)
    if not result.snapshots:
        say("no snapshots yet: run 'compliance-tool observe mlflow|manifests|metrics'")
    ctx.exit(EXIT_FINDINGS if result.findings else EXIT_OK)
