"""Benchmark ``compliance-tool check`` on the full synthetic inventory.

On the full synthetic repository (10,000 models, 20,000 datasets, 2,000 people: the one
``bench_validate.py`` uses, reused when complete; ``--size small`` for a quick try), each
figure is the median of ``--runs`` runs of::

    compliance-tool --repo ROOT check --as-of 2026-11-26 --format json=OUT --timings

in a fresh interpreter (exit code 1, findings, is expected):

- floor: read every governance YAML file and parse it with ``yaml.CSafeLoader``;
- cold: ``COMPLIANCE_TOOL_NO_CACHE=1`` (no parse cache, no rule-result cache), with the
  default worker count and with ``--jobs 1`` (what the second core buys);
- warm: the parse and rule caches populated by a previous run;
- per rule: the ``--timings`` lines of the cold runs (with two workers, the time summed
  over both workers), and the in-process phases: load and validate, engine set-up, rules.

Targets: cold <= 3x floor, warm <= 0.3x floor.

Usage::

    python benchmarks/bench_check.py [--runs N] [--dir PATH] [--top N] [--json PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import gc
import json
import os
import re
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from benchlib import (
    AS_OF,
    DEFAULT_DIRS,
    FLOOR_LABEL,
    SIZES,
    BenchError,
    Finished,
    clean_tree,
    cli_command,
    cli_environment,
    expect,
    governance_files,
    machine_line,
    median,
    parse_floor,
    prepare_synthetic,
    repeat,
    run_measured,
    runs_text,
    say,
    table,
    verdict,
)

COLD_TARGET = 3.0
WARM_TARGET = 0.3
TIMING_LINE = re.compile(r"^\s*([0-9.]+) ms  (\S+)\s*$")
SUMMARY_LINE = re.compile(
    r"(\d+) failing, (\d+) waived, (?:\d+ upcoming, )?(\d+) passing results of (\d+) rules"
)


@dataclass(slots=True)
class Series:
    """The runs of one measurement, and the per-rule timings they printed."""

    label: str
    runs: list[float] = field(default_factory=list)
    rules: dict[str, list[float]] = field(default_factory=dict)
    target: str = ""
    ratio_target: float | None = None

    @property
    def median(self) -> float:
        return median(self.runs)

    def add(self, done: Finished) -> None:
        """One finished CLI run: its time and its ``--timings`` lines."""
        self.runs.append(done.seconds)
        for line in done.stderr.splitlines():
            found = TIMING_LINE.match(line)
            if found:
                self.rules.setdefault(found.group(2), []).append(float(found.group(1)))


def check_cli(root: Path, out: Path, no_cache: bool, *extra: str) -> Finished:
    """``compliance-tool --repo ROOT check --as-of ... --format json=OUT --timings``."""
    done = run_measured(
        [
            *cli_command(),
            "--repo",
            str(root),
            "check",
            "--as-of",
            AS_OF,
            "--format",
            f"json={out}",
            "--timings",
            *extra,
        ],
        env=cli_environment(no_cache),
    )
    expect(done, (0, 1), "compliance-tool check")  # 1: findings, the normal outcome here
    if SUMMARY_LINE.search(done.stderr) is None:
        raise BenchError(f"check printed no summary line: {done.tail()}")
    return done


def floor_run(paths: Sequence[Path]) -> None:
    """One pass of the parse floor (timed by the caller)."""
    parse_floor(paths)


def in_process_phases(root: Path) -> dict[str, float]:
    """The cold check in this process, phase by phase (imports already done)."""
    from compliance_tool.checks.engine import Engine
    from compliance_tool.checks.pipeline import default_jobs
    from compliance_tool.checks.validate import validate
    from compliance_tool.repository.session import Where, open_inventory

    as_of = dt.date.fromisoformat(AS_OF)
    gc.collect()
    phases: dict[str, float] = {}
    started = time.perf_counter()
    inventory = open_inventory(Where(root, None, use_cache=False))
    result = validate(inventory)
    phases["list, read, parse, schema, validate"] = time.perf_counter() - started
    if not result.passed:
        raise BenchError(f"the synthetic repository has {len(result.problems)} problem(s)")
    mark = time.perf_counter()
    engine = Engine(inventory, as_of, jobs=default_jobs())
    phases["engine set-up (facts, compile rules)"] = time.perf_counter() - mark
    mark = time.perf_counter()
    engine.run(inventory.source.commit)
    phases[f"rules ({default_jobs()} worker(s))"] = time.perf_counter() - mark
    phases["total"] = time.perf_counter() - started
    return phases


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median shown)")
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument(
        "--dir", type=Path, default=None, help="synthetic repository (default: by --size)"
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--regenerate", action="store_true", help="do not reuse the repository")
    parser.add_argument("--top", type=int, default=15, help="rules shown in the per-rule table")
    parser.add_argument("--no-phases", action="store_true", help="skip the in-process phases")
    parser.add_argument("--json", type=Path, default=None, help="also write all runs as JSON")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    for name in [k for k in os.environ if k.startswith("COMPLIANCE_TOOL_")]:
        del os.environ[name]  # the in-process phases must not inherit settings
    root: Path = (args.dir or DEFAULT_DIRS[args.size]).resolve()
    work = Path(tempfile.mkdtemp(prefix="ct-bench-check-"))
    out = work / "check.json"
    try:
        reused = prepare_synthetic(
            root, **SIZES[args.size], seed=args.seed, regenerate=args.regenerate
        )
        paths = governance_files(root)
        size_mb = sum(p.stat().st_size for p in paths) / 1e6
        print(
            f"repository: {root} ({'reused' if reused else 'new'}): {len(paths):,} YAML files, "
            f"{size_mb:.1f} MB\n{machine_line(args.runs)}",
            flush=True,
        )
        say(f"measuring floor ({FLOOR_LABEL}) ...")
        floor = Series(f"floor: read + {FLOOR_LABEL}", repeat(args.runs, lambda: floor_run(paths)))

        cold = Series(
            "cold check, CLI (NO_CACHE=1, default jobs)",
            target=f"<= {COLD_TARGET:g}x floor",
            ratio_target=COLD_TARGET,
        )
        cold_one = Series("cold check, CLI (NO_CACHE=1, --jobs 1)")
        summary = ""
        for run in range(args.runs):
            say(f"measuring cold check, default jobs, run {run + 1} ...")
            done = check_cli(root, out, True)
            cold.add(done)
            found = SUMMARY_LINE.search(done.stderr)
            summary = found.group(0) if found else ""
            say(f"measuring cold check, --jobs 1, run {run + 1} ...")
            cold_one.add(check_cli(root, out, True, "--jobs", "1"))

        say("populating the caches ...")
        shutil.rmtree(root / ".compliance-cache", ignore_errors=True)
        fill = Series("cache fill, CLI (1 run, caches empty)")
        fill.add(check_cli(root, out, False))
        cache_bytes = sum(
            f.stat().st_size for f in (root / ".compliance-cache").rglob("*") if f.is_file()
        )
        warm = Series(
            "warm check, CLI (caches populated)",
            target=f"<= {WARM_TARGET:g}x floor",
            ratio_target=WARM_TARGET,
        )
        for run in range(args.runs):
            say(f"measuring warm check, run {run + 1} ...")
            warm.add(check_cli(root, out, False))

        startup = Series("CLI start-up (--version)")
        for _ in range(args.runs):
            startup.add(
                expect(
                    run_measured([*cli_command(), "--version"]), (0,), "compliance-tool --version"
                )
            )

        phases: dict[str, list[float]] = {}
        if not args.no_phases:
            for run in range(args.runs):
                say(f"measuring in-process phases, run {run + 1} ...")
                for name, seconds in in_process_phases(root).items():
                    phases.setdefault(name, []).append(seconds)
                gc.collect()
        if not clean_tree(root):
            say(
                "warning: inventory/ or policies/ changed during the run (is another benchmark "
                "using this repository?); the figures may mix states"
            )
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(work, ignore_errors=True)

    series = [cold, cold_one, fill, warm, startup]
    rows = [("measurement", "median s", "x floor", "target", "", "runs (s)")]
    rows.append((floor.label, f"{floor.median:.2f}", "1.00", "", "", runs_text(floor.runs, "")))
    for item in series:
        ratio = item.median / floor.median
        rows.append(
            (
                item.label,
                f"{item.median:.2f}",
                f"{ratio:.2f}",
                item.target,
                verdict(ratio <= item.ratio_target) if item.ratio_target else "",
                runs_text(item.runs, ""),
            )
        )
    print()
    print(table(rows, left=(0, 3, 4, 5)))
    print(
        f"\nresults: {summary} (as of {AS_OF}); rule and parse caches: {cache_bytes / 1e6:.0f} MB"
    )
    saved = cold_one.median - cold.median
    print(
        f"second core: cold check {cold_one.median:.2f} s with --jobs 1, {cold.median:.2f} s "
        f"with the default ({os.cpu_count()} CPUs): {saved:+.2f} s saved, "
        f"speed-up {cold_one.median / cold.median:.2f}x"
    )
    if phases:
        print("\nin-process cold check, by phase (median s):")
        total = median(phases["total"])
        phase_rows = [("phase", "median s", "share", "runs (s)")]
        for name, values in phases.items():
            phase_rows.append(
                (
                    name,
                    f"{median(values):.2f}",
                    f"{median(values) / total:.0%}",
                    runs_text(values, ""),
                )
            )
        print(table(phase_rows, left=(0, 3)))

    rule_ids = sorted(cold_one.rules, key=lambda r: -median(cold_one.rules[r]))
    shown = rule_ids[: args.top]
    print(
        f"\nper-rule time in the cold runs, median ms (top {len(shown)} of {len(rule_ids)} rules; "
        "with 2 workers the time is summed over both):"
    )
    rule_rows = [("rule", "--jobs 1", "default jobs")]
    for rule in shown:
        rule_rows.append(
            (
                rule,
                f"{median(cold_one.rules[rule]):,.0f}",
                f"{median(cold.rules.get(rule, [0.0])):,.0f}",
            )
        )
    rule_rows.append(
        (
            "all rules",
            f"{sum(median(v) for v in cold_one.rules.values()):,.0f}",
            f"{sum(median(v) for v in cold.rules.values()):,.0f}",
        )
    )
    print(table(rule_rows))
    print(
        f"\ntargets: cold <= {COLD_TARGET:g}x floor ({COLD_TARGET * floor.median:.1f} s here), "
        f"warm <= {WARM_TARGET:g}x floor ({WARM_TARGET * floor.median:.1f} s here)"
    )
    if args.json is not None:
        payload = {
            "repository": str(root),
            "files": len(paths),
            "floor": floor.runs,
            "series": {s.label: {"runs": s.runs, "rules_ms": s.rules} for s in series},
            "phases": phases,
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
