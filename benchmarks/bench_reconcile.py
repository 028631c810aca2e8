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

import datetime as dt
import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

import yaml
from benchlib import AS_OF, cold_and_warm, machine_line, ratio_table, say, synthetic_options

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
    prepared = synthetic_options(__doc__.split("\n\n")[0], argv)
    if prepared is None:
        return 2
    root, runs = prepared
    entries = registry_entries(_versions(root))
    observed = dt.datetime(2026, 11, 25, 6, 0, tzinfo=dt.UTC)
    written = write_snapshot(root, SNAPSHOT, Observed("mlflow", "http://bench", entries), observed)
    try:
        return _measure(root, runs, len(entries))
    finally:
        written.path.unlink(missing_ok=True)


def _measure(root: Path, runs: int, entries: int) -> int:
    out = Path(tempfile.mkdtemp()) / "reconcile.json"
    commands = {
        "validate": (["validate"], (0, 1)),
        "reconcile": (["reconcile", "--as-of", AS_OF, "--format", f"json={out}"], (1,)),
    }
    figures = cold_and_warm(root, commands, runs)
    document = json.loads(out.read_text(encoding="utf-8"))
    say(machine_line(runs))
    say(
        f"snapshot: {entries:,} registered models; reconcile found "
        f"{document['summary']['findings']:,} disagreements"
    )
    print(ratio_table(figures, "validate", "reconcile", TARGET))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
