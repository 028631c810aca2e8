"""Benchmark ``compliance-tool validate`` on a large synthetic repository.

The repository comes from :mod:`synthetic` (generated once, then reused while its
parameters, the generator and the sample policies are unchanged) and is committed to git so
that ``--changed-since`` has a base. Each figure is the median of ``--runs`` runs:

- floor: read every governance YAML file and parse it with the fastest safe loader on the
  machine (``yaml.CSafeLoader``), nothing else: what any YAML-based checker must pay;
- cold validate: no parse cache, in-process and through the CLI (a fresh interpreter);
- warm validate: with the parse cache already populated;
- changed-since: one model file edited, ``validate --changed-since HEAD`` through the CLI,
  interpreter start-up included, with and without a populated cache.

Usage::

    python benchmarks/bench_validate.py [--size small|full] [--runs N] [--dir PATH]
"""

from __future__ import annotations

import argparse
import functools
import gc
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

from benchlib import (
    DEFAULT_DIRS,
    FLOOR_LABEL,
    SIZES,
    BenchError,
    cli_command,
    cli_environment,
    governance_files,
    parse_floor,
    prepare_synthetic,
)

from compliance_tool.checks.validate import validate
from compliance_tool.repository.cache import CACHE_DIR
from compliance_tool.repository.session import Where, open_inventory

COLD_TARGET = 1.5
WARM_TARGET = 0.2
CHANGED_TARGET_S = 1.0

OK_LINE = re.compile(r"ok: (\d+) files valid")


@dataclass(frozen=True, slots=True)
class Measurement:
    """One timed operation: every run in seconds, how many files it covered, its target."""

    label: str
    runs: tuple[float, ...]
    files: int
    target: str = ""
    ratio_target: float | None = None
    """Upper bound of median / floor, when the target is relative to the floor."""
    seconds_target: float | None = None
    """Upper bound of the median in seconds, when the target is absolute."""

    @property
    def median(self) -> float:
        return statistics.median(self.runs)

    @property
    def files_per_second(self) -> float:
        return self.files / self.median if self.median > 0 else float("inf")


# -- the repository ---------------------------------------------------------------------


def prepare_repository(root: Path, size: str, seed: int, regenerate: bool) -> bool:
    """Make sure ``root`` holds the committed synthetic repository; True if it was reused."""
    return prepare_synthetic(root, **SIZES[size], seed=seed, regenerate=regenerate)


# -- what is timed ----------------------------------------------------------------------


def _repeat(runs: int, action: Callable[[], int]) -> tuple[tuple[float, ...], int]:
    """Time ``action`` ``runs`` times; it returns how many files it covered."""
    times: list[float] = []
    files = 0
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        files = action()
        times.append(time.perf_counter() - started)
    return tuple(times), files


def validate_in_process(root: Path, use_cache: bool) -> int:
    """``validate(open_inventory(...))`` as the CLI does it, without the interpreter start."""
    inventory = open_inventory(Where(root=root, ref=None, use_cache=use_cache))
    result = validate(inventory)
    if not result.passed:
        first = result.problems[0]
        raise BenchError(
            f"validate found {len(result.problems)} problem(s), e.g. {first.path}:{first.line}: "
            f"{first.message}"
        )
    return result.files_checked


def validate_cli(root: Path, no_cache: bool, *extra: str) -> int:
    """Run ``compliance-tool --repo ROOT validate [extra]``; the number of files it checked."""
    done = subprocess.run(
        [*cli_command(), "--repo", str(root), "validate", *extra],
        env=cli_environment(no_cache),
        capture_output=True,
        text=True,
        check=False,
    )
    found = OK_LINE.search(done.stderr)
    if done.returncode != 0 or found is None:
        tail = (done.stdout + done.stderr).strip().splitlines()[-5:]
        raise BenchError(f"CLI validate exited {done.returncode}: " + " | ".join(tail))
    return int(found.group(1))


