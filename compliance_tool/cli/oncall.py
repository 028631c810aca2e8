"""The oncall command: who is on call for a rotation or a model, and the shifts as a
calendar."""

from __future__ import annotations

import datetime as dt
from typing import Any

import click

from compliance_tool.cli.app import (
    DATE,
    cli,
    emit,
    formats_option,
    parse_formats,
    ref_option,
    say_notes,
    where_of,
)
from compliance_tool.errors import EXIT_OK
from compliance_tool.reporters import ONCALL_REPORTERS
from compliance_tool.repository.session import open_inventory


@cli.command()
@click.argument("name", metavar="ROTATION|MODEL")
@click.option(
    "--at",
    "at",
    default=None,
    metavar="DATETIME",
    help="The instant to ask about: ISO 8601 with an offset or Z (2026-11-29T03:00Z), or a "
    "local date-time (2026-11-29T03:00) read in the rotation's time zone. Default: now.",
)
@click.option(
    "--from",
    "start",
    type=DATE,
    default=None,
    metavar="YYYY-MM-DD",
    help="First day of the shifts listed (JSON) or exported (ics), local midnight in the "
    "rotation's time zone. Default: the day of --at (today).",
)
@click.option(
    "--until",
    "until",
    type=DATE,
    default=None,
    metavar="YYYY-MM-DD",
    help="Day the listed shifts end (local midnight, exclusive). Default: 8 weeks after --from.",
)
@ref_option
@formats_option(ONCALL_REPORTERS, "Default: text.")
@click.pass_context
def oncall(
    ctx: click.Context,
    name: str,
    at: str | None,
    start: Any,
    until: Any,
    ref: str | None,
    formats: tuple[str, ...],
) -> None:
    """Who is on call for a rotation, or for a model's operations.oncall rotation, at an
    instant: the person (staff or external, and their organisation), since and until
    when, the next hand-over, and the escalation chain with the time each level is paged
    if nobody acknowledges. The schedule is the rotation's structured schedule (time
    zone, layers, overrides). --format ics exports the shifts from --from until --until
    as an iCalendar with one event per shift.

    Exit 0 with an answer, 2 on bad input (an unknown rotation or model, a rotation
    without a structured schedule, a --at that is not a date-time).

    \b
    Example:
      compliance-tool oncall ml-sre-payments --at 2026-11-29T03:00
      compliance-tool oncall fraud-scoring --format ics=payments.ics --from 2026-12-01
    """
    from compliance_tool.checks.oncall import oncall as answer

    outputs = parse_formats(formats, list(ONCALL_REPORTERS))
    inventory = open_inventory(where_of(ctx, ref))
    try:
        result = answer(
            inventory,
            name,
            dt.datetime.now(dt.UTC),
            at,
            start.date() if start else None,
            until.date() if until else None,
        )
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--at") from None
    emit(outputs, lambda format_name: ONCALL_REPORTERS[format_name](result))
    say_notes(inventory)
    ctx.exit(EXIT_OK)
