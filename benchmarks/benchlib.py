"""Shared helpers of the benchmarks (bench_check, bench_report, bench_history, bench_reconcile,
bench_continuity, ...).

- repositories: generate a synthetic repository with :func:`synthetic.generate` (or reuse
  one generated earlier with the same parameters, generator and sample policies, judged
  by the same fingerprint file, ``.ct-bench.json``, that ``bench_validate.py`` writes, so
  both benchmarks share ``/tmp/ct-bench-synthetic``) and commit it to git;
- processes: run the installed CLI in a fresh interpreter, timing it and reading its own
  peak resident memory with ``os.wait4`` (per child, unlike ``RUSAGE_CHILDREN``, which is
  the maximum over every child waited for so far);
- figures: medians, aligned text tables, and one command against another, cold and warm.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import yaml
from synthetic import SAMPLE_ROOT, generate

MARKER = ".ct-bench.json"
"""Written at the root of a generated repository: what it was generated from (the format
``bench_validate.py`` uses, so that the benchmarks can share a repository)."""

SIZES: dict[str, dict[str, int]] = {
    "small": {"models": 200, "datasets": 400, "people": 60},
    "full": {"models": 10_000, "datasets": 20_000, "people": 2_000},
}
"""The sizes of bench_validate.py; ``small`` is for trying a benchmark out quickly."""
DEFAULT_DIRS = {
    "small": Path("/tmp/ct-bench-synthetic-small"),
    "full": Path("/tmp/ct-bench-synthetic"),
}
AS_OF = "2026-11-26"
"""The evaluation date of every benchmark (the synthetic data is spread around it)."""

try:
    FLOOR_LOADER: type = yaml.CSafeLoader
    FLOOR_LABEL = "CSafeLoader"
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    FLOOR_LOADER = yaml.SafeLoader
    FLOOR_LABEL = "SafeLoader (no libyaml!)"


class BenchError(Exception):
    """The benchmark cannot run or a measured command did not succeed."""


def say(message: str) -> None:
    """Progress notes go to stderr, so that stdout holds only the figures."""
    print(message, file=sys.stderr, flush=True)


def machine_line(runs: int) -> str:
    """Python version, CPUs, load and how many runs each figure is the median of."""
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (
        f"{tool_line()}; python {platform.python_version()} on {platform.machine()}, "
        f"{os.cpu_count()} CPUs, load average {load:.2f}; {runs} run(s) per figure, median shown"
    )


def tool_line() -> str:
    """Which state of compliance-tool is measured: its commit, and uncommitted changes."""
    try:
        commit = git(SAMPLE_ROOT, "rev-parse", "--short=12", "HEAD").strip()
        dirty = git(SAMPLE_ROOT, "status", "--porcelain", "--", "compliance_tool").splitlines()
    except BenchError:
        return "compliance-tool: not in git"
    changes = f" + uncommitted changes in {len(dirty)} file(s)" if dirty else ""
    return f"compliance-tool at {commit}{changes}"


# -- git and repositories ---------------------------------------------------------------


def git(root: Path, *args: str, stdin: bytes | None = None) -> str:
    """Run git in ``root`` (a benchmark repository only) and return its output."""
    done = subprocess.run(
        [
            "git",
            "-c",
            "user.name=compliance-tool bench",
            "-c",
            "user.email=bench@example.invalid",
            "-c",
            "commit.gpgsign=false",
            "-c",
            "init.defaultBranch=main",
            *args,
        ],
        cwd=root,
        input=stdin,
        capture_output=True,
        check=False,
    )
    if done.returncode != 0:
        raise BenchError(
            f"git {' '.join(args)} failed in {root}: {done.stderr.decode(errors='replace').strip()}"
        )
    return done.stdout.decode("utf-8", errors="replace")


def inputs_digest(*extra: Path) -> str:
    """sha256 of synthetic.py, the sample's policies/ and any ``extra`` files."""
    digest = hashlib.sha256(Path(__file__).with_name("synthetic.py").read_bytes())
    policies = SAMPLE_ROOT / "policies"
    if policies.is_dir():
        for file in sorted(policies.rglob("*")):
            if file.is_file():
                digest.update(file.relative_to(SAMPLE_ROOT).as_posix().encode() + b"\0")
                digest.update(file.read_bytes())
    for file in extra:
        digest.update(file.read_bytes())
    return digest.hexdigest()


def fingerprint(params: Mapping[str, int]) -> dict[str, object]:
    """What a generated repository depends on (same content as bench_validate's)."""
    return {**params, "inputs": inputs_digest()}


