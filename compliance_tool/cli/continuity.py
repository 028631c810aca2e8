"""The continuity command: who keeps the production models running, and what breaks
when people or an organisation leave."""

from __future__ import annotations

from typing import Any

import click

from compliance_tool.cli.app import (
    DATE,
    as_of_date,
    cli,
    emit,
    formats_option,
    parse_formats,
    ref_option,
    say,
    say_notes,
    where_of,
)
from compliance_tool.errors import EXIT_FINDINGS, EXIT_OK
from compliance_tool.reporters import CONTINUITY_REPORTERS
from compliance_tool.repository.session import open_inventory


@cli.command()
@click.option(
    "--without",
    "without",
    multiple=True,
    metavar="PERSON|ORGANISATION",
    help="Someone who leaves: a Person id or an affiliation.organisation (any case); repeatable.",
)
@click.option(
    "--at",
    "at",
    type=DATE,
    default=None,
    metavar="YYYY-MM-DD",
    help="Contracts that end before this date count as gone (default: today, UTC).",
)
@ref_option
@formats_option(CONTINUITY_REPORTERS, "Default: text.")
@click.pass_context
def continuity(
    ctx: click.Context,
    without: tuple[str, ...],
    at: Any,
    ref: str | None,
    formats: tuple[str, ...],
) -> None:
    """Who can operate (the operator and the on-call rotation's members), roll back (the
    rollback authority and deputies) and be paged for each production model, with their
    organisation; each model's bus factor and whether it depends on one external
    organisation alone; and, with --without or --at, what breaks: models that lose their
    last active operator or rollback authority, rotations below two active members or
    without an internal member, escalation steps that reach a departed person, and
    runbooks whose only git authors have departed.

    Exit 0 when nothing breaks and every production model has a bus factor of at least
    two, 1 when something would break or some model has a bus factor of one or less, 2
    on bad input (a --without that names nobody, a bad date).

    \b
    Example:
      compliance-tool continuity --without "Lattice MLOps Ltd" --at 2027-01-01
    """
    from compliance_tool.checks.continuity import continuity as run_continuity

    outputs = parse_formats(formats, list(CONTINUITY_REPORTERS))
    inventory = open_inventory(where_of(ctx, ref))
    today = as_of_date(None)
    result = run_continuity(inventory, today, at=as_of_date(at) if at else None, without=without)
    emit(outputs, lambda name: CONTINUITY_REPORTERS[name](result))
    say_notes(inventory)
    if result.runbook_note:
        say(f"runbooks: {result.runbook_note}")
    ctx.exit(EXIT_OK if result.passed else EXIT_FINDINGS)
