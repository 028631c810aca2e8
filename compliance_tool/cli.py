"""The command line. Only this module knows Click: it parses, builds, runs and prints.

Exit codes: 0 passed, 1 findings at or above the threshold, 2 usage or input error,
3 internal error, 130 interrupted.
"""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from compliance_tool import __version__
from compliance_tool.errors import (
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    EXIT_USAGE,
    ComplianceToolError,
    InventoryError,
)
from compliance_tool.session import Where, changed_paths, locate, open_inventory
from compliance_tool.writing import write_output

F = TypeVar("F", bound=Callable[..., Any])


def _color() -> bool | None:
    return False if os.environ.get("NO_COLOR") else None


def say(message: str, *, fg: str | None = None) -> None:
    """Human chatter goes to stderr, so stdout stays clean for machine formats."""
    click.echo(click.style(message, fg=fg) if fg else message, err=True, color=_color())


class ToolGroup(click.Group):
    """Maps the tool's errors to exit codes with a one-line message, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except ComplianceToolError as error:
            if debug:
                traceback.print_exc()
            say(f"error: {error.diagnostics()}", fg="red")
            ctx.exit(error.exit_code)
        except KeyboardInterrupt:
            say("interrupted")
            ctx.exit(EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as error:  # the last line of defence: say what and how to report
            if debug:
                raise
            say(
                f"internal error: {type(error).__name__}: {error}\n"
                "This is a bug in compliance-tool. Re-run with --debug and report the output.",
                fg="red",
            )
            ctx.exit(EXIT_INTERNAL)


@click.group(
    cls=ToolGroup,
    context_settings={"auto_envvar_prefix": "COMPLIANCE_TOOL", "help_option_names": ["-h", "--help"]},
)
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Governance repository root (default: the one holding the current folder).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
@click.version_option(__version__, prog_name="compliance-tool")
@click.pass_context
def cli(ctx: click.Context, repo: Path | None, debug: bool) -> None:
    """Governance as code for ML operations: validate, check, report, audit."""
    ctx.obj = {"repo": repo, "debug": debug}


def _where(ctx: click.Context, ref: str | None, use_cache: bool = True) -> Where:
    return Where(locate(ctx.obj["repo"]), ref, use_cache)


def ref_option(func: F) -> F:
    return click.option(
        "--ref", default=None, metavar="REF", help="Read the repository at this git commit."
    )(func)


def _repo_relative(root: Path, given: tuple[str, ...], ref: str | None) -> list[str]:
    """Turn PATH arguments into repository-relative paths of governance files."""
    result: list[str] = []
    for item in given:
        if ref is not None:
            result.append(item.strip("/"))
            continue
        path = Path(item).resolve()
        if not path.exists():
            raise InventoryError(f"{item}: no such file or folder", hint="check the path")
        try:
            relative = path.relative_to(root.resolve()).as_posix()
        except ValueError:
            raise InventoryError(
                f"{item} is outside the governance repository {root}",
                hint="pass files inside the repository, or --repo",
            ) from None
        result.append("" if relative == "." else relative)
    return result


def _select(paths: list[str], wanted: list[str]) -> list[str]:
    return [
        p for p in paths if any(not w or p == w or p.startswith(w.rstrip("/") + "/") for w in wanted)
    ]


@cli.command()
@click.argument("paths", nargs=-1, type=str)
@ref_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["auto", "text", "json", "github"]),
    default="auto",
    show_default=True,
    help="auto = text, plus GitHub annotations when GITHUB_ACTIONS is set.",
)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Write the report to this file instead of stdout.")
@click.option("--changed-since", metavar="REF", default=None,
              help="Validate only files changed since REF and the files they can break.")
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

    Prints one line per problem: file:line:col: kind.field: message (hint).
    Exit 0 when valid, 1 when problems were found, 2 on a usage or read error.
    """
    from compliance_tool.reporters import VALIDATION_REPORTERS
    from compliance_tool.validate import validate as run_validation

    where = _where(ctx, ref, not no_cache)
    inventory = open_inventory(where)
    targets: list[str] | None = None
    if paths:
        targets = _select(inventory.yaml_paths(), _repo_relative(where.root, paths, ref))
    if changed_since is not None:
        changed = changed_paths(where, changed_since)
        targets = sorted(changed & set(targets if targets is not None else inventory.yaml_paths()))
    result = run_validation(inventory, targets)
    formats = [output_format]
    if output_format == "auto":
        formats = ["text", "github"] if os.environ.get("GITHUB_ACTIONS") == "true" else ["text"]
    text = "".join(VALIDATION_REPORTERS[name](result) for name in formats)
    if output is not None:
        write_output(output, text.encode("utf-8"))
    else:
        click.echo(text, nl=False)
    files = {p.path for p in result.problems}
    if result.passed:
        say(f"ok: {result.files_checked} files valid ({result.source_label})", fg="green")
        ctx.exit(EXIT_OK)
    say(
        f"{len(result.problems)} problem(s) in {len(files)} of {result.files_checked} files "
        f"({result.source_label})",
        fg="red",
    )
    ctx.exit(EXIT_FINDINGS)


def main() -> None:
    """Console-script entry point."""
    try:
        cli.main(prog_name="compliance-tool")
    except KeyboardInterrupt:  # pragma: no cover - raised outside a command
        sys.exit(EXIT_INTERRUPTED)


__all__ = ["EXIT_USAGE", "cli", "main"]
