"""What reconcile found: text for people, versioned JSON (schemas/reconcile-result.schema.json)
for machines, and Markdown for a pull request or an issue."""

from __future__ import annotations

import json
from typing import Any

from compliance_tool import __version__
from compliance_tool.checks.reconcile import RULE_OF_KIND, Disagreement, Reconciliation
from compliance_tool.reporters.markdown import code, escape

RECONCILE_SCHEMA_ID = "https://compliance-tool.dev/schemas/output/reconcile-result.schema.json"


def _sources_line(result: Reconciliation) -> str:
    if not result.snapshots:
        return "no snapshots in inventory/observations/: run 'compliance-tool observe' first"
    return "; ".join(
        f"{s.id} ({s.system}, {s.entries} entries, observed {s.observed_at}"
        + (", stale" if s.stale else "")
        + ")"
        for s in result.snapshots
    )


def render_text(result: Reconciliation) -> str:
    lines = [
        f"Reconciled {result.source_label} with its snapshots as of {result.as_of.isoformat()}",
        f"Sources: {_sources_line(result)}",
        "",
    ]
    for finding in result.findings:
        lines.append(
            f"{finding.path}:{finding.line}:{finding.column}: {finding.kind.value}: "
            f"{finding.model}: {finding.message}"
        )
    count = len(result.findings)
    if count:
        lines.append("")
        by_kind = _by_kind(result.findings)
        lines.append(
            f"{count} disagreement(s): "
            + ", ".join(f"{n} {kind}" for kind, n in sorted(by_kind.items()))
        )
    elif result.snapshots:
        lines.append("ok: the records agree with every snapshot")
    return "\n".join(lines) + "\n"


def _by_kind(findings: tuple[Disagreement, ...]) -> dict[str, int]:
    counts: dict[str, int] = {}
    for finding in findings:
        counts[finding.kind.value] = counts.get(finding.kind.value, 0) + 1
    return counts


def reconcile_document(result: Reconciliation) -> dict[str, Any]:
    """The reconcile document, validated by schemas/reconcile-result.schema.json."""
    return {
        "$schema": RECONCILE_SCHEMA_ID,
        "version": 1,
        "tool": {"name": "compliance-tool", "version": __version__},
        "as_of": result.as_of.isoformat(),
        "source": result.source_label,
        "commit": result.commit,
        "snapshots": [
            {
                "id": s.id,
                "system": s.system,
                "address": s.address,
                "observed_at": s.observed_at,
                "entries": s.entries,
                "path": s.path,
                "max_age": s.max_age,
                "stale": s.stale,
            }
            for s in result.snapshots
        ],
        "summary": {"findings": len(result.findings), "by_kind": _by_kind(result.findings)},
        "findings": [
            {
                "kind": f.kind.value,
                "rule": RULE_OF_KIND[f.kind],
                "subject": {"kind": f.subject_kind.value, "id": f.subject},
                "model": f.model,
                "path": f.path,
                "line": f.line,
                "column": f.column,
                "message": f.message,
                "source": f.source,
                "environment": f.environment,
            }
            for f in result.findings
        ],
        "serving": [
            {
                "model": s.model,
                "version": s.version,
                "environment": s.environment,
                "production": s.production,
                "via": s.via,
                "source": s.source,
            }
            for s in result.serving
        ],
        "metrics": [
            {
                "model": m.model,
                "environment": m.environment,
                "name": m.name,
                "value": m.value,
                "threshold": m.threshold,
                "breach": m.breach,
                "declared": m.declared,
                "source": m.source,
            }
            for m in result.metrics
        ],
    }


def render_json(result: Reconciliation) -> str:
    return json.dumps(reconcile_document(result), indent=2, sort_keys=True) + "\n"


def render_markdown(result: Reconciliation) -> str:
    lines = [
        "## Declared and observed",
        "",
        f"As of {result.as_of.isoformat()}, from {len(result.snapshots)} snapshot(s).",
        "",
        "| Source | System | Observed | Entries | Fresh |",
        "|---|---|---|---:|---|",
    ]
    for s in result.snapshots:
        fresh = "stale" if s.stale else "yes"
        lines.append(f"| {code(s.id)} | {s.system} | {s.observed_at} | {s.entries} | {fresh} |")
    lines += ["", f"### Disagreements ({len(result.findings)})", ""]
    if not result.findings:
        lines.append("The records agree with every snapshot.")
    else:
        lines += ["| Kind | Model | Where | What |", "|---|---|---|---|"]
        for f in result.findings:
            lines.append(
                f"| {code(f.kind.value)} | {escape(f.model)} | {code(f'{f.path}:{f.line}')} | {escape(f.message)} |"
            )
    return "\n".join(lines) + "\n"
