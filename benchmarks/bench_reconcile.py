"""Benchmark ``compliance-tool reconcile`` against ``validate`` on the full synthetic inventory.

On the synthetic repository of ``bench_validate.py`` (10,000 models; ``--size small`` for a
quick try), a registry snapshot with one registered model per record (10,000 entries,
three versions each, the champion on the record's version, every hundredth on a version
without approval) is written into ``inventory/observations/`` for the run and removed
afterwards. Each figure is the median of ``--runs`` runs in a fresh interpreter, without
the parse cache (``COMPLIANCE_TOOL_NO_CACHE=1``) and with it warm:

    compliance-tool --repo ROOT validate
    compliance-tool --repo ROOT reconcile --as-of 2026-11-26 --format json=OUT

Target: reconcile <= 0.5x validate, cold and warm.

Usage::

    python benchmarks/bench_reconcile.py [--size small|full] [--runs N] [--dir PATH]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import yaml
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

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from compliance_tool.observe.base import Observed
from compliance_tool.observe.snapshot import write_snapshot

TARGET = 0.5
SNAPSHOT = "bench-registry"


def _versions(root: Path) -> dict[str, tuple[str, bool]]:
    """Every model's id, version and whether it is in production, read from its file."""
    found: dict[str, tuple[str, bool]] = {}
    for path in sorted((root / "inventory" / "models").glob("*.yaml")):
        data = yaml.load(path.read_bytes(), Loader=yaml.CSafeLoader)
        found[str(data["id"])] = (str(data["version"]), data.get("lifecycle") == "production")
    return found


def registry_entries(versions: dict[str, tuple[str, bool]]) -> list[dict[str, object]]:
    """One registered model per record, the champion on the record's version for those in
    production; every hundredth champion on a version without approval."""
    entries: list[dict[str, object]] = []
    for index, (model_id, (version, production)) in enumerate(sorted(versions.items())):
        champion = "3" if index % 100 else "4"
        items = [
            {
                "version": str(number),
                "status": "READY",
                "run_id": f"{index:08x}{number:024x}",
                "source": f"s3://bench/{model_id}/{number}",
                "created_at": "2026-06-01T10:00:00Z",
                "tags": {"governance.version": version if number == 3 else f"{version}-{number}"},
            }
            for number in (1, 2, 3, 4)
        ]
        aliases = {"champion": champion} if production else {}
        entries.append({"name": model_id, "aliases": aliases, "versions": items})
    return entries


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
    entries = registry_entries(_versions(root))
    observed = dt.datetime(2026, 11, 25, 6, 0, tzinfo=dt.UTC)
    written = write_snapshot(root, SNAPSHOT, Observed("mlflow", "http://bench", entries), observed)
    try:
        return _measure(root, options.runs, len(entries))
    finally:
        written.path.unlink(missing_ok=True)


def _measure(root: Path, runs: int, entries: int) -> int:
    base = [*cli_command(), "--repo", str(root)]
    out = Path(tempfile.mkdtemp()) / "reconcile.json"
    figures: dict[str, list[float]] = {}
    for cache in ("cold", "warm"):
        env = cli_environment(no_cache=cache == "cold")
        if cache == "warm":  # fill the parse cache once
            expect(run_measured([*base, "validate"], env), (0, 1), "validate")
        for command, allowed in (("validate", (0, 1)), ("reconcile", (1,))):
            args = [command]
            if command == "reconcile":
                args += ["--as-of", AS_OF, "--format", f"json={out}"]
            figures[f"{command} {cache}"] = repeat(runs, timed([*base, *args], env, allowed))
    document = json.loads(out.read_text(encoding="utf-8"))
    say(machine_line(runs))
    say(
        f"snapshot: {entries:,} registered models; reconcile found "
        f"{document['summary']['findings']:,} disagreements"
    )
    rows = [["figure", "median", "runs", "vs validate", "target"]]
    for cache in ("cold", "warm"):
        validate = median(figures[f"validate {cache}"])
        for command in ("validate", "reconcile"):
            values = figures[f"{command} {cache}"]
            ratio = median(values) / validate
            target = f"<= {TARGET}x {verdict(ratio <= TARGET)}" if command == "reconcile" else ""
            rows.append(
                [f"{command} ({cache})", f"{median(values):.2f} s", runs_text(values),
                 f"{ratio:.2f}x", target]
            )  # fmt: skip
    print(table(rows))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
