"""Benchmark ``compliance-tool continuity`` against ``check`` on the synthetic inventory.

On the synthetic repository of ``bench_validate.py`` (10,000 models; ``--size small`` for a
quick try), each figure is the median of ``--runs`` runs in a fresh interpreter, without
the parse cache (``COMPLIANCE_TOOL_NO_CACHE=1``) and with it warm:

    compliance-tool --repo ROOT check --as-of 2026-11-26
    compliance-tool --repo ROOT continuity --without ORG --at 2026-11-26 --format json=OUT

ORG is the first external organisation of the synthetic people. Target: continuity no slower
than check (at most 1.0x), cold and warm.

Usage::

    python benchmarks/bench_continuity.py [--size small|full] [--runs N] [--dir PATH]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchlib import (
    AS_OF,
    DEFAULT_DIRS,
    SIZES,
    BenchError,
    cli_command,
    cli_environment,
    expect,
    machine_line,
    median,
    prepare_synthetic,
    repeat,
    run_measured,
    runs_text,
    say,
    table,
    timed,
    verdict,
)

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import EXTERNAL_ORGS

TARGET = 1.0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", choices=sorted(SIZES), default="full")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--dir", type=Path, default=None)
    options = parser.parse_args(argv)
    root = options.dir or DEFAULT_DIRS[options.size]
    try:
        size = SIZES[options.size]
        prepare_synthetic(root, size["models"], size["datasets"], size["people"])
    except BenchError as error:
        say(f"error: {error}")
        return 2
    return _measure(root, options.runs, str(EXTERNAL_ORGS[0][0]))


def _measure(root: Path, runs: int, organisation: str) -> int:
    base = [*cli_command(), "--repo", str(root)]
    out = Path(tempfile.mkdtemp()) / "continuity.json"
    figures: dict[str, list[float]] = {}
    commands = {
        "check": (["check", "--as-of", AS_OF], (0, 1)),
        "continuity": (
            ["continuity", "--without", organisation, "--at", AS_OF, "--format", f"json={out}"],
            (0, 1),
        ),
    }
    for cache in ("cold", "warm"):
        env = cli_environment(no_cache=cache == "cold")
        if cache == "warm":  # fill the parse cache once
            expect(run_measured([*base, "validate"], env), (0, 1), "validate")
        for name, (args, allowed) in commands.items():
            figures[f"{name} {cache}"] = repeat(runs, timed([*base, *args], env, allowed))
    document = json.loads(out.read_text(encoding="utf-8"))
    losing = sum(1 for m in document["models"] if m["loses"])
    say(machine_line(runs))
    say(
        f"without {organisation}: {len(document['models']):,} production models, "
        f"{losing:,} lose operation or rollback"
    )
    rows = [["figure", "median", "runs", "vs check", "target"]]
    for cache in ("cold", "warm"):
        check = median(figures[f"check {cache}"])
        for name in commands:
            values = figures[f"{name} {cache}"]
            ratio = median(values) / check
            target = f"<= {TARGET}x {verdict(ratio <= TARGET)}" if name == "continuity" else ""
            rows.append(
                [f"{name} ({cache})", f"{median(values):.2f} s", runs_text(values),
                 f"{ratio:.2f}x", target]
            )  # fmt: skip
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
