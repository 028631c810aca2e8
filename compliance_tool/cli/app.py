"""The command group, its error handling and the options every command shares.

Exit codes: 0 passed, 1 findings at or above the threshold, 2 usage or input error,
3 internal error, 130 interrupted.
"""

from __future__ import annotations

import gc
import inspect
import os
import sys
import traceback
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from compliance_tool import __version__
from compliance_tool.errors import (
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    ComplianceToolError,
    InventoryError,
)
from compliance_tool.repository.session import (
    Where,
    cache_warnings,
    locate,
)
from compliance_tool.repository.sources import close_repos
from compliance_tool.repository.writing import write_output

if TYPE_CHECKING:
    from compliance_tool.repository.loader import Inventory

F = TypeVar("F", bound=Callable[..., Any])


def _color() -> bool | None:
    return False if os.environ.get("NO_COLOR") else None


def say(message: str, *, fg: str | None = None) -> None:
    """Human chatter goes to stderr, so stdout stays clean for machine formats."""
    click.echo(click.style(message, fg=fg) if fg else message, err=True, color=_color())


def say_notes(*inventories: Inventory) -> None:
    """Warn, once each, about what the snapshots left out (a git submodule under
    inventory/): a note, not a finding, so the exit code does not change."""
    say_warnings(note for inventory in inventories for note in inventory.source.notes)


def say_warnings(notes: Iterable[str]) -> None:
    """Each distinct note as a ``warning:`` line on stderr."""
    for note in dict.fromkeys(notes):
        say(f"warning: {note}", fg="yellow")


EXAMPLE = "\b\nExample:"
"""How the last paragraph of every command's docstring starts: its example, which ``--help``
prints last, after the options (a ``\\b`` paragraph keeps its lines as written)."""


def example_last(command: click.Command) -> None:
    """Move the example paragraph that ends ``command``'s help text to its epilog, which
    Click prints after the options: ``--help`` then ends with the example."""
    text = inspect.cleandoc(command.help or "")
    body, _, last = text.rpartition("\n\n")
    if last.startswith(EXAMPLE):
        command.help = body
        command.epilog = "\n\n".join(p for p in (last, command.epilog) if p)


class ToolCommand(click.Command):
    """A command whose ``--help`` ends with its example (:func:`example_last`)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        example_last(self)


class ToolSubgroup(click.Group):
    """A group of commands under the main one (``rules``), its help ending with an example."""

    command_class = ToolCommand
    group_class = type  # its own groups are of this class too

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        example_last(self)


class ToolGroup(click.Group):
    """Maps the tool's errors to exit codes with a one-line message, never a traceback;
    its commands and groups end their ``--help`` with an example."""

    command_class = ToolCommand
    group_class = ToolSubgroup

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        example_last(self)

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.params.get("debug"))
        cache_warnings()  # of an earlier command in this process: not this one's
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
        except BrokenPipeError:  # the reader went away (| head): stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(EXIT_OK)
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
        finally:
            close_repos()
            for warning in cache_warnings():
                say(warning, fg="yellow")


@click.group(
    cls=ToolGroup,
    context_settings={
        "auto_envvar_prefix": "COMPLIANCE_TOOL",
        "help_option_names": ["-h", "--help"],
    },
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
    """Governance as code for ML operations: validate, check, report, audit.

    Shell completion for bash, zsh and fish: see 'Shell completion' in the README. For
    bash, add this line to ~/.bashrc:

    \b
      eval "$(_COMPLIANCE_TOOL_COMPLETE=bash_source compliance-tool)"

    \b
    Example:
      compliance-tool --repo governance validate
    """
    ctx.obj = {"repo": repo, "debug": debug}


def where_of(ctx: click.Context, ref: str | None, use_cache: bool = True) -> Where:
    return Where(locate(ctx.obj["repo"]), ref, use_cache)


def repo_relative(root: Path, given: tuple[str, ...], ref: str | None) -> list[str]:
    """Turn PATH arguments into repository-relative paths (as given at ``ref``, which
    names repository paths; in the working tree each must exist inside ``root``)."""
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


DATE = click.DateTime(formats=["%Y-%m-%d"])


def format_option(
    registry: Mapping[str, object],
    *,
    extra: tuple[str, ...] = (),
    default: str = "text",
    help_text: str | None = None,
) -> Callable[[F], F]:
    """``--format`` offering the names of a registry of :mod:`compliance_tool.reporters`,
    after ``extra`` names the command handles itself (stored as ``output_format``)."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice([*extra, *registry]),
        default=default,
        show_default=True,
        help=help_text,
    )