def marker_matches(root: Path, expected: Mapping[str, object], marker: str = MARKER) -> bool:
    """Whether ``root`` holds a marker file equal to ``expected``."""
    try:
        return bool(json.loads((root / marker).read_text(encoding="utf-8")) == expected)
    except (OSError, ValueError):
        return False


def clean_tree(root: Path) -> bool:
    """Whether inventory/ and policies/ of the git repository at ``root`` are unmodified."""
    try:
        return git(root, "status", "--porcelain", "--", "inventory", "policies") == ""
    except BenchError:
        return False


def clear_folder(root: Path, marker: str = MARKER) -> None:
    """Remove ``root`` if this benchmark made it (it holds ``marker``); refuse otherwise."""
    if not root.exists():
        return
    if (root / marker).is_file():
        shutil.rmtree(root)
    elif any(root.iterdir()):
        raise BenchError(f"{root} is not empty and was not made by a benchmark: pass another --dir")


def prepare_synthetic(
    root: Path, models: int, datasets: int, people: int, seed: int = 0, regenerate: bool = False
) -> bool:
    """A committed synthetic repository at ``root``; True when an existing one was reused.

    Reused when its fingerprint matches and its git tree is clean (complete and unmodified);
    otherwise regenerated, but only in a folder a benchmark made.
    """
    params = {"models": models, "datasets": datasets, "people": people, "seed": seed}
    expected = fingerprint(params)
    if (
        not regenerate
        and (root / ".git").is_dir()
        and marker_matches(root, expected)
        and clean_tree(root)
    ):
        return True
    clear_folder(root)
    root.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    counts = generate(root, models=models, datasets=datasets, people=people, seed=seed)
    (root / MARKER).write_text(json.dumps(expected, indent=2) + "\n", encoding="utf-8")
    say(f"generated {counts.total:,} files in {root} in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "synthetic governance repository")
    say(f"committed to git in {time.perf_counter() - started:.1f} s")
    return False


def governance_files(root: Path) -> list[Path]:
    """Every YAML file under inventory/ and policies/, as the tool lists them."""
    found: list[Path] = []
    for top in ("inventory", "policies"):
        for folder, dirs, files in os.walk(root / top):
            dirs.sort()
            found.extend(
                Path(folder, name) for name in sorted(files) if name.endswith((".yaml", ".yml"))
            )
    return found


def parse_floor(paths: Sequence[Path]) -> int:
    """Read and parse every file with the fastest safe loader; nothing else."""
    load = yaml.load
    loader = FLOOR_LOADER
    for path in paths:
        with open(path, "rb") as handle:
            load(handle.read(), Loader=loader)  # a safe loader: no arbitrary objects
    return len(paths)


# -- processes --------------------------------------------------------------------------


def cli_command() -> list[str]:
    """How to start the CLI of the installed package in a fresh interpreter."""
    script = Path(sys.executable).with_name("compliance-tool")
    if script.is_file():
        return [str(script)]
    found = shutil.which("compliance-tool")
    return [found] if found else [sys.executable, "-m", "compliance_tool"]


def cli_environment(no_cache: bool = False) -> dict[str, str]:
    """The caller's environment without settings that would change what is measured."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("COMPLIANCE_TOOL_") and k != "GITHUB_ACTIONS"
    }
    env["NO_COLOR"] = "1"
    if no_cache:
        env["COMPLIANCE_TOOL_NO_CACHE"] = "1"
    return env


@dataclass(frozen=True, slots=True)
class Finished:
    """One finished process: wall time, exit code, its own peak memory and its output."""

    seconds: float
    returncode: int
    max_rss_kib: int
    stdout: str
    stderr: str

    def tail(self, lines: int = 5) -> str:
        """The last lines of its output, for error messages."""
        return " | ".join((self.stdout + self.stderr).strip().splitlines()[-lines:])


def run_measured(
    command: Sequence[str], env: Mapping[str, str] | None = None, cwd: Path | None = None
) -> Finished:
    """Run ``command``; wall time, exit code and peak RSS of that process (``os.wait4``).

    Output goes to temporary files, not pipes, so that nothing reaps the child before
    ``wait4`` reads its resource usage. Linux counts descendants the child waited for in
    its ``ru_maxrss`` (the maximum, not the sum).
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        gc.collect()
        started = time.perf_counter()
        process = subprocess.Popen(
            list(command), stdout=out, stderr=err, env=dict(env) if env else None, cwd=cwd
        )
        _, status, usage = os.wait4(process.pid, 0)
        seconds = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped: tell Popen
        out.seek(0)
        err.seek(0)
        return Finished(
            seconds,
            process.returncode,
            int(usage.ru_maxrss),
            out.read().decode("utf-8", errors="replace"),
            err.read().decode("utf-8", errors="replace"),
        )


def expect(done: Finished, allowed: Sequence[int], what: str) -> Finished:
    """``done`` when its exit code is allowed; BenchError with its output otherwise."""
    if done.returncode not in allowed:
        raise BenchError(f"{what} exited {done.returncode}: {done.tail()}")
    return done


def timed(
    command: list[str], env: Mapping[str, str], allowed: Sequence[int]
) -> Callable[[], float]:
    """An action for :func:`repeat`: one run of ``command`` (the CLI with ``--repo ROOT``
    and a subcommand), its wall time, failing unless its exit code is allowed."""
    return lambda: expect(run_measured(command, env), allowed, command[3]).seconds


def repeat(runs: int, action: Callable[[], float | None]) -> list[float]:
    """Time ``action`` ``runs`` times; an action may return its own measured seconds."""
    times: list[float] = []
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        own = action()
        times.append(own if own is not None else time.perf_counter() - started)
    return times


def synthetic_options(description: str, argv: Sequence[str] | None) -> tuple[Path, int] | None:
    """``--size``, ``--runs`` and ``--dir`` of a benchmark on the synthetic repository, and
    that repository prepared: its root and the runs per figure; None (with the error said)
    when it cannot be prepared."""
    import argparse

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None)
    options = parser.parse_args(argv)
    root: Path = options.dir or DEFAULT_DIRS[options.size]
    try:
        size = SIZES[options.size]
        prepare_synthetic(root, size["models"], size["datasets"], size["people"])
    except BenchError as error:
        say(f"error: {error}")
        return None
    return root, int(options.runs)


