"""The operating rhythm: what falls due (text, JSON or a calendar feed) and the pack of
the weekly operating review (Markdown or PDF)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import click

from compliance_tool.cli.app import (
    as_of_date,
    as_of_option,
    cli,
    emit,
    format_option,
    period_value,
    ref_option,
    say,
    say_notes,
    where_of,
)
from compliance_tool.errors import EXIT_FINDINGS, EXIT_OK
from compliance_tool.reporters import DUE_REPORTERS
from compliance_tool.repository.config import config_of
from compliance_tool.repository.session import open_inventory


class Duration(click.ParamType):
    """An ISO 8601 duration (``P30D``, ``P2W``, ``P1M``), kept with the text given."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Any:
        if isinstance(value, tuple):
            return value
        from compliance_tool.checks.facts import parse_duration

        try:
            return (parse_duration(str(value)), str(value))
        except ValueError as error:
            self.fail(f"{error}; write P30D, P2W or P3M", param, ctx)


@cli.command()
@click.option(
    "--within",
    type=Duration(),
    default=None,
    metavar="DURATION",
    help="List what falls due up to this ISO 8601 duration after --as-of, e.g. P30D "
    "(default: every date); overdue obligations are always listed.",
)
@as_of_option
@ref_option
@click.option(
    "--person", default=None, metavar="ID", help="Only what this Person is responsible for."
)
@click.option(
    "--team",
    default=None,
    metavar="ID",
    help="Only what concerns this Team: its models, its members, the people responsible.",
)
@format_option(DUE_REPORTERS)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write to this file (atomically) instead of stdout.",
)
@click.pass_context
def due(
    ctx: click.Context,
    within: tuple[dt.timedelta, str] | None,
    as_of: Any,
    ref: str | None,
    person: str | None,
    team: str | None,
    output_format: str,
    output: Path | None,
) -> None:
    """Every dated obligation before it becomes a finding: validations, retraining
    cadences, waiver expiries, contract ends of specialists on rotations, access reviews,
    AI-literacy training, post-incident reviews and Art. 73 reports of incidents, and
    rules that apply from a date. Each with its record, file and line, the people
    responsible, the date, the days left and the rule that fails after it; sorted by date.
    The windows are the rules' own (VAL-01, RET-01, TRN-01, INC-01, INC-02, ...).

    --format ics writes an RFC 5545 calendar (one all-day event per obligation, its UID
    stable when the date moves, the responsible people as attendees); with --person or
    --team, a personal or team feed.

    Exit 0 when nothing listed is overdue, 1 when something is, 2 on bad input (an
    unknown person or team, --person with --team, a --within that is no duration).

    \b
    Example:
      compliance-tool due --within P30D
      compliance-tool due --team ml-sre --format ics --output ml-sre.ics
    """
    from compliance_tool.checks.due import due as run_due

    if person is not None and team is not None:
        raise click.UsageError("give --person or --team, not both")
    inventory = open_inventory(where_of(ctx, ref))
    result = run_due(
        inventory,
        as_of_date(as_of),
        within=within[0] if within else None,
        within_text=within[1] if within else None,
        person=person,
        team=team,
        file_url=(config_of(inventory.source).get("links") or {}).get("files"),
    )
    emit([(output_format, output)], lambda name: DUE_REPORTERS[name](result))
    say_notes(inventory)
    ctx.exit(EXIT_OK if result.passed else EXIT_FINDINGS)


@cli.command()
@click.option(
    "--period",
    default="P7D",
    show_default=True,
    callback=period_value,
    metavar="DURATION",
    help="Time between two reviews, an ISO 8601 duration (P7D, P14D, P1M).",
)
@click.option("--team", default=None, metavar="TEAM", help="Only this team's models (a Team id).")
@as_of_option
@ref_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["markdown", "pdf"]),
    default="markdown",
    show_default=True,
    help="Markdown to stdout (or --output), or a PDF.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="File to write (default: stdout for Markdown, reports/review-DATE-COMMIT.pdf for a PDF).",
)
@click.option("--sign", is_flag=True, help="Sign the PDF as the report is signed.")
@click.option("--meaning", default=None, help="What the signature means (with --sign).")
@click.option(
    "--allow-without-tsa",
    is_flag=True,
    help="Sign without a trusted time-stamp when the time-stamp authority cannot be reached.",
)
@click.pass_context
def review(
    ctx: click.Context,
    period: Any,
    team: str | None,
    as_of: Any,
    ref: str | None,
    output_format: str,
    output: Path | None,
    sign: bool,
    meaning: str | None,
    allow_without_tsa: bool,
) -> None:
    """The pack of one operating review, as an agenda, most urgent first: the decisions
    needed; per team and production model the three headline figures (failed
    deployments in 90 days, retraining backlog, cost per 1,000 inferences) with their
    weekly series and direction since the previous review; incidents opened and closed
    in the period and their post-incident review; findings new and resolved since the
    previous review (the last commit on or before AS_OF minus PERIOD, evaluated on that
    day); what falls due in the next 30 days (or period); and the on-call hand-overs of
    the coming period.

    Exit 0 when the pack was written, whatever it shows; 2 on bad input (an unknown
    team, a period that is not a duration, records that do not validate at REF).

    \b
    Example:
      compliance-tool review --as-of 2026-12-01
      compliance-tool review --team ml-sre --format pdf --output review.pdf --sign
    """
    from compliance_tool.audit.review import review_pack

    where = where_of(ctx, ref)
    pack = review_pack(where.root, ref=ref, as_of=as_of_date(as_of), period=period, team=team)
    if output_format == "markdown":
        from compliance_tool.reporters.review import render_markdown

        emit([("markdown", output)], lambda _name: render_markdown(pack))
    else:
        from compliance_tool.report.review import build_review_pdf

        built = build_review_pdf(
            pack,
            where.root,
            output,
            sign=sign,
            meaning=meaning,
            allow_without_tsa=allow_without_tsa,
        )
        for notice in built.notices:
            say(notice, fg="yellow")
        signature = "unsigned" if built.signer is None else f"signed by {built.signer}"
        say(f"wrote {built.path} ({built.size // 1024} KiB, {signature})")
        for note in pack.notes:  # the Markdown has them in its last section
            say(f"note: {note}")
    ctx.exit(EXIT_OK)
