"""Benchmark the audit-trail commands on a long synthetic git history.

The repository comes from :mod:`history_repo`: a moderate synthetic inventory (500
models, 1,000 datasets, 150 people by default; moderate so that evaluating every rule at
many commits stays meaningful) and 5,000 commits of realistic edits over 28 months,
imported with ``git fast-import`` and given a commit graph with changed-path Bloom
filters. It is built once and reused while its parameters and generators are unchanged.

Each figure is the median of ``--runs`` runs of the CLI in a fresh interpreter:

- ``history models/ID`` of the most often changed model (target < 2 s);
- ``diff <commit ~4,000 back> HEAD --format json --as-of 2026-11-26`` (reported);
- ``trend --since <23 months before> --until 2026-11-26 --every P1M``: 24 monthly points
  (target < 10 s);

and, to put them in proportion, the CLI's start-up and the ``git log`` that ``history``
runs (with its glob pathspec, and with literal paths, which Bloom filters can answer).

Usage::

    python benchmarks/bench_history.py [--runs N] [--dir PATH] [--commits N] [--json PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import re
import sys
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
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
    run_measured,
    runs_text,
    say,
    table,
    verdict,
)
from history_repo import MODELS_FOLDER, HistoryInfo, prepare_history

DEFAULT_DIR = Path("/tmp/ct-bench-history")
HISTORY_TARGET_S = 2.0
TREND_TARGET_S = 10.0
HISTORY_HEADER = re.compile(r"newest first \((\d+) commits\)")


@dataclass(slots=True)
class Timed:
    """The runs of one command, what it produced, and its target in seconds."""

    label: str
    command: str
    runs: list[float] = field(default_factory=list)
    output: str = ""
    target_s: float | None = None

    @property
    def median(self) -> float:
        return median(self.runs)


def months_before(day: dt.date, months: int) -> dt.date:
    """The same day of the month ``months`` earlier (clamped to the month's length)."""
    index = day.year * 12 + day.month - 1 - months
    year, month = divmod(index, 12)
    for candidate in range(day.day, 27, -1):
        try:
            return dt.date(year, month + 1, candidate)
        except ValueError:
            continue
    return dt.date(year, month + 1, min(day.day, 28))


def time_command(
    item: Timed,
    runs: int,
    command: Sequence[str],
    cwd: Path | None = None,
    ok: Sequence[int] = (0,),
) -> Timed:
    """Run ``command`` ``runs`` times, keeping every time and the last output."""
    for run in range(runs):
        say(f"  {item.label}, run {run + 1} ...")
        done: Finished = expect(
            run_measured(command, env=cli_environment(), cwd=cwd), ok, item.command
        )
        item.runs.append(done.seconds)
        item.output = done.stdout
    return item


def describe(info: HistoryInfo) -> str:
    """What the history holds, in two lines."""
    edits = ", ".join(f"{name} {count}" for name, count in info.edits.items())
    return (
        f"{info.commits:,} commits from {info.first_date} to {info.last_date}, "
        f"{info.files_changed:,} file changes over an inventory of {info.models:,} models, "
        f"{info.datasets:,} datasets, {info.people:,} people\nedits: {edits}"
    )


def main(argv: Sequence[str] | None = None) -> int:
    """Command line entry point; returns the exit code."""
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median shown)")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="history repository")
    parser.add_argument("--commits", type=int, default=5_000, help="commits after the first")
    parser.add_argument("--models", type=int, default=500)
    parser.add_argument("--datasets", type=int, default=1_000)
    parser.add_argument("--people", type=int, default=150)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--back", type=int, default=4_000, help="diff base: commits before HEAD")
    parser.add_argument("--months", type=int, default=24, help="trend points (monthly)")
    parser.add_argument("--rebuild", action="store_true", help="do not reuse the repository")
    parser.add_argument("--json", type=Path, default=None, help="also write all runs as JSON")
    args = parser.parse_args(argv)
    if args.runs < 1 or args.months < 1:
        parser.error("--runs and --months must be at least 1")
    root: Path = args.dir.resolve()
    as_of = dt.date.fromisoformat(AS_OF)
    since = months_before(as_of, args.months - 1)
    try:
        say(f"preparing the history repository in {root} ...")
        info, reused = prepare_history(
            root, args.models, args.datasets, args.people, args.commits, args.seed, args.rebuild
        )
        back = min(args.back, info.commits - 1)
        base = git(root, "rev-parse", f"HEAD~{back}").strip()
        hot = info.hot_model
        hot_path = git(root, "ls-files", "--", f":(glob){MODELS_FOLDER}/**/{hot}.yaml").strip()
        print(f"repository: {root} ({'reused' if reused else 'new'})\n{describe(info)}")
        if not reused:
            steps = ", ".join(f"{k} {v:.1f} s" for k, v in info.build_seconds.items())
            print(f"built in {sum(info.build_seconds.values()):.1f} s: {steps}")
        print(machine_line(args.runs), flush=True)
        cli = [*cli_command(), "--repo", str(root)]
        say("measuring ...")
        history = time_command(
            Timed(
                "history of the most changed model",
                f"history models/{hot}",
                target_s=HISTORY_TARGET_S,
            ),
            args.runs,
            [*cli, "history", f"models/{hot}"],
        )
        diff = time_command(
            Timed(
                f"diff HEAD~{back} HEAD, JSON",
                f"diff {base[:12]} HEAD --format json --as-of {AS_OF}",
            ),
            args.runs,
            [*cli, "diff", base, "HEAD", "--format", "json", "--as-of", AS_OF],
        )
        trend = time_command(
            Timed(
                f"trend, {args.months} monthly points",
                f"trend --since {since} --until {AS_OF} --every P1M",
                target_s=TREND_TARGET_S,
            ),
            args.runs,
            [*cli, "trend", "--since", since.isoformat(), "--until", AS_OF, "--every", "P1M"],
        )
        startup = time_command(
            Timed("CLI start-up", "--version"), args.runs, [*cli_command(), "--version"]
        )
        log_args = ["log", "--format=%H", "--raw", "--no-abbrev", "--no-renames", "-m"]
        log_args.append("--first-parent")
        git_glob = time_command(
            Timed("git log as history runs it (glob pathspec)", "git log ... -- ':(glob)...'"),
            args.runs,
            [
                "git",
                *log_args,
                "HEAD",
                "--",
                f":(glob){MODELS_FOLDER}/**/{hot}.yaml",
                f":(glob){MODELS_FOLDER}/**/{hot}.yml",
            ],
            cwd=root,
        )
        literal = sorted({f"{MODELS_FOLDER}/{hot}.yaml", hot_path})
        git_literal = time_command(
            Timed("git log, literal paths (Bloom filters apply)", "git log ... -- PATHS"),
            args.runs,
            ["git", *log_args, "HEAD", "--", *literal],
            cwd=root,
        )
    except BenchError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2

    found = HISTORY_HEADER.search(history.output)
    revisions = found.group(1) if found else "?"
    try:
        document = json.loads(diff.output)
        diff_note = (
            f"{len(document.get('entities', [])):,} records and "
            f"{len(document.get('results', [])):,} rule results changed"
        )
    except ValueError:
        diff_note = "output is not JSON"
    points = sum(1 for line in trend.output.splitlines() if re.match(r"\d{4}-\d{2}-\d{2} ", line))
    notes: dict[str, str] = {
        history.label: f"{revisions} revisions of {hot} ({info.hot_model_changes} edits)",
        diff.label: diff_note,
        trend.label: f"{points} points, {trend.median / max(points, 1):.2f} s per point",
    }
    rows = [("measurement", "median s", "target", "", "notes", "runs (s)")]
    for item in (history, diff, trend, startup, git_glob, git_literal):
        target = f"< {item.target_s:g} s" if item.target_s is not None else ""
        rows.append(
            (
                item.label,
                f"{item.median:.2f}",
                target,
                verdict(item.median < item.target_s) if item.target_s is not None else "",
                notes.get(item.label, ""),
                runs_text(item.runs, ""),
            )
        )
    print()
    print(table(rows, left=(0, 2, 3, 4, 5)))
    print("\ncommands (each with --repo ROOT):")
    for item in (history, diff, trend):
        print(f"  {item.label}: compliance-tool {item.command}")
    print(
        f"\ntargets: history < {HISTORY_TARGET_S:g} s, trend ({args.months} monthly points) "
        f"< {TREND_TARGET_S:g} s; diff has none (reported)"
    )
    if args.json is not None:
        payload = {
            "repository": str(root),
            "info": asdict(info),
            "runs": {
                item.label: item.runs
                for item in (history, diff, trend, startup, git_glob, git_literal)
            },
        }
        args.json.write_text(json.dumps(payload, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
