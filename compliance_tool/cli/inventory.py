"""Commands for engineers editing the inventory: validate, new, lineage, codeowners."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path
from typing import Any

import click

from compliance_tool.cli.app import (
    as_of_date,
    as_of_option,
    cli,
    format_option,
    ref_option,
    repo_relative,
    say,
    say_notes,
    say_warnings,
    where_of,
)
from compliance_tool.errors import (
    EXIT_FINDINGS,
    EXIT_OK,
    InventoryError,
)
from compliance_tool.reporters import LINEAGE_REPORTERS, VALIDATION_REPORTERS
from compliance_tool.repository.scaffold import SCAFFOLD_KINDS as SCAFFOLD_KINDS_CLI
from compliance_tool.repository.session import (
    Where,
    changed_paths,
    git_prefix,
    locate,
    open_inventory,
    origins,
    repository_schemas,
    usual_origins,
)
from compliance_tool.repository.starter import older_note
from compliance_tool.repository.writing import write_output

FEW_FILES = 200
"""Below this many target files, validation skips the on-disk parse cache."""


def _select(paths: list[str], wanted: list[str]) -> list[str]:
    return [
        p
        for p in paths
        if any(not w or p == w or p.startswith(w.rstrip("/") + "/") for w in wanted)
    ]


@cli.command()
@click.argument("paths", nargs=-1, type=str)
@ref_option
@format_option(
    VALIDATION_REPORTERS,
    extra=("auto",),
    default="auto",
    help_text="auto = text, plus GitHub annotations when GITHUB_ACTIONS is set.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to this file instead of stdout.",
)
@click.option(
    "--changed-since",
    metavar="REF",
    default=None,
    help="Validate only files changed since REF and the files they can break.",
)
@click.option("--no-cache", is_flag=True, help="Ignore the parse cache.")
@click.pass_context
def validate(
    ctx: click.Context,
    paths: tuple[str, ...],
    ref: str | None,
    output_format: str,
    output: Path | None,
    changed_since: str | None,
    no_cache: bool,
) -> None:
    """Check governance files: YAML, schema, ids, references, lineage, linked files.

    Prints one line per problem: file:line:col: kind.field: message (hint). The summary
    says whose schemas and policies were used: the repository's own (schemas/,
    policies/) or those packaged with the tool, and notes once when the repository's
    starter files are older than the installed tool's ('compliance-tool upgrade').
    Exit 0 when valid, 1 when problems were found, 2 on a usage or read error.

    \b
    Example:
      compliance-tool validate --changed-since origin/main --format github
    """
    from compliance_tool.checks.validate import validate as run_validation

    where = where_of(ctx, ref, not no_cache)
    changed = changed_paths(where, changed_since) if changed_since is not None else None
    if changed is not None and len(changed) < FEW_FILES:
        # a handful of files: parsing them beats loading the whole cache
        where = Where(where.root, where.ref, use_cache=False)
    inventory = open_inventory(where)
    targets: list[str] | None = None
    if paths:
        targets = _select(inventory.yaml_paths(), repo_relative(where.root, paths, ref))
    if changed is not None:
        targets = sorted(changed & set(targets if targets is not None else inventory.yaml_paths()))
    result = run_validation(inventory, targets)
    say_notes(inventory)
    formats = [output_format]
    if output_format == "auto":
        formats = ["text", "github"] if os.environ.get("GITHUB_ACTIONS") == "true" else ["text"]
    if "github" in formats:  # annotations name files from the top of the git repository
        result = dataclasses.replace(result, git_prefix=git_prefix(inventory.source))
    text = "".join(VALIDATION_REPORTERS[name](result) for name in formats)
    if output is not None:
        write_output(output, text.encode("utf-8"))
    else:
        click.echo(text, nl=False)
    files = {p.path for p in result.problems}
    if result.passed:
        say(f"ok: {result.files_checked} files valid ({result.source_label})", fg="green")
    else:
        say(
            f"{len(result.problems)} problem(s) in {len(files)} of {result.files_checked} "
            f"files ({result.source_label})",
            fg="red",
        )
    if result.passed or not usual_origins(inventory):  # which files the verdict rests on
        say(origins(inventory))
    note = older_note(where.root) if ref is None else None
    if note is not None:
        say(f"note: {note}", fg="yellow")
    ctx.exit(EXIT_OK if result.passed else EXIT_FINDINGS)


@cli.command()
@click.argument("kind", type=click.Choice([k.value.lower() for k in SCAFFOLD_KINDS_CLI]))
@click.argument("record_id", metavar="ID")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write (default: the kind's folder, ID.yaml).",
)
@click.pass_context
def new(ctx: click.Context, kind: str, record_id: str, output: Path | None) -> None:
    """Scaffold a new governance file with every required field and a comment per field.

    Placeholders read TODO: 'compliance-tool validate' points at each until it is filled.

    \b
    Example:
      compliance-tool new model churn-propensity-v2
    """
    import re

    from compliance_tool.checks.pipeline import today
    from compliance_tool.repository.kinds import ID_PATTERN, Kind
    from compliance_tool.repository.scaffold import scaffold
    from compliance_tool.repository.sources import WorktreeSource

    chosen = next(k for k in Kind if k.value.lower() == kind)
    if not re.fullmatch(ID_PATTERN, record_id):
        raise click.BadParameter("use letters, digits, '.', '_' and '-'", param_hint="ID")
    root = locate(ctx.obj["repo"])
    target = output or root / chosen.folder / f"{record_id}.yaml"
    if target.exists():
        raise InventoryError(f"{target} already exists", hint="choose another id or edit the file")
    schemas = repository_schemas(WorktreeSource(root.resolve()))
    write_output(target, scaffold(chosen, record_id, schemas, today()).encode("utf-8"))
    say(f"wrote {target}: fill in every TODO, then run 'compliance-tool validate {target}'")


@cli.command()
@click.argument("record_id", metavar="ID")
@click.option(
    "--upstream",
    "direction",
    flag_value="upstream",
    default=True,
    help="What feeds ID, through lineage (default).",
)
@click.option(
    "--downstream",
    "direction",
    flag_value="downstream",
    help="What depends on dataset ID: derived datasets and models, production first.",
)
@format_option(LINEAGE_REPORTERS)
@ref_option
@as_of_option
@click.pass_context
def lineage(
    ctx: click.Context,
    record_id: str,
    direction: str,
    output_format: str,
    ref: str | None,
    as_of: Any,
) -> None:
    """Lineage and impact of a model or dataset, with personal data marked.

    \b
    Example:
      compliance-tool lineage card-transactions-raw --downstream --format mermaid
    """
    from compliance_tool.checks.facts import Facts
    from compliance_tool.checks.lineage import downstream, upstream

    inventory = open_inventory(where_of(ctx, ref))
    say_notes(inventory)
    facts = Facts(inventory, as_of_date(as_of))
    graph = upstream(facts, record_id) if direction == "upstream" else downstream(facts, record_id)
    click.echo(LINEAGE_REPORTERS[output_format](graph), nl=False)


@cli.command()
@click.option(
    "--gitlab",
    is_flag=True,
    help="Write GitLab's file (.gitlab/CODEOWNERS) with the gitlab handles of accounts.",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing: print a diff and exit 1 when the file is not what would be written.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write (default: .github/CODEOWNERS, or .gitlab/CODEOWNERS with --gitlab, "
    "at the top of the git repository).",
)
@click.pass_context
def codeowners(ctx: click.Context, gitlab: bool, check: bool, output: Path | None) -> None:
    """Write CODEOWNERS from the inventory, so that a change to a record's files needs the
    review of the people accountable for it.

    A model's files: its owner and operator; a dataset's: its owner; waivers: the active
    holders of a role that approves them; policies/ and the rest of inventory/: the
    model-governance team. Handles come from the accounts of Person and Team records;
    paths are relative to the top of the git repository, which may hold the governance
    repository in a subfolder.

    Exit 0 when written (with --check: when current), 1 when an accountable person has no
    handle or two records with different accountable people claim one file (nothing is
    written; each is listed on stderr with its file and line) or, with --check, when the
    file is out of date; 2 on bad input, such as an inventory that does not validate.

    \b
    Example:
      compliance-tool codeowners --check
    """
    from compliance_tool.checks.codeowners import Host, build_codeowners, shadowing, stale_diff
    from compliance_tool.repository.session import git_place

    root = locate(ctx.obj["repo"])
    place = git_place(root)
    host = Host.GITLAB if gitlab else Host.GITHUB
    target = (output if output is not None else place.top / host.location).absolute()
    try:
        location: str | None = target.relative_to(place.top).as_posix()
    except ValueError:  # written outside the repository: it owns no line of its own
        location = None
    inventory = open_inventory(Where(root))
    result = build_codeowners(inventory, host, place.prefix, location)
    say_notes(inventory)
    notes = list(result.notes) + shadowing(place.top, host, target)
    if not place.in_git:
        notes.append(f"{root} is in no git repository: paths are relative to it")
    say_warnings(notes)
    if not result.passed:
        for problem in result.problems:
            say(problem.format())
        say(f"{len(result.problems)} problem(s): {target} was not written", fg="red")
        ctx.exit(EXIT_FINDINGS)
    if check:
        diff = stale_diff(target, result.text, location or str(target))
        if diff is not None:
            click.echo(diff, nl=False)
            say(
                f"{target} is out of date: run 'compliance-tool codeowners' to rewrite it", fg="red"
            )
            ctx.exit(EXIT_FINDINGS)
        say(f"ok: {target} is current ({len(result.lines)} patterns)", fg="green")
        ctx.exit(EXIT_OK)
    write_output(target, result.text.encode("utf-8"))
    say(f"wrote {target}: {len(result.lines)} patterns")
