"""Benchmark the signed PDF report: render time, peak memory, pages and size.

Two repositories, each committed to git so that the report reads a commit (HEAD):

- sample: the project's own sample governance repository (``inventory/``, ``policies/``,
  ``features/``, ``runbooks/``, ``evidence/``, ``docs/`` and ``compliance-tool.yaml``
  copied into a temporary git repository); target < 15 s;
- 1,000 models: a synthetic repository from :mod:`synthetic` with proportionate
  datasets (2,000) and people (300), generated once and reused; target < 60 s and a peak
  resident memory < 1 GB.

Each run is ``compliance-tool --repo ROOT report --as-of 2026-11-26 --output OUT.pdf`` in a
fresh interpreter: signed, with the development key that the first run creates in
``ROOT/.compliance-keys``. That first run starts without the key and without the parse
cache and is shown on its own row; the figures are the medians of the ``--runs`` runs
after it. Peak memory is the process's own ``ru_maxrss`` from ``os.wait4`` (child
processes it waited for included: git, the scenario runner). Pages come from ``pdfinfo``
(poppler-utils) or, without it, from pypdf.

Usage::

    python benchmarks/bench_report.py [--runs N] [--only sample|synthetic] [--keep]
"""

from __future__ import annotations

import argparse
import json
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchlib import (
    AS_OF,
    BenchError,
    Finished,
    cli_command,
    cli_environment,
    expect,
    git,
    machine_line,
    median,
    prepare_synthetic,
    run_measured,
    runs_text,
    say,
    table,
    verdict,
)
from synthetic import SAMPLE_ROOT

SAMPLE_PARTS = ("inventory", "policies", "features", "runbooks", "evidence", "docs")
SAMPLE_FILES = ("compliance-tool.yaml",)
SYNTHETIC_DIR = Path("/tmp/ct-bench-report-1000")
SYNTHETIC_SIZE = {"models": 1_000, "datasets": 2_000, "people": 300}
GITIGNORE = ".compliance-keys/\n.compliance-cache/\nreports/\n"
SAMPLE_TARGET_S = 15.0
SYNTHETIC_TARGET_S = 60.0
MEMORY_TARGET_BYTES = 1_000_000_000
SIGNED = re.compile(r"signed by ([^)]+\)?)")


@dataclass(slots=True)
class Case:
    """One repository to report on, and what its runs measured."""

    name: str
    root: Path
    target_s: float
    memory_target: int | None = None
    first: Finished | None = None
    runs: list[Finished] = field(default_factory=list)
    pages: int | None = None
    pdf_bytes: int = 0
    signer: str = ""

    @property
    def seconds(self) -> list[float]:
        return [r.seconds for r in self.runs]

    @property
    def peak_bytes(self) -> list[int]:
        return [r.max_rss_kib * 1024 for r in self.runs]


def sample_repository(work: Path) -> Path:
    """The sample governance repository copied into ``work/sample`` and committed."""
    root = work / "sample"
    root.mkdir()
    for part in SAMPLE_PARTS:
        if (SAMPLE_ROOT / part).is_dir():
            shutil.copytree(SAMPLE_ROOT / part, root / part)
    for name in SAMPLE_FILES:
        if (SAMPLE_ROOT / name).is_file():
            shutil.copyfile(SAMPLE_ROOT / name, root / name)
    (root / ".gitignore").write_text(GITIGNORE, encoding="utf-8")
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "sample governance repository")
    return root


def synthetic_repository(seed: int, regenerate: bool) -> Path:
    """The committed 1,000-model synthetic repository (reused when complete)."""
    prepare_synthetic(SYNTHETIC_DIR, **SYNTHETIC_SIZE, seed=seed, regenerate=regenerate)
    gitignore = SYNTHETIC_DIR / ".git" / "info" / "exclude"
    gitignore.write_text(GITIGNORE, encoding="utf-8")  # keys and cache stay untracked
    return SYNTHETIC_DIR


def count_pages(pdf: Path) -> int | None:
    """Pages of ``pdf``: pdfinfo when installed, pypdf otherwise; None when neither works."""
    if shutil.which("pdfinfo"):
        done = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=False)
        found = re.search(r"^Pages:\s+(\d+)", done.stdout, flags=re.MULTILINE)
        if found:
            return int(found.group(1))
    try:
        import pypdf

        return len(pypdf.PdfReader(str(pdf)).pages)
    except Exception:  # pypdf missing or the file unreadable: say so in the table
        return None


