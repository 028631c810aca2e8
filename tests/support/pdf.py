"""Helpers of the report tests: the sample repository in git, the tool as a subprocess,
and the PDF read back with poppler (pdftotext, pdfsig, pdftoppm) and pypdf."""

from __future__ import annotations

import gc
import io
import os
import re
import shutil
import subprocess
import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parents[2]
TOOL = Path(sys.executable).with_name("compliance-tool")
AS_OF = "2026-11-26"
SAMPLE_PARTS = ("inventory", "policies", "features", "runbooks", "evidence", "docs")
CONFIG = "compliance-tool.yaml"
ORGANISATION = "Northmoor Bank"
TITLE = "AI portfolio compliance report"


def tool_env(home: Path, when: str = "2026-11-20T09:00:00+00:00") -> dict[str, str]:
    """The environment of every git and compliance-tool process of these tests: no user or
    system git configuration, a fixed identity and commit date, no tool settings."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith("COMPLIANCE_TOOL_") and name not in ("GITHUB_ACTIONS", "NO_COLOR")
    }
    env.update(
        GIT_CONFIG_GLOBAL=str(config),
        GIT_CONFIG_NOSYSTEM="1",
        GIT_AUTHOR_NAME="Claire Dubois",
        GIT_AUTHOR_EMAIL="claire.dubois@northmoorbank.eu",
        GIT_COMMITTER_NAME="Claire Dubois",
        GIT_COMMITTER_EMAIL="claire.dubois@northmoorbank.eu",
        GIT_AUTHOR_DATE=when,
        GIT_COMMITTER_DATE=when,
    )
    return env


def git(root: Path, env: dict[str, str], *args: str) -> str:
    done = subprocess.run(
        ["git", *args], cwd=root, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"git {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


def copy_sample(root: Path) -> None:
    """The sample repository's governance files, linked documents and configuration."""
    root.mkdir(parents=True)
    for part in SAMPLE_PARTS:
        shutil.copytree(PROJECT / part, root / part)
    shutil.copyfile(PROJECT / CONFIG, root / CONFIG)
    (root / ".gitignore").write_text(".compliance-cache/\n.compliance-keys/\n", encoding="utf-8")


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
    command = [str(TOOL), "--repo", str(root), "report", "--as-of", AS_OF]
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


@contextmanager
def weasyprint_quiet() -> Iterator[None]:
    """WeasyPrint 70 opens its sRGB output-intent profile and never closes it; the
    ResourceWarning would fail an in-process render under filterwarnings=error."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"unclosed file .*sRGB2014\.icc", category=ResourceWarning
        )
        yield
        gc.collect()


# -- reading the PDF back -------------------------------------------------------------------


def poppler(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: install poppler-utils (scripts/bootstrap does)")
    return found


def pdftotext(pdf: Path, *options: str) -> str:
    done = subprocess.run(
        [poppler("pdftotext"), *options, str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def pdfsig(pdf: Path) -> str:
    done = subprocess.run([poppler("pdfsig"), str(pdf)], capture_output=True, text=True)
    return done.stdout + done.stderr


RUNNING_LINE = re.compile(
    rf"^\s*(Commit [0-9a-f]{{12}}\s+)?Page \d+ of \d+\s*$"
    rf"|^\s*{re.escape(ORGANISATION)} · {re.escape(TITLE)}\s+As of \d{{4}}-\d{{2}}-\d{{2}}\s*$",
    re.M,
)


def flat(layout: str) -> str:
    """Layout text as one line: running headers and footers dropped, words broken after a
    hyphen at a line end joined again, every run of white space one space."""
    text = RUNNING_LINE.sub("", layout.replace("\f", "\n"))
    text = re.sub(r"-[ \t]*\n\s*", "-", text)
    return " ".join(text.split())


def attachments(pdf: Path) -> dict[str, bytes]:
    """The embedded files, read by pypdf (not by the tool's own reader)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    found = {}
    for name, contents in reader.attachments.items():
        assert len(contents) == 1, f"{name} is embedded {len(contents)} times"
        found[name] = contents[0]
    return found


def image_count(pdf: Path) -> int:
    """Raster images drawn on the pages (pypdf), over the whole document."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    return sum(len(page.images) for page in reader.pages)


@dataclass(frozen=True)
class Sample:
    """The sample repository in git, with one commit."""

    root: Path
    commit: str
    tree: str
    env: dict[str, str]


@dataclass(frozen=True)
class Report:
    """What `compliance-tool report` wrote, and what it said."""

    pdf: Path
    manifest: Path
    stderr: str
    layout: str
    """pdftotext -layout of the PDF."""

    @cached_property
    def text(self) -> str:
        """The layout text as one line (see :func:`flat`)."""
        return flat(self.layout)
