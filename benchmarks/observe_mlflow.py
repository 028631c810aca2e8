"""Benchmark ``observe mlflow`` on a real MLflow tracking server with a large registry.

The registry (2,000 registered models of 5 versions each, by default, every version with
a tag and every model with an alias) is written once into a SQLite database by MLflow's
own client, in-process through its SQL store (an HTTP round trip per version would take
minutes), and reused while it holds the asked-for counts. Then ``mlflow server`` (one
worker, started as the tests start it: ``tests/support/mlflow_server.py``) serves that
database and each figure is the median of ``--runs`` observations through the REST API:
seconds, requests made and entries read, at the default page size and at 1,000.

Usage::

    python benchmarks/observe_mlflow.py [--models N] [--versions N] [--runs N] [--dir PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import warnings
from collections.abc import Sequence
from pathlib import Path

from benchlib import machine_line, median, say, table

from compliance_tool.observe.mlflow import MlflowRegistry

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
from support.mlflow_server import QUIET_MLFLOW, MlflowServer, ServerError

DEFAULT_DIR = Path("/tmp/ct-bench-mlflow")
MARKER = "registry.json"
"""Beside the database: the counts it was populated with."""


def populate(folder: Path, models: int, versions: int) -> float:
    """Write the registry into ``folder/mlflow.db`` (unless it is there); its seconds."""
    marker = folder / MARKER
    wanted = {"models": models, "versions": versions}
    if marker.is_file() and json.loads(marker.read_text()) == wanted:
        say(f"reusing the registry in {folder}")
        return 0.0
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "mlflow.db").unlink(missing_ok=True)
    marker.unlink(missing_ok=True)
    os.environ.update(QUIET_MLFLOW)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import mlflow

        store = f"sqlite:///{folder / 'mlflow.db'}"
        client = mlflow.MlflowClient(tracking_uri=store, registry_uri=store)
        start = time.perf_counter()
        for index in range(models):
            name = f"model-{index:05d}"
            client.create_registered_model(name, tags={"team": f"team-{index % 50}"})
            for number in range(1, versions + 1):
                client.create_model_version(
                    name,
                    source=f"s3://models/{name}/{number}",
                    tags={"governance.version": f"1.{number}.0"},
                    await_creation_for=0,
                )
            client.set_registered_model_alias(name, "champion", str(versions))
            if index % 200 == 199:
                say(f"  {index + 1:,} models registered ({time.perf_counter() - start:.0f} s)")
        seconds = time.perf_counter() - start
    marker.write_text(json.dumps(wanted))
    return seconds


def measure(url: str, page_size: int, runs: int) -> list[str]:
    """One row of the table: median seconds, requests, entries, versions."""
    times: list[float] = []
    for run in range(runs):
        registry = MlflowRegistry(url, page_size=page_size, timeout=60)
        start = time.perf_counter()
        observed = registry.observe()
        times.append(time.perf_counter() - start)
        say(f"  page size {page_size}, run {run + 1}: {times[-1]:.2f} s")
    versions = sum(len(entry["versions"]) for entry in observed.entries)
    return [
        str(page_size),
        f"{median(times):.2f}",
        str(registry.requests),
        f"{len(observed.entries):,}",
        f"{versions:,}",
    ]


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--models", type=int, default=2_000)
    parser.add_argument("--versions", type=int, default=5, help="versions per model")
    parser.add_argument("--runs", type=int, default=3, help="runs per figure (median shown)")
    parser.add_argument("--dir", type=Path, default=DEFAULT_DIR, help="database folder")
    args = parser.parse_args(argv)
    folder: Path = args.dir.resolve()
    populated = populate(folder, args.models, args.versions)
    server = MlflowServer(folder)
    try:
        url = server.start()
        rows = [measure(url, size, args.runs) for size in (100, 1000)]
    except ServerError as error:
        raise SystemExit(str(error)) from None
    finally:
        server.stop()
    print(machine_line(args.runs))
    if populated:
        print(f"populated {args.models:,} models x {args.versions} versions in {populated:.0f} s")
    print(table([["page size", "seconds", "requests", "entries", "versions"], *rows]))
    return 0


if __name__ == "__main__":
    sys.exit(main())