def cli_start_up() -> int:
    """``compliance-tool --version``: the fixed cost of any CLI run."""
    subprocess.run(
        [*cli_command(), "--version"], env=cli_environment(False), capture_output=True, check=True
    )
    return 0


class EditedModel:
    """Edits one model file differently on each call, and restores it at the end."""

    def __init__(self, root: Path) -> None:
        models = sorted((root / "inventory" / "models").glob("*.yaml"))
        if not models:
            raise BenchError("the synthetic repository has no model files")
        self.path = models[len(models) // 2]
        self.original = self.path.read_bytes()
        self.edits = 0
        if b"\nname: " not in self.original:
            raise BenchError(f"{self.path} has no 'name:' line to edit")

    def edit(self) -> None:
        """A new, still valid content each time, so no cache has seen it."""
        self.edits += 1
        changed = self.original.replace(b"\nname: ", f"\nname: Edit {self.edits} ".encode(), 1)
        self.path.write_bytes(changed)

    def restore(self) -> None:
        self.path.write_bytes(self.original)


def changed_since(root: Path, no_cache: bool) -> int:
    """``validate --changed-since HEAD`` through the CLI; exactly one file must be checked."""
    checked = validate_cli(root, no_cache, "--changed-since", "HEAD")
    if checked != 1:
        raise BenchError(f"--changed-since HEAD checked {checked} files, expected 1")
    return checked


# -- running and printing ---------------------------------------------------------------


def run_benchmark(root: Path, runs: int) -> tuple[Measurement, list[Measurement], int]:
    """Every measurement on ``root``: the floor, the others, and the cache size in bytes."""
    paths = governance_files(root)
    total = len(paths)
    cache = root / CACHE_DIR
    shutil.rmtree(cache, ignore_errors=True)

    def step(label: str) -> None:
        print(f"  measuring {label} ...", file=sys.stderr, flush=True)

    step(f"floor ({FLOOR_LABEL})")
    times, _ = _repeat(runs, lambda: parse_floor(paths))
    floor = Measurement(f"floor: read + {FLOOR_LABEL}", times, total)
    cold_target = f"<= {COLD_TARGET}x floor"
    warm_target = f"<= {WARM_TARGET}x floor"
    changed_target = f"< {CHANGED_TARGET_S:g} s"
    results: list[Measurement] = []

    step("cold validate, in-process")
    times, files = _repeat(runs, lambda: validate_in_process(root, use_cache=False))
    results.append(Measurement("cold validate, in-process", times, files, cold_target, COLD_TARGET))
    step("cold validate, CLI")
    times, files = _repeat(runs, lambda: validate_cli(root, no_cache=True))
    results.append(
        Measurement("cold validate, CLI (NO_CACHE=1)", times, files, cold_target, COLD_TARGET)
    )

    step("populating the cache")
    shutil.rmtree(cache, ignore_errors=True)
    times, files = _repeat(1, lambda: validate_in_process(root, use_cache=True))
    results.append(Measurement("cache fill, in-process (1 run)", times, files))
    cache_bytes = sum(f.stat().st_size for f in cache.rglob("*") if f.is_file())

    step("warm validate, in-process")
    times, files = _repeat(runs, lambda: validate_in_process(root, use_cache=True))
    results.append(Measurement("warm validate, in-process", times, files, warm_target, WARM_TARGET))
    step("warm validate, CLI")
    times, files = _repeat(runs, lambda: validate_cli(root, no_cache=False))
    results.append(Measurement("warm validate, CLI", times, files, warm_target, WARM_TARGET))

    model = EditedModel(root)
    try:
        for no_cache, label in ((False, "warm cache"), (True, "no cache")):
            step(f"--changed-since HEAD, {label}")
            times_list: list[float] = []
            for _ in range(runs):
                model.edit()  # a new edit each run, outside the timing
                run_times, files = _repeat(1, functools.partial(changed_since, root, no_cache))
                times_list.extend(run_times)
            results.append(
                Measurement(
                    f"changed-since HEAD, CLI, {label}",
                    tuple(times_list),
                    files,
                    changed_target,
                    seconds_target=CHANGED_TARGET_S,
                )
            )
    finally:
        model.restore()
    step("CLI start-up")
    times, _ = _repeat(runs, cli_start_up)
    results.append(Measurement("CLI start-up (--version)", times, 0))
    return floor, results, cache_bytes


def verdict(item: Measurement, floor: Measurement) -> str:
    """'ok' or 'MISS' against the item's target, or '' when it has none."""
    if item.ratio_target is not None:
        return "ok" if item.median / floor.median <= item.ratio_target else "MISS"
    if item.seconds_target is not None:
        return "ok" if item.median < item.seconds_target else "MISS"
    return ""


def table(floor: Measurement, results: Sequence[Measurement]) -> str:
    """The results as an aligned text table, floor first."""
    header = ("measurement", "files", "median s", "files/s", "x floor", "target", "")
    rows = [header]
    for item in (floor, *results):
        ratio = item.median / floor.median
        rows.append(
            (
                item.label,
                f"{item.files:,}" if item.files else "-",
                f"{item.median:.3f}",
                f"{item.files_per_second:,.0f}" if item.files > 1 else "-",
                f"{ratio:.2f}" if item.files > 1 or item is floor else "-",
                item.target,
                verdict(item, floor),
            )
        )
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    lines = []
    for number, row in enumerate(rows):
        cells = [
            cell.ljust(widths[i]) if i in (0, 5, 6) else cell.rjust(widths[i])
            for i, cell in enumerate(row)
        ]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in widths).rstrip())
    return "\n".join(lines)