def report_once(case: Case, out: Path) -> Finished:
    """One ``compliance-tool report`` run on the case's repository."""
    done = run_measured(
        [
            *cli_command(),
            "--repo",
            str(case.root),
            "report",
            "--as-of",
            AS_OF,
            "--output",
            str(out),
        ],
        env=cli_environment(),
    )
    expect(done, (0,), f"compliance-tool report ({case.name})")
    if not out.is_file():
        raise BenchError(f"report ({case.name}) wrote no {out}")
    return done


def measure(case: Case, runs: int, work: Path) -> Case:
    """The first run (no key, no cache), then ``runs`` more; pages and size of the PDF."""
    shutil.rmtree(case.root / ".compliance-keys", ignore_errors=True)
    shutil.rmtree(case.root / ".compliance-cache", ignore_errors=True)
    out = work / f"{case.name.replace(' ', '-')}.pdf"
    say(f"{case.name}: first run (creates the signing key, fills the parse cache) ...")
    case.first = report_once(case, out)
    for run in range(runs):
        say(f"{case.name}: run {run + 1} ...")
        case.runs.append(report_once(case, out))
    case.pages = count_pages(out)
    case.pdf_bytes = out.stat().st_size
    found = SIGNED.search(case.runs[-1].stderr)
    case.signer = found.group(1) if found else "unsigned?"
    return case


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median shown)")
    parser.add_argument("--only", choices=("sample", "synthetic"), default=None)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--regenerate", action="store_true", help="regenerate the synthetic one")
    parser.add_argument("--keep", action="store_true", help="keep the PDFs and the sample copy")
    parser.add_argument("--json", type=Path, default=None, help="also write all runs as JSON")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    work = Path(tempfile.mkdtemp(prefix="ct-bench-report-"))
    cases: list[Case] = []
    try:
        if args.only in (None, "sample"):
            cases.append(Case("sample", sample_repository(work), SAMPLE_TARGET_S))
        if args.only in (None, "synthetic"):
            root = synthetic_repository(args.seed, args.regenerate)
            cases.append(
                Case("1,000 models", root, SYNTHETIC_TARGET_S, memory_target=MEMORY_TARGET_BYTES)
            )
        print(machine_line(args.runs), flush=True)
        for case in cases:
            files = len(git(case.root, "ls-files", "--", "inventory", "policies").split())
            print(
                f"{case.name}: {case.root} ({files:,} files under inventory/ and policies/ in HEAD)",
                flush=True,
            )
            measure(case, args.runs, work)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        if args.keep:
            say(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    rows = [("repository", "run", "time s", "target", "", "peak MB", "target", "", "runs (s)")]
    for case in cases:
        assert case.first is not None
        rows.append(
            (
                case.name,
                "first (no key, no cache)",
                f"{case.first.seconds:.2f}",
                "",
                "",
                f"{case.first.max_rss_kib * 1024 / 1e6:,.0f}",
                "",
                "",
                "",
            )
        )
        seconds = median(case.seconds)
        peak = max(case.peak_bytes)
        memory_ok = case.memory_target is None or peak < case.memory_target
        rows.append(
            (
                "",
                f"median of {len(case.runs)}",
                f"{seconds:.2f}",
                f"< {case.target_s:g} s",
                verdict(seconds < case.target_s),
                f"{peak / 1e6:,.0f}",
                f"< {case.memory_target / 1e9:g} GB" if case.memory_target else "",
                verdict(memory_ok) if case.memory_target else "",
                runs_text(case.seconds, ""),
            )
        )
    print()
    print(table(rows, left=(0, 1, 3, 4, 6, 7, 8)))
    print(
        "\nPDF: "
        + "; ".join(
            f"{c.name}: {c.pages if c.pages is not None else '?'} pages, "
            f"{c.pdf_bytes / 1024:,.0f} KiB, signed by {c.signer}"
            for c in cases
        )
    )
    print(
        "peak MB: the largest ru_maxrss of the timed runs (10^6 bytes); targets: sample "
        f"< {SAMPLE_TARGET_S:g} s, 1,000 models < {SYNTHETIC_TARGET_S:g} s and "
        f"< {MEMORY_TARGET_BYTES / 1e9:g} GB"
    )
    if args.json is not None:
        payload = {
            c.name: {
                "root": str(c.root),
                "first_s": c.first.seconds if c.first else None,
                "runs_s": c.seconds,
                "peak_bytes": c.peak_bytes,
                "pages": c.pages,
                "pdf_bytes": c.pdf_bytes,
            }
            for c in cases
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