def formats_option(registry: Mapping[str, object], default_help: str) -> Callable[[F], F]:
    """A repeatable ``--format NAME[=PATH]`` offering the names of a registry (stored as
    ``formats``; :func:`parse_formats` reads it)."""

    def complete(ctx: click.Context, param: click.Parameter, incomplete: str) -> list[str]:
        return [] if "=" in incomplete else [n for n in registry if n.startswith(incomplete)]

    return click.option(
        "--format",
        "formats",
        multiple=True,
        metavar="NAME[=PATH]",
        shell_complete=complete,
        help=f"Output format, repeatable: {', '.join(registry)}. "
        f"Without =PATH it goes to stdout. {default_help}",
    )


def date_option(name: str, help_text: str, required: bool = False) -> Callable[[F], F]:
    """A ``YYYY-MM-DD`` option."""
    return click.option(
        name, type=DATE, default=None, required=required, help=help_text, metavar="YYYY-MM-DD"
    )


def ref_option(func: F) -> F:
    return click.option(
        "--ref", default=None, metavar="REF", help="Read the repository at this git commit."
    )(func)


def as_of_option(func: F) -> F:
    return click.option(
        "--as-of",
        "as_of",
        type=DATE,
        default=None,
        metavar="YYYY-MM-DD",
        help="Evaluation date for every time-based check (default: today, UTC).",
    )(func)


def period_value(ctx: click.Context, param: click.Parameter, value: str) -> Any:
    """``--every`` (or ``--period``) parsed while the arguments are, so a bad value stops
    before any work."""
    from compliance_tool.audit.trend import parse_period

    try:
        return parse_period(value)
    except ValueError as error:
        hint = f"--{param.name}" if param.name else None
        raise click.BadParameter(str(error), ctx, param, param_hint=hint) from None


def as_of_date(value: Any) -> Any:
    from compliance_tool.checks.pipeline import today

    return value.date() if value is not None else today()


def parse_formats(specs: tuple[str, ...], choices: list[str]) -> list[tuple[str, Path | None]]:
    parsed: list[tuple[str, Path | None]] = []
    for spec in specs or ("text",):
        name, _, target = spec.partition("=")
        if name not in choices:
            raise click.BadParameter(
                f"unknown format '{name}' (choose from {', '.join(choices)})", param_hint="--format"
            )
        parsed.append((name, Path(target) if target else None))
    to_stdout = [name for name, target in parsed if target is None]
    if len(to_stdout) > 1:
        raise click.BadParameter(
            f"only one format can go to stdout, got {', '.join(to_stdout)}: add =PATH to the others",
            param_hint="--format",
        )
    return parsed


STDERR = "-stderr-"
"""A format target meaning the error stream (GitHub annotations beside text on stdout)."""


def emit(outputs: list[tuple[str, Path | None]], render: Callable[[str], str]) -> None:
    """Render every requested format; files are written atomically, one may go to stdout."""
    for name, target in outputs:
        text = render(name)
        if target is None:
            click.echo(text, nl=False)
        elif str(target) == STDERR:
            click.echo(text, nl=False, err=True)
        else:
            write_output(target, text.encode("utf-8"))
            say(f"wrote {name} to {target}")


def scenario_outcomes(ctx: click.Context, ref: str | None, as_of: Any) -> list[Any]:
    """Scenario results as control evidence, when the repository has features."""
    from compliance_tool.scenarios.runner import scenario_outcomes as outcomes

    return outcomes(locate(ctx.obj["repo"]), ref, as_of_date(as_of))


def main() -> None:
    """Console-script entry point."""
    # A run builds hundreds of thousands of long-lived objects and few cycles: collecting
    # rarely saves a quarter of a warm run, and nothing leaks in a short-lived process.
    gc.set_threshold(200_000, 50, 100)
    try:
        cli.main(prog_name="compliance-tool")
    except KeyboardInterrupt:  # pragma: no cover - raised outside a command
        sys.exit(EXIT_INTERRUPTED)