def run_details(floor: Measurement, results: Sequence[Measurement]) -> str:
    """Every run of every measurement, for judging the spread."""
    return "\n".join(
        f"  {item.label}: " + ", ".join(f"{t:.3f}" for t in item.runs) for item in (floor, *results)
    )


def _load() -> str:
    """The 1-minute load average, to judge whether other processes disturbed the run."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:  # pragma: no cover - not available on this platform
        return "unknown"


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median shown)")
    parser.add_argument(
        "--dir", type=Path, default=None, help="synthetic repository (default: one per size)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--regenerate", action="store_true", help="do not reuse the repository")
    parser.add_argument("--json", type=Path, default=None, help="also write results as JSON")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    for name in [k for k in os.environ if k.startswith("COMPLIANCE_TOOL_")]:
        del os.environ[name]  # the in-process runs must see the settings they ask for
    root: Path = (args.dir or DEFAULT_DIRS[args.size]).resolve()
    try:
        reused = prepare_repository(root, args.size, args.seed, args.regenerate)
        paths = governance_files(root)
        size_mb = sum(p.stat().st_size for p in paths) / 1e6
        print(
            f"repository: {root} ({args.size}, {'reused' if reused else 'new'}): "
            f"{len(paths):,} YAML files, {size_mb:.1f} MB\n"
            f"python {platform.python_version()} on {platform.machine()}, "
            f"{os.cpu_count()} CPUs, load average {_load()}; "
            f"{args.runs} run(s) per figure, median shown",
            flush=True,
        )
        floor, results, cache_bytes = run_benchmark(root, args.runs)
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print()
    print(table(floor, results))
    print("\nruns (s):")
    print(run_details(floor, results))
    print(
        f"\ntargets: cold <= {COLD_TARGET}x floor, warm <= {WARM_TARGET}x floor, "
        f"changed-since < {CHANGED_TARGET_S:g} s (interpreter start-up included)\n"
        f"parse cache on disk: {cache_bytes / 1e6:.1f} MB ({root / CACHE_DIR})\n"
        f"load average at the end: {_load()} (other processes make the figures noisy)"
    )
    if args.json is not None:
        payload = {
            "repository": str(root),
            "size": args.size,
            "files": len(paths),
            "cache_bytes": cache_bytes,
            "floor": {**asdict(floor), "median": floor.median},
            "results": [{**asdict(r), "median": r.median} for r in results],
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
