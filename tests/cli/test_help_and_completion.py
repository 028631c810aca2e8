"""Every command's ``--help`` ends with an example that parses, and shell completion (Click's
protocol, documented in the README) completes commands, options and format names."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from support.cli import TOOL, quiet_env

from compliance_tool.cli import cli

CompletionCase = tuple[str, list[str]]


def _commands(
    group: click.Group = cli, path: tuple[str, ...] = ()
) -> Iterator[tuple[tuple[str, ...], click.Command]]:
    """Every group and command under ``group``, with the names that reach it."""
    yield path, group
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from _commands(command, (*path, name))
        else:
            yield (*path, name), command


COMMANDS = list(_commands())


def _resolve(args: list[str]) -> tuple[str, ...]:
    """Parse ``compliance-tool ARGS`` down to its last command, as the tool would before
    running it (every option and argument converted and checked); the command path."""
    ctx = cli.make_context("compliance-tool", list(args))
    command: click.Command = cli
    path: list[str] = []
    remaining = list(args)
    while isinstance(command, click.Group):
        # a group keeps the arguments after its subcommand's name in ctx.args
        tail = remaining[len(remaining) - len(ctx.args) - 1 :]
        name, found, rest = command.resolve_command(ctx, tail)
        assert name is not None and found is not None, args
        path.append(name)
        command, remaining = found, rest
        ctx = command.make_context(name, list(rest), parent=ctx)
    return tuple(path)


def test_every_command_is_walked() -> None:
    names = {" ".join(path) for path, _ in COMMANDS}
    assert {"", "validate", "check", "codeowners", "rules", "rules explain"} <= names
    assert len(COMMANDS) >= 18


@pytest.mark.parametrize(
    ("path", "command"), COMMANDS, ids=[" ".join(path) or "(main)" for path, _ in COMMANDS]
)
def test_help_ends_with_an_example_that_parses(
    path: tuple[str, ...], command: click.Command
) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"], env=quiet_env(), catch_exceptions=False)
    assert result.exit_code == 0
    last = result.output.rstrip("\n").split("\n\n")[-1].splitlines()
    assert last[0] == "  Example:", result.output
    examples = [line.strip() for line in last[1:]]
    assert examples
    for example in examples:
        argv = shlex.split(example)
        assert argv[0] == "compliance-tool", example
        reached = _resolve(argv[1:])
        assert reached[: len(path)] == path, f"{example} does not run {' '.join(path)}"
    # the example is not also in the help text above the options
    assert result.output.count("Example:") == 1


def _complete(words: str, env: dict[str, str | None] | None = None) -> list[str]:
    """What ``bash_complete`` answers for the command line ``words`` (the cursor at the
    end): Click's protocol, as the function that ``bash_source`` installs runs it."""
    parts = words.split(" ")
    result = CliRunner().invoke(
        cli,
        [],
        prog_name="compliance-tool",
        env={
            **quiet_env(),
            **(env or {}),
            "_COMPLIANCE_TOOL_COMPLETE": "bash_complete",
            "COMP_WORDS": words,
            "COMP_CWORD": str(len(parts) - 1),
        },
        catch_exceptions=False,
    )
    assert result.exit_code == 0, result.output
    return [line.split(",", 1)[1] for line in result.output.splitlines()]


COMPLETIONS: list[CompletionCase] = [
    ("compliance-tool va", ["validate"]),
    ("compliance-tool co", ["codeowners", "continuity", "coverage"]),
    ("compliance-tool rules e", ["explain"]),
    ("compliance-tool validate --format ", ["auto", "text", "json", "github"]),
    ("compliance-tool lineage x --format m", ["mermaid"]),
    ("compliance-tool check --format s", ["sarif"]),
    (
        "compliance-tool check --format ",
        ["text", "json", "sarif", "junit", "github", "markdown", "codequality"],
    ),
    ("compliance-tool check --fail-on h", ["high"]),
    ("compliance-tool codeowners --g", ["--gitlab"]),
]


@pytest.mark.parametrize(("words", "expected"), COMPLETIONS, ids=[w for w, _ in COMPLETIONS])
def test_bash_completion_protocol(words: str, expected: list[str]) -> None:
    assert _complete(words) == expected


def test_completion_scripts_for_bash_zsh_and_fish() -> None:
    scripts = {}
    for shell in ("bash", "zsh", "fish"):
        result = CliRunner().invoke(
            cli,
            [],
            prog_name="compliance-tool",
            env={**quiet_env(), "_COMPLIANCE_TOOL_COMPLETE": f"{shell}_source"},
            catch_exceptions=False,
        )
        assert result.exit_code == 0
        scripts[shell] = result.output
    assert "complete -o nosort -F _compliance_tool_completion compliance-tool" in scripts["bash"]
    assert "compdef _compliance_tool_completion compliance-tool" in scripts["zsh"]
    assert "complete --no-files --command compliance-tool" in scripts["fish"]


@pytest.mark.skipif(not TOOL.exists() or shutil.which("bash") is None, reason="needs bash")
def test_bash_completes_with_the_installed_command(tmp_path: Path) -> None:
    """The README's line in a real bash: the installed command writes the script, and the
    function it defines completes a command name and a format."""
    env = {name: value for name, value in os.environ.items() if value is not None}
    env.pop("NO_COLOR", None)
    env["PATH"] = f"{TOOL.parent}{os.pathsep}{env.get('PATH', '')}"
    script = tmp_path / "complete.sh"
    script.write_text(
        'eval "$(_COMPLIANCE_TOOL_COMPLETE=bash_source compliance-tool)"\n'
        "complete_line() {\n"
        '  COMP_WORDS=($1); [ $# -lt 2 ] || COMP_WORDS+=("$2")\n'
        "  COMP_CWORD=$((${#COMP_WORDS[@]} - 1)); COMPREPLY=()\n"
        "  _compliance_tool_completion compliance-tool\n"
        '  echo "${COMPREPLY[*]}"\n'
        "}\n"
        "complete_line 'compliance-tool va'\n"
        "complete_line 'compliance-tool check --format' ''\n",
        encoding="utf-8",
    )
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", str(script)],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "validate",
        "text json sarif junit github markdown codequality",
    ]
    assert shlex.split(done.stdout)  # printable, nothing else written
