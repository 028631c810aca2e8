"""Benchmark the operating-metric series against ``trend`` on the long synthetic history.

The repository is the one of :mod:`bench_history` (built by :mod:`history_repo`: 5,000
commits over 28 months, operating metrics edited along the way). Each figure is the
median of ``--runs`` runs of the CLI in a fresh interpreter:

- ``trend --since <23 months before> --until 2026-11-26 --every P1M``: 24 monthly points;
- ``metrics --period P7D --points 26 --as-of 2026-11-26 --format json``: 26 weekly points
  of every production model, which must take no longer than ``trend``.

Usage::

    python benchmarks/bench_metric_series.py [--runs N] [--dir PATH] [--commits N]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path

from bench_history import DEFAULT_DIR, Timed, months_before, time_command
from benchlib import AS_OF, BenchError, cli_command, machine_line, runs_text, say, table, verdict
from history_repo import prepare_history


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median shown)")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="history repository")
    parser.add_argument("--commits", type=int, default=5_000, help="commits after the first")
    parser.add_argument("--points", type=int, default=26, help="weekly metric points")
    parser.add_argument("--months", type=int, default=24, help="trend points (monthly)")
    args = parser.parse_args(argv)
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    root: Path = args.dir.resolve()
    since = months_before(dt.date.fromisoformat(AS_OF), args.months - 1)
    try:
        say(f"preparing the history repository in {root} ...")
        info, reused = prepare_history(root, 500, 1_000, 150, args.commits, 0, False)
        print(f"repository: {root} ({'reused' if reused else 'new'}), {info.commits:,} commits")
        print(machine_line(args.runs), flush=True)
        cli = [*cli_command(), "--repo", str(root)]
        trend = time_command(
            Timed(
                f"trend, {args.months} monthly points",
                f"trend --since {since} --until {AS_OF} --every P1M",
            ),
            args.runs,
            [*cli, "trend", "--since", since.isoformat(), "--until", AS_OF, "--every", "P1M"],
        )
        metrics = time_command(
            Timed(
                f"metrics, {args.points} weekly points",
                f"metrics --period P7D --points {args.points} --as-of {AS_OF} --format json",
            ),
            args.runs,
            [
                *cli,
                "metrics",
                "--period",
                "P7D",
                "--points",
                str(args.points),
                "--as-of",
                AS_OF,
                "--format",
                "json",
            ],
        )
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    document = json.loads(metrics.output)
    series = document["series"]
    changed = sum(1 for s in series if len({p["value"] for p in s["points"]}) > 1)
    note = (
        f"{len(document['models'])} models, {len(series)} series, "
        f"{changed} with a value that changes"
    )
    rows = [("measurement", "median s", "target", "", "notes", "runs (s)")]
    rows.append((trend.label, f"{trend.median:.2f}", "", "", "", runs_text(trend.runs, "")))
    rows.append(
        (
            metrics.label,
            f"{metrics.median:.2f}",
            f"<= {trend.median:.2f} s",
            verdict(metrics.median <= trend.median),
            note,
            runs_text(metrics.runs, ""),
        )
    )
    print()
    print(table(rows, left=(0, 2, 3, 4, 5)))
    print("\ncommands (each with --repo ROOT):")
    for item in (trend, metrics):
        print(f"  {item.label}: compliance-tool {item.command}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
