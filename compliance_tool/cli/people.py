"""Commands for whoever manages who does what: offboard, onboard."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import click

from compliance_tool.cli.app import DATE, cli, say, say_warnings
from compliance_tool.errors import EXIT_FINDINGS, EXIT_OK, InventoryError
from compliance_tool.repository.session import locate, repository_schemas


def _can_leave(root: Any) -> bool:
    """Whether the repository's Person schema has the status ``left``."""
    from compliance_tool.repository.kinds import Kind
    from compliance_tool.repository.sources import WorktreeSource

    schema = repository_schemas(WorktreeSource(root.resolve())).schemas[Kind.PERSON]
    status = schema.get("properties", {}).get("status", {})
    return "left" in status.get("enum", [])


def _section(title: str, lines: list[str]) -> None:
    if lines:
        click.echo(f"{title}:")
        for line in lines:
            click.echo(f"  {line}")


@cli.command()
@click.argument("person")
@click.option("--on", "on", type=DATE, required=True, metavar="YYYY-MM-DD", help="The last day.")
@click.option("--apply", "apply_changes", is_flag=True, help="Edit the files (default: a dry run).")
@click.option(
    "--force", is_flag=True, help="With --apply: edit files that have uncommitted changes."
)
@click.pass_context
def offboard(ctx: click.Context, person: str, on: Any, apply_changes: bool, force: bool) -> None:
    """The change set when PERSON leaves on a date, file by file with line numbers.

    PERSON leaves rotations, escalation chains, teams, developer lists and the rollback
    deputies. Where they are a model's owner, operator or rollback primary, a dataset's
    owner, a team's lead, or the only deputy or member, the change set writes TODO with
    a comment: a person chooses the replacement, and 'compliance-tool validate' reports
    each TODO until then. A waiver still valid on the date that PERSON requested or
    approved is told, not edited. The models and datasets PERSON is accountable for are
    listed as hand-overs. On their own record: status 'left' when the date is today or
    past, and an external's contract_end brought forward to the date.

    Without --apply nothing is written: the change set is printed as a unified diff per
    file. With --apply every edited file is rewritten atomically, its comments, key order,
    quoting and flow style kept; files with uncommitted git changes are refused unless
    --force. Exit 0 when nothing is left to decide, 1 when decisions are left (each
    printed), 2 on bad input.

    \b
    Example:
      compliance-tool offboard mvoss --on 2026-10-31 --apply
    """
    from compliance_tool.checks.pipeline import today
    from compliance_tool.repository.offboard import (
        apply_offboarding,
        plan_offboarding,
        uncommitted,
    )

    root = locate(ctx.obj["repo"])
    day = on.date()
    plan = plan_offboarding(root, person, day, today(), can_leave=_can_leave(root))
    if apply_changes and not force:
        dirty = uncommitted(root, [e.path for e in plan.edits])
        if dirty is None:
            say_warnings([f"git cannot tell whether {root} has uncommitted changes"])
        if dirty:
            raise InventoryError(
                f"uncommitted changes in {', '.join(dirty)}: nothing was written",
                hint="commit or stash them first, or pass --force",
            )
    if not apply_changes:
        for edit in plan.edits:
            click.echo(edit.diff(), nl=False)
    key = _step_order
    _section("changes", [s.format() for s in sorted(plan.changes, key=key)])
    _section("hand-overs", [s.format() for s in sorted(plan.handovers, key=key)])
    _section("decisions left", [s.format() for s in sorted(plan.decisions, key=key)])
    say_warnings(plan.notes)
    files = len(plan.edits)
    if apply_changes:
        apply_offboarding(root, plan)
        summary = f"{person} leaves on {day}: edited {files} file(s)"
    else:
        summary = f"{person} leaves on {day}: {files} file(s) to edit (dry run: nothing written)"
    if plan.decided:
        say(f"{summary}; nothing left to decide", fg="green")
        ctx.exit(EXIT_OK)
    say(f"{summary}; {len(plan.decisions)} decision(s) left", fg="yellow")
    ctx.exit(EXIT_FINDINGS)


def _step_order(step: Any) -> tuple[str, int]:
    return step.path, step.line


@cli.command()
@click.argument("person")
@click.option("--role", required=True, help="The role PERSON holds, e.g. ml-sre.")
@click.option("--organisation", default=None, help="For an external: the employing organisation.")
@click.option(
    "--contract-end", type=DATE, default=None, metavar="YYYY-MM-DD", help="For an external."
)
@click.option("--team", default=None, help="The Team PERSON joins.")
@click.pass_context
def onboard(
    ctx: click.Context,
    person: str,
    role: str,
    organisation: str | None,
    contract_end: Any,
    team: str | None,
) -> None:
    """Scaffold inventory/people/PERSON.yaml for someone who joins, with the role filled in.

    The file is what 'compliance-tool new person' writes, with the role, affiliation and
    team filled in and the access review and training still TODO. The rotations that
    people holding the role are on today are listed as the rotations the role joins
    (suggestions: no rotation is edited). Exit 0 when written, 2 when the file exists.

    \b
    Example:
      compliance-tool onboard jdoe --role ml-sre --organisation "Lattice MLOps Ltd" --contract-end 2027-06-30
    """
    from compliance_tool.checks.pipeline import today
    from compliance_tool.repository.kinds import ID_PATTERN, ID_RULE, Kind
    from compliance_tool.repository.onboard import Newcomer, plan_onboarding
    from compliance_tool.repository.sources import WorktreeSource
    from compliance_tool.repository.writing import write_output

    if not re.fullmatch(ID_PATTERN, person):
        raise click.BadParameter(f"use {ID_RULE}", param_hint="PERSON")
    if contract_end is not None and organisation is None:
        raise click.BadParameter("give --organisation too", param_hint="--contract-end")
    root = locate(ctx.obj["repo"])
    target = root / Kind.PERSON.folder / f"{person}.yaml"
    if target.exists():
        raise InventoryError(f"{target} already exists", hint="choose another id or edit the file")
    end: dt.date | None = contract_end.date() if contract_end is not None else None
    schemas = repository_schemas(WorktreeSource(root.resolve()))
    newcomer = Newcomer(person, role, organisation, end, team)
    plan = plan_onboarding(root, newcomer, schemas, today())
    write_output(target, plan.text.encode("utf-8"))
    if not plan.holders:
        say_warnings([f"no one in the inventory holds the role {role!r}"])
    if plan.requires:
        _section(f"the role {role} requires", list(plan.requires))
    _section(f"rotations the role {role} joins (not edited)", list(plan.rotations))
    say(f"wrote {target}: fill in every TODO, then run 'compliance-tool validate {target}'")
