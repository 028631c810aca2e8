"""Mutation testing of the rule engine's core: how many small changes to custom rules
(``checks/custom_rules.py``) and waiver handling (``checks/engine.py``) the tests notice.

mutmut 3 reads ``[tool.mutmut]`` in pyproject.toml (the modules, the targeted tests, the
files the tests read) and writes its mutants into ``mutants/`` beside that file. To keep
the work tree clean this script copies the package, the tests, pyproject.toml and the
sample repository into a scratch folder, runs ``mutmut run`` there, and prints the score
(killed / total) and every mutant that survived::

    .venv/bin/python benchmarks/mutation.py                       # custom rules and waivers
    .venv/bin/python benchmarks/mutation.py --only custom_rules   # custom rules only
    .venv/bin/python benchmarks/mutation.py --diffs               # and each survivor's diff

It is a benchmark of the tests, not a test: the test command never runs it.
"""

from __future__ import annotations

import argparse
import fnmatch
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

from benchlib import BenchError, clear_folder, say, tool_line

PROJECT = Path(__file__).resolve().parents[1]
MARKER = ".ct-mutation.json"
"""Written at the root of the scratch copy, so that only a folder this script made is
ever deleted."""

COPIED = (
    "compliance_tool",
    "tests",
    "pyproject.toml",
    "inventory",
    "policies",
    "runbooks",
    "evidence",
    "docs",
    "schemas",
    "features",
    "compliance-tool.yaml",
)
"""What the targeted tests need: the package, the tests and the sample they read."""

TARGETS = {
    "custom_rules": "compliance_tool.checks.custom_rules.*",
    "waivers": "compliance_tool.checks.engine.x_apply_waivers__mutmut_*",
    "engine": "compliance_tool.checks.engine.*",
}
"""What ``--only`` can name, as mutmut's mutant names: every custom rule; the waiver
handling of the engine (:func:`apply_waivers`); the whole engine module (compiling,
evaluating, the rule cache: about 800 mutants, an hour or more on two cores)."""

DEFAULT_TARGETS = ("custom_rules", "waivers")

DETECTED = ("killed", "timeout", "caught by type check", "segfault")
"""Statuses of a mutant that the tests noticed (a timeout is an infinite loop caught)."""

RESULT_LINE = re.compile(r"^\s+(?P<name>\S+): (?P<status>.+)$")


def copy_project(target: Path) -> None:
    """A fresh scratch copy of the project at ``target`` (a folder this script made, or a
    new or empty one)."""
    clear_folder(target, MARKER)
    target.mkdir(parents=True, exist_ok=True)
    (target / MARKER).write_text(json.dumps({"from": str(PROJECT)}), encoding="utf-8")
    ignore = shutil.ignore_patterns("__pycache__", ".compliance-cache", ".compliance-keys")
    for name in COPIED:
        source = PROJECT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=ignore)
        elif source.is_file():
            shutil.copy2(source, target / name)


def mutmut(root: Path, *args: str, timeout: float | None = None) -> str:
    """``mutmut ARGS...`` in ``root``, with the interpreter running this script; the
    environment's PYTHONPATH is dropped so that only the mutated copy can be imported."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHONPATH"}
    env["NO_COLOR"] = "1"
    try:
        done = subprocess.run(
            [sys.executable, "-m", "mutmut", *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise BenchError(
            f"mutmut {' '.join(args)} ran longer than {timeout:.0f} s: pass a larger "
            "--timeout or --only one module"
        ) from error
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).splitlines()[-30:])
        raise BenchError(f"mutmut {' '.join(args)} exited {done.returncode}:\n{tail}")
    return done.stdout


def statuses(root: Path, patterns: list[str]) -> dict[str, str]:
    """The status of every mutant matching ``patterns``, from ``mutmut results --all``."""
    found = {}
    for line in mutmut(root, "results", "--all", "true").splitlines():
        match = RESULT_LINE.match(line)
        if match and any(fnmatch.fnmatchcase(match["name"], p) for p in patterns):
            found[match["name"]] = match["status"].strip()
    return found


def report(root: Path, found: dict[str, str], seconds: float, diffs: bool) -> int:
    """Print the score and the survivors; returns the number of undetected mutants."""
    counts = Counter(found.values())
    detected = sum(counts[status] for status in DETECTED)
    total = len(found)
    score = 100 * detected / total if total else 0.0
    print(tool_line())
    print(f"mutation score: {detected} / {total} detected ({score:.1f}%) in {seconds:.0f} s")
    print("by status: " + ", ".join(f"{s} {n}" for s, n in sorted(counts.items())))
    survivors = sorted(name for name, status in found.items() if status not in DETECTED)
    for name in survivors:
        print(f"  {found[name]}: {name}")
        if diffs:
            print(mutmut(root, "show", name))
    return len(survivors)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--only",
        choices=sorted(TARGETS),
        action="append",
        help="what to mutate, repeatable (default: custom_rules and waivers)",
    )
    parser.add_argument("--dir", type=Path, default=Path("/tmp/ct-mutation"))
    parser.add_argument("--max-children", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--timeout", type=float, default=3600, help="seconds (default 3600)")
    parser.add_argument("--diffs", action="store_true", help="show each survivor's change")
    options = parser.parse_args(argv)
    patterns = [TARGETS[name] for name in options.only or DEFAULT_TARGETS]
    try:
        say(f"copying the project to {options.dir}")
        copy_project(options.dir)
        say(f"mutmut run on {', '.join(patterns)} (this takes minutes)")
        started = time.perf_counter()
        log = mutmut(
            options.dir,
            "run",
            "--max-children",
            str(options.max_children),
            *patterns,
            timeout=options.timeout,
        )
        (options.dir / "mutmut-run.log").write_text(log, encoding="utf-8")
        seconds = time.perf_counter() - started
        report(options.dir, statuses(options.dir, patterns), seconds, options.diffs)
    except BenchError as error:
        say(f"error: {error}")
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
