"""The audit trail from git: diff, history, trend, metrics."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from compliance_tool.cli.app import (
    as_of_date,
    as_of_option,
    cli,
    date_option,
    format_option,
    period_value,
    ref_option,
    say,
    say_notes,
    say_warnings,
)
from compliance_tool.reporters import (
    DIFF_REPORTERS,
    HISTORY_REPORTERS,
    METRICS_REPORTERS,
    TREND_REPORTERS,
)
from compliance_tool.repository.session import (
    Where,
    locate,
    open_inventory,
)

if TYPE_CHECKING:
    from compliance_tool.audit.trend import Period


@cli.command()
@click.argument("base", metavar="BASE")
@click.argument("head", metavar="[HEAD]", required=False)
@format_option(DIFF_REPORTERS)
@as_of_option
@click.option("--no-rules", is_flag=True, help="Compare records only, not rule results.")
@click.pass_context
def diff(
    ctx: click.Context, base: str, head: str | None, output_format: str, as_of: Any, no_rules: bool
) -> None:
    """Semantic diff of inventory, policies and rule results between BASE and HEAD.

    HEAD defaults to the working tree. Both sides are evaluated at the same date.

    \b
    Example:
      compliance-tool diff origin/main --format markdown
    """
    from compliance_tool.audit.semantic_diff import SemanticDiff, diff_inventories, diff_results
    from compliance_tool.audit.shallow import require_commit
    from compliance_tool.checks.pipeline import evaluate
    from compliance_tool.repository.session import changed_between

    root = locate(ctx.obj["repo"])
    for ref in (base, head):
        if ref is not None:  # a base older than a shallow clone's depth: say so
            require_commit(root, ref)
    base_inventory = open_inventory(Where(root, base))
    head_inventory = open_inventory(Where(root, head))
    changed = changed_between(root, base, head)
    entities = diff_inventories(base_inventory, head_inventory, changed)
    results: list[Any] = []
    if not no_rules:
        date = as_of_date(as_of)
        results = diff_results(
            evaluate(base_inventory, date).check, evaluate(head_inventory, date).check
        )
    head_label = head or "working tree"
    result = SemanticDiff(base, head_label, tuple(entities), tuple(results), not no_rules)
    click.echo(DIFF_REPORTERS[output_format](result), nl=False)
    say_notes(base_inventory, head_inventory)


@cli.command()
@click.argument("record", metavar="FOLDER/ID")
@date_option("--since", "Only commits on or after this date.")
@date_option("--until", "Only commits on or before this date.")
@format_option(HISTORY_REPORTERS)
@click.pass_context
def history(ctx: click.Context, record: str, since: Any, until: Any, output_format: str) -> None:
    """Every commit that changed a record (e.g. models/fraud-scoring), newest first, with
    author, date, signature status and the field-level change; follows moves.

    For a snapshot of inventory/observations/ (e.g. observations/mlflow) each commit
    says what production did, in the source's terms: "version 7 of credit-scoring
    became champion on 2026-11-20", dated by the snapshot's observed_at; a commit that
    only observed again says "observed again on DATE, no change".

    \b
    Example:
      compliance-tool history models/fraud-scoring --since 2026-01-01
    """
    from compliance_tool.audit.history import record_history
    from compliance_tool.audit.shallow import UNSHALLOW
    from compliance_tool.repository.config import load_config

    root = locate(ctx.obj["repo"])
    result = record_history(
        root,
        record,
        since.date() if since else None,
        until.date() if until else None,
        load_config(root),
    )
    text = HISTORY_REPORTERS[output_format](result)
    click.echo(text, nl=False)
    cut = result.shallow
    if cut is not None and (since is None or since.date() < cut.start):
        say(
            f"note: {cut.sentence}; earlier commits of {record} are not available "
            f"('{UNSHALLOW}' fetches them)",
            fg="yellow",
        )
    say_warnings(result.notes)
    if not text:  # the text format shows nothing for no commit: say why, on stderr
        say(f"no commit changed {result.kind.value.lower()} {result.id}")


@cli.command()
@date_option("--since", "First period end.", required=True)
@date_option("--until", "Last period end (default: today).")
@click.option(
    "--every",
    default="P1M",
    show_default=True,
    callback=period_value,
    help="Period as an ISO 8601 duration: P1M (calendar month), P7D, P14D...",
)
@format_option(TREND_REPORTERS)
@click.pass_context
def trend(ctx: click.Context, since: Any, until: Any, every: Period, output_format: str) -> None:
    """Compliance at the last commit of each period: share of controls passing, findings by
    severity, production models.

    \b
    Example:
      compliance-tool trend --since 2026-01-31 --every P1M --format json
    """
    from compliance_tool.audit.shallow import UNSHALLOW, shallow_boundary
    from compliance_tool.audit.trend import Trend, compute_trend
    from compliance_tool.checks.pipeline import today
    from compliance_tool.repository.sources import open_repo

    root = locate(ctx.obj["repo"])
    points = compute_trend(root, since.date(), until.date() if until else today(), every)
    boundary = shallow_boundary(open_repo(root))
    if boundary is not None and since.date() < boundary.start:
        say(
            f"note: {boundary.sentence}; period ends before {boundary.start.isoformat()} "
            f"have no point ('{UNSHALLOW}' fetches the earlier history)",
            fg="yellow",
        )
    click.echo(TREND_REPORTERS[output_format](Trend(every.text, tuple(points))), nl=False)


@cli.command()
@click.option(
    "--model",
    "models",
    multiple=True,
    metavar="ID",
    help="A model to show (repeatable; default: every production model).",
)
@click.option("--team", default=None, metavar="TEAM", help="Only the models of this team.")
@click.option(
    "--period",
    default="P7D",
    show_default=True,
    callback=period_value,
    help="Spacing of the points as an ISO 8601 duration: P7D, P14D, P1M...",
)
@click.option(
    "--points",
    type=click.IntRange(min=1),
    default=26,
    show_default=True,
    help="How many period ends, the last one at --as-of.",
)
@as_of_option
@ref_option
@format_option(METRICS_REPORTERS)
@click.pass_context
def metrics(
    ctx: click.Context,
    models: tuple[str, ...],
    team: str | None,
    period: Period,
    points: int,
    as_of: Any,
    ref: str | None,
    output_format: str,
) -> None:
    """Operating metrics over time: failed deployments (90 days), retraining backlog,
    cost per 1,000 inferences and every other figure of the models' operations.metrics
    and of the metrics snapshots, at the end of each period, from the git history up to
    --ref (default HEAD).

    A figure counts from its own date (as_of, observed_at), not from its commit's. Each
    line shows the last values, the change since the previous point and the direction
    against the threshold: worse, better, steady, breached, no-previous or missing. A
    version that does not validate is listed as a gap.

    \b
    Example:
      compliance-tool metrics --team fraud-analytics --as-of 2026-12-01
      compliance-tool metrics --model fraud-scoring --points 8 --format json
    """
    from compliance_tool.audit.metric_series import metric_history

    root = locate(ctx.obj["repo"])
    result = metric_history(
        root,
        ref=ref,
        as_of=as_of_date(as_of),
        period=period,
        points=points,
        models=set(models) or None,
        team=team,
    )
    click.echo(METRICS_REPORTERS[output_format](result), nl=False)