def cold_and_warm(
    root: Path, commands: Mapping[str, tuple[list[str], Sequence[int]]], runs: int
) -> dict[str, list[float]]:
    """Every command's runs (``"NAME cold"``: no cache; ``"NAME warm"``: after one
    ``validate`` has filled the parse cache), each a fresh CLI process on ``root``."""
    base = [*cli_command(), "--repo", str(root)]
    figures: dict[str, list[float]] = {}
    for cache in ("cold", "warm"):
        env = cli_environment(no_cache=cache == "cold")
        if cache == "warm":  # fill the parse cache once
            expect(run_measured([*base, "validate"], env), (0, 1), "validate")
        for name, (args, allowed) in commands.items():
            figures[f"{name} {cache}"] = repeat(runs, timed([*base, *args], env, allowed))
    return figures


def ratio_table(
    figures: Mapping[str, list[float]], baseline: str, measured: str, target: float
) -> str:
    """The table of :func:`cold_and_warm`'s figures of ``baseline`` and ``measured``, cold
    and warm: median, runs, the ratio to ``baseline`` and ``measured``'s target ratio."""
    rows = [["figure", "median", "runs", f"vs {baseline}", "target"]]
    for cache in ("cold", "warm"):
        base = median(figures[f"{baseline} {cache}"])
        for name in (baseline, measured):
            values = figures[f"{name} {cache}"]
            ratio = median(values) / base
            goal = f"<= {target}x {verdict(ratio <= target)}" if name == measured else ""
            rows.append(
                [f"{name} ({cache})", f"{median(values):.2f} s", runs_text(values),
                 f"{ratio:.2f}x", goal]
            )  # fmt: skip
    return table(rows)


# -- figures ----------------------------------------------------------------------------


def median(values: Sequence[float]) -> float:
    """The median (the figure quoted everywhere: the machine is noisy)."""
    return float(statistics.median(values))


def runs_text(values: Sequence[float], unit: str = "s") -> str:
    """Every run, for judging the spread."""
    return ", ".join(f"{v:.3f}" for v in values) + f" {unit}"


def table(rows: Sequence[Sequence[str]], left: Sequence[int] = (0,)) -> str:
    """An aligned text table: the first row is the header; columns in ``left`` are
    left-aligned, the others right-aligned."""
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = [
            cell.ljust(widths[i]) if i in left else cell.rjust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in widths).rstrip())
    return "\n".join(lines)


def verdict(ok: bool) -> str:
    """How a target is marked in the tables."""
    return "ok" if ok else "MISS"
