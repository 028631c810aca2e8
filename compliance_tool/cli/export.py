"""The export command: the portfolio in the formats other tools read, written to its
place in the repository (or --output) or, with --check, compared with what is there."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from compliance_tool.cli.app import as_of_date, as_of_option, cli, ref_option, say, say_warnings
from compliance_tool.errors import EXIT_FINDINGS, EXIT_OK
from compliance_tool.exports import EXPORTERS
from compliance_tool.repository.session import locate


@cli.command(name="export")
@click.argument("format_name", metavar="FORMAT", type=click.Choice(list(EXPORTERS)))
@ref_option
@as_of_option
@click.option(
    "--output",
    type=click.Path(path_type=Path),
    default=None,
    help="File (or folder, for a folder export) to write; default: its place in the "
    "repository (export.FORMAT.path in compliance-tool.yaml, else the format's default).",
)
@click.option(
    "--check",
    is_flag=True,
    help="Write nothing: exit 1 and show the difference when the file there is not what "
    "the inventory makes now.",
)
@click.pass_context
def export_command(
    ctx: click.Context,
    format_name: str,
    ref: str | None,
    as_of: Any,
    output: Path | None,
    check: bool,
) -> None:
    """Export the portfolio as FORMAT, deterministic for a given commit and date, written
    atomically. The formats:

    {formats}

    Exit 0 when written (with --check: when current), 1 with --check when the file is
    out of date, 2 on bad input (an unknown format, a --ref that does not exist, an
    inventory that does not validate, an --output in a folder that does not exist).

    \b
    Example:
      compliance-tool export prometheus-rules --check
      compliance-tool export alertmanager --output alertmanager.yml
    """
    from compliance_tool.exports.base import check_target, destination, export, stale, targets
    from compliance_tool.repository.writing import write_outputs

    root = locate(ctx.obj["repo"])
    exporter = EXPORTERS[format_name]
    request, exported = export(exporter, root, ref, as_of_date(as_of), as_of is not None)
    target = destination(exporter, root, request.config, output)
    files = targets(exporter, exported, target.absolute())
    say_warnings(exported.notes)
    if check:
        diff = stale(files, target.absolute() if exporter.folder else None, root.absolute())
        if diff:
            click.echo(diff, nl=False)
            say(
                f"{target} is out of date: run 'compliance-tool export {format_name}' to rewrite it",
                fg="red",
            )
            ctx.exit(EXIT_FINDINGS)
        say(f"ok: {target} is current", fg="green")
        ctx.exit(EXIT_OK)
    check_target(target.absolute(), exporter.folder, output is not None)
    for path in files:
        path.parent.mkdir(parents=True, exist_ok=True)
    write_outputs(files)
    shown = f"{len(files)} files in {target}" if exporter.folder else str(target)
    say(f"wrote {shown}")


export_command.help = (export_command.help or "").replace(
    "{formats}",
    "\b\n" + "\n".join(f"{name:<28} {e.summary}" for name, e in EXPORTERS.items()),
)
