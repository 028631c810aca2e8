"""Commands for adopting the tool: init (a new governance repository) and upgrade (its
starter files to the installed release)."""

from __future__ import annotations

from pathlib import Path

import click

from compliance_tool.cli.app import cli, say, say_warnings
from compliance_tool.errors import EXIT_FINDINGS, EXIT_OK
from compliance_tool.repository.session import locate


@cli.command()
@click.argument("directory", required=False, type=click.Path(path_type=Path), default=Path("."))
@click.option(
    "--example",
    is_flag=True,
    help="Add the sample organisation (Northmoor Bank): its inventory, evidence, runbooks "
    "and post-incident reviews, for a full report within a minute.",
)
def init(directory: Path, example: bool) -> None:
    """Create a governance repository in DIRECTORY (default: the current folder).

    Writes the folders, the starter schemas, policy catalogue (frameworks, controls,
    rules) and scenarios, a team file for each team that owns a starter control, a
    commented compliance-tool.yaml, .gitignore, CI and pre-commit files, CODEOWNERS and a
    README, then runs 'git init' unless DIRECTORY is in a git repository already. It never
    replaces a file: when any of its files exists, it lists them and writes nothing.

    Exit 0 when the repository was made, 2 when a file is in the way, DIRECTORY is a file
    or cannot be written.

    \b
    Example:
      compliance-tool init my-governance --example
    """
    from compliance_tool.repository.adopt import init_repository

    result = init_repository(directory, example)
    say(f"wrote {len(result.written)} files in {result.root}", fg="green")
    if result.git_initialised:
        say(f"initialised a git repository in {result.root}")
    if result.git_note:
        say_warnings([result.git_note])
    shown = directory if str(directory) != "." else None
    cd = f"cd {shown} && " if shown is not None else ""
    say(
        "next: "
        + cd
        + "git add -A && git commit -m 'Governance repository'; then "
        + ("compliance-tool report --unsigned" if example else "compliance-tool new model ID")
    )


@cli.command()
@click.option("--dry-run", is_flag=True, help="Say what would change; write nothing.")
@click.pass_context
def upgrade(ctx: click.Context, dry_run: bool) -> None:
    """Update the starter files of this repository to those of the installed release.

    Replaces every starter file (schemas, policies, features, the FRIA template) that the
    organisation has not edited, adds the ones new in this release, and records the
    release in compliance-tool.yaml. A file the organisation edited is never overwritten: it is
    listed with a diff from its content to this release's, to review by hand.

    Exit 0 when every starter file is this release's (or was made so), 1 when edited
    files are listed for review, 2 when the repository was not made by 'compliance-tool
    init' or a file cannot be written.

    \b
    Example:
      compliance-tool upgrade --dry-run
    """
    from compliance_tool.repository.adopt import unified_diff, upgrade_repository
    from compliance_tool.repository.starter import State

    result = upgrade_repository(locate(ctx.obj["repo"]), dry_run)
    verb = "would update" if dry_run else "updated"
    for item in result.of(State.OLDER):
        say(f"{verb}: {item.path}")
    for item in result.of(State.NEW):
        say(f"{'would add' if dry_run else 'added'}: {item.path} (new in {result.version})")
    for item in result.of(State.REMOVED):
        say(f"kept removed: {item.path} (removed here; {result.version} still ships it)")
    for item in result.edited:
        say(f"edited here, not changed: {item.path}", fg="yellow")
        click.echo(unified_diff(item, result.version), nl=False)
    changed = len(result.of(State.OLDER)) + len(result.of(State.NEW))
    current = len(result.of(State.CURRENT))
    summary = (
        f"{changed} starter file(s) {verb}, {current} already current, "
        f"{len(result.edited)} edited here ({result.made_from} -> {result.version})"
    )
    say(summary, fg="yellow" if result.edited else "green")
    if result.edited:
        say("review each diff above and apply what you want by hand; upgrade never overwrites them")
    ctx.exit(EXIT_FINDINGS if result.edited else EXIT_OK)
