"""Running compliance-tool in tests: in-process through Click's CliRunner (exceptions not
caught, so a bug shows its traceback), or as its own process (reports, which render in
parallel), always without the outside settings that would change what it does."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

from click.testing import CliRunner, Result

from compliance_tool.cli import cli
from support.git import identity, isolated_config
from support.repos import AS_OF_TEXT

Invoke = Callable[..., Result]
"""The ``run_cli`` fixture: ``run_cli(*args)`` runs compliance-tool in-process."""

TOOL = Path(sys.executable).with_name("compliance-tool")
"""The installed command, for tests that run it as a process."""

REPORTER = ("Claire Dubois", "claire.dubois@northmoorbank.eu")
"""Author and committer of the commits of tests that run the tool as a process."""


def is_outside_setting(name: str) -> bool:
    """Whether the environment variable ``name`` would change what the tool does or prints:
    its own settings, the CI marker, colour."""
    return name.startswith("COMPLIANCE_TOOL_") or name in ("GITHUB_ACTIONS", "NO_COLOR")


def quiet_env(*, cache: bool = True) -> dict[str, str | None]:
    """For CliRunner: every outside setting unset, no colour, no cache unless ``cache``."""
    env: dict[str, str | None] = {name: None for name in os.environ if is_outside_setting(name)}
    env["NO_COLOR"] = "1"
    if not cache:
        env["COMPLIANCE_TOOL_NO_CACHE"] = "1"
    return env


def run(*args: str | Path, env: Mapping[str, str | None] | None = None) -> Result:
    """``compliance-tool ARGS...`` in-process, exceptions not caught."""
    return CliRunner().invoke(cli, [str(a) for a in args], env=env, catch_exceptions=False)


def invoke(*args: str | Path, cache: bool = False) -> Result:
    """:func:`run` without outside settings and, unless asked, without the cache: for
    session-wide runs and runs on the sample, which must not write into it."""
    return run(*args, env=quiet_env(cache=cache))


# -- the tool in its own process -------------------------------------------------------------


def process_env(home: Path, when: str = "2026-11-20T09:00:00+00:00") -> dict[str, str]:
    """The environment of every git and compliance-tool process of a test: no outside
    setting, no user or system git configuration, a fixed identity and commit date."""
    env = {name: value for name, value in os.environ.items() if not is_outside_setting(name)}
    return {**env, **isolated_config(home), **identity(REPORTER, when=when)}


def run_tool(env: dict[str, str], *args: str | Path) -> subprocess.CompletedProcess[str]:
    """compliance-tool in its own process."""
    return subprocess.run(
        [str(TOOL), *(str(a) for a in args)],
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )


@dataclass
class Render:
    """A `compliance-tool report` running in its own process, writing ``pdf``."""

    process: subprocess.Popen[str]
    pdf: Path
    stderr: str | None = None

    @property
    def manifest(self) -> Path:
        return self.pdf.with_name(self.pdf.stem + ".manifest.json")

    def wait(self) -> str:
        """Wait for the render; fail unless it exited 0. Returns what it said on stderr."""
        if self.stderr is None:
            self.stderr = self.process.communicate(timeout=600)[1]
        assert self.process.returncode == 0, self.stderr
        return self.stderr

    def stop(self) -> None:
        """Stop the render if nobody waited for it, and close its pipe."""
        if self.stderr is None:
            if self.process.poll() is None:
                self.process.kill()
            self.stderr = self.process.communicate()[1]


def start_report(
    env: dict[str, str], root: Path, pdf: Path, *args: str, default_output: bool = False
) -> Render:
    """Start `compliance-tool --repo ROOT report --as-of 2026-11-26 --output PDF ARGS...`
    (without --output when ``default_output``: ``pdf`` is then where it will be)."""
    pdf.parent.mkdir(parents=True, exist_ok=True)
    command = [str(TOOL), "--repo", str(root), "report", "--as-of", AS_OF_TEXT]
    if not default_output:
        command += ["--output", str(pdf)]
    process = subprocess.Popen(
        [*command, *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return Render(process, pdf)
