"""The audit trail from git: diff, history, trend."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import click

from compliance_tool.cli.app import (
    as_of_date,
    as_of_option,
    cli,
    date_option,
    format_option,
    say,
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
@format_option("text", "markdown", "json")
@as_of_option
@click.option("--no-rules", is_flag=True, help="Compare records only, not rule results.")
@click.pass_context
def diff(
    ctx: click.Context, base: str, head: str | None, output_format: str, as_of: Any, no_rules: bool
) -> None:
    """Semantic diff of inventory, policies and rule results between BASE and HEAD.

    HEAD defaults to the working tree. Both sides are evaluated at the same date.
    """
    from compliance_tool.audit.semantic_diff import SemanticDiff, diff_inventories, diff_results
    from compliance_tool.checks.pipeline import evaluate
    from compliance_tool.reporters.diff_format import DIFF_FORMATS
    from compliance_tool.repository.session import changed_between

    root = locate(ctx.obj["repo"])
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
    click.echo(DIFF_FORMATS[output_format](result), nl=False)


@cli.command()
@click.argument("record", metavar="FOLDER/ID")
@date_option("--since", "Only commits on or after this date.")
@date_option("--until", "Only commits on or before this date.")
@format_option("text", "json")
@click.pass_context
def history(ctx: click.Context, record: str, since: Any, until: Any, output_format: str) -> None:
    """Every commit that changed a record (e.g. models/fraud-scoring), newest first, with
    author, date, signature status and the field-level change; follows moves."""
    import json

    from compliance_tool.audit.history import record_history
    from compliance_tool.reporters.diff_format import show
    from compliance_tool.repository.config import load_config

    root = locate(ctx.obj["repo"])
    kind, record_id, revisions = record_history(
        root,
        record,
        since.date() if since else None,
        until.date() if until else None,
        load_config(root),
    )
    if output_format == "json":
        click.echo(
            json.dumps(
                {
                    "version": 1,
                    "kind": kind.value,
                    "id": record_id,
                    "revisions": [
                        {
                            "commit": r.commit,
                            "author": r.author,
                            "email": r.email,
                            "date": r.date,
                            "signature": r.signature,
                            "signer": r.signer or None,
                            "summary": r.summary,
                            "change": r.change,
                            "path": r.path,
                            "old_path": r.old_path,
                            "fields": [
                                {"path": f.path, "old": f.old, "new": f.new} for f in r.fields
                            ],
                        }
                        for r in revisions
                    ],
                },
                indent=2,
                sort_keys=True,
                ensure_ascii=False,
            )
        )
        return
    if not revisions:
        say(f"no commit changed {kind.value.lower()} {record_id}")
        return
    click.echo(
        f"History of {kind.value.lower()} {record_id}, newest first ({len(revisions)} commits)"
    )
    for r in revisions:
        signed = f"signature {r.signature}" + (f" by {r.signer}" if r.signer else "")
        click.echo(f"\n{r.commit[:12]}  {r.date}  {r.author} <{r.email}>  {signed}")
        click.echo(f"    {r.summary}")
        if r.change == "moved":
            click.echo(f"    moved {r.old_path} -> {r.path}")
        elif r.change != "modified":
            click.echo(f"    {r.change} {r.path}")
        for f in r.fields:
            click.echo(f"    {f.path}: {show(f.old)} -> {show(f.new)}")


def _period(ctx: click.Context, param: click.Parameter, value: str) -> Period:
    """``--every`` parsed while the arguments are, so a bad value stops before any work."""
    from compliance_tool.audit.trend import parse_period

    try:
        return parse_period(value)
    except ValueError as error:
        raise click.BadParameter(str(error), ctx, param, param_hint="--every") from None


@cli.command()
@date_option("--since", "First period end.", required=True)
@date_option("--until", "Last period end (default: today).")
@click.option(
    "--every",
    default="P1M",
    show_default=True,
    callback=_period,
    help="Period as an ISO 8601 duration: P1M (calendar month), P7D, P14D...",
)
@format_option("text", "json")
@click.pass_context
def trend(ctx: click.Context, since: Any, until: Any, every: Period, output_format: str) -> None:
    """Compliance at the last commit of each period: share of controls passing, findings by
    severity, production models."""
    import json

    from compliance_tool.audit.trend import compute_trend
    from compliance_tool.checks.pipeline import today

    root = locate(ctx.obj["repo"])
    points = compute_trend(root, since.date(), until.date() if until else today(), every)
    if output_format == "json":
        click.echo(
            json.dumps(
                {
                    "version": 1,
                    "every": every.text,
                    "points": [
                        {
                            "end": p.end.isoformat(),
                            "commit": p.commit,
                            "share_passing": round(p.share_passing, 4),
                            "failing": p.failing,
                            "waived": p.waived,
                            "production_models": p.production_models,
                            "invalid": p.invalid,
                        }
                        for p in points
                    ],
                },
                indent=2,
                sort_keys=True,
            )
        )
        return
    click.echo(
        f"{'period end':<11} {'commit':<12} {'controls':>8} {'crit':>5} {'high':>5} "
        f"{'med':>5} {'low':>5} {'info':>5} {'waived':>6} {'prod':>5}"
    )
    for p in points:
        if p.invalid:
            click.echo(
                f"{p.end.isoformat():<11} {p.commit[:12]:<12} not evaluated: "
                f"{p.invalid} validation problem(s) at this commit"
            )
            continue
        f = p.failing
        click.echo(
            f"{p.end.isoformat():<11} {p.commit[:12]:<12} {p.share_passing:>8.0%} "
            f"{f['critical']:>5} {f['high']:>5} {f['medium']:>5} {f['low']:>5} "
            f"{f['info']:>5} {p.waived:>6} {p.production_models:>5}"
        )
