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

import json
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from benchlib import AS_OF, cold_and_warm, machine_line, ratio_table, say, synthetic_options

sys.path.insert(0, str(Path(__file__).resolve().parent))

from synthetic import EXTERNAL_ORGS

TARGET = 1.0


def main(argv: Sequence[str] | None = None) -> int:
    prepared = synthetic_options(__doc__.split("\n\n")[0], argv)
    if prepared is None:
        return 2
    root, runs = prepared
    return _measure(root, runs, str(EXTERNAL_ORGS[0][0]))


def _measure(root: Path, runs: int, organisation: str) -> int:
    out = Path(tempfile.mkdtemp()) / "continuity.json"
    commands = {
        "check": (["check", "--as-of", AS_OF], (0, 1)),
        "continuity": (
            ["continuity", "--without", organisation, "--at", AS_OF, "--format", f"json={out}"],
            (0, 1),
        ),
    }
    figures = cold_and_warm(root, commands, runs)
    document = json.loads(out.read_text(encoding="utf-8"))
    losing = sum(1 for m in document["models"] if m["loses"])
    say(machine_line(runs))
    say(
        f"without {organisation}: {len(document['models']):,} production models, "
        f"{losing:,} lose operation or rollback"
    )
    print(ratio_table(figures, "check", "continuity", TARGET))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
