"""Continuity of the production models as text, JSON (schemas/continuity-result.schema.json)
and Markdown tables for a pull request."""

from __future__ import annotations

import json
from typing import Any

from compliance_tool.checks.continuity import Continuity, Holder, ModelContinuity
from compliance_tool.reporters.markdown import code, escape

SCHEMA_VERSION = 1


def _who(holder: Holder) -> str:
    state = "" if holder.active else ", gone"
    return f"{holder.id} ({holder.organisation or 'unknown'}{state})"


def _people(holders: tuple[Holder, ...]) -> str:
    return ", ".join(_who(h) for h in holders) or "nobody"


def _scenario_line(result: Continuity) -> str:
    without = ", ".join(result.without) or "nobody named"
    return f"Without {without}, at {result.at.isoformat()}: {len(result.departed)} departed"


def _breaks(result: Continuity) -> list[str]:
    """One sentence per thing that breaks, in the order of the report."""
    lines = [f"model {m.id} loses {' and '.join(m.loses)}" for m in result.models if m.loses]
    lines += [
        f"rotation {r.id}: {', '.join(r.reasons)} (left: {', '.join(r.active_members) or 'none'};"
        f" departed: {', '.join(r.departed_members) or 'none'})"
        for r in result.rotations
    ]
    lines += [
        f"rotation {e.rotation}: escalation level {e.level} reaches departed {e.to}"
        for e in result.escalations
    ]
    lines += [
        f"runbook {b.path} ({', '.join(b.models)}): written only by {', '.join(b.authors)}"
        for b in result.runbooks
    ]
    return lines


def render_text(result: Continuity) -> str:
    lines = [f"Continuity of {len(result.models)} production model(s) as of {result.as_of}"]
    for m in result.models:
        single = (
            f"; depends on {m.single_external_organisation} alone"
            if m.single_external_organisation
            else ""
        )
        lines += [
            "",
            f"{m.id} ({m.name}): bus factor {m.bus_factor}{single}",
            f"  operate:   {_people(m.operators)}",
            f"  roll back: {_people(m.rollback)}",
            f"  paged:     {_people(m.paged)}{f' via {m.rotation}' if m.rotation else ''}",
        ]
    if result.scenario:
        lines += ["", _scenario_line(result) + ":"]
        lines += [f"  {_who(h)}" for h in result.departed]
        found = _breaks(result)
        lines += ["", f"What breaks ({len(found)}):"] + [f"  {line}" for line in found]
        if not found:
            lines.append("  nothing")
        if result.runbook_note:
            lines.append(f"  runbooks: {result.runbook_note}")
    return "\n".join(lines) + "\n"


def _holder(holder: Holder) -> dict[str, Any]:
    return {
        "id": holder.id,
        "name": holder.name,
        "organisation": holder.organisation or None,
        "external": holder.external,
        "active": holder.active,
    }


def _model(model: ModelContinuity) -> dict[str, Any]:
    return {
        "id": model.id,
        "name": model.name,
        "rotation": model.rotation,
        "bus_factor": model.bus_factor,
        "single_external_organisation": model.single_external_organisation,
        "operators": [_holder(h) for h in model.operators],
        "rollback": [_holder(h) for h in model.rollback],
        "paged": [_holder(h) for h in model.paged],
        "loses": list(model.loses),
    }


def continuity_document(result: Continuity) -> dict[str, Any]:
    """The JSON document of a result (schemas/continuity-result.schema.json)."""
    document: dict[str, Any] = {
        "version": SCHEMA_VERSION,
        "as_of": result.as_of.isoformat(),
        "passed": result.passed,
        "models": [_model(m) for m in result.models],
        "scenario": None,
    }
    if result.scenario:
        document["scenario"] = {
            "without": list(result.without),
            "at": result.at.isoformat(),
            "departed": [_holder(h) for h in result.departed],
            "breaks": result.breaks,
            "rotations": [
                {
                    "id": r.id,
                    "active_members": list(r.active_members),
                    "departed_members": list(r.departed_members),
                    "reasons": list(r.reasons),
                }
                for r in result.rotations
            ],
            "escalations": [
                {"rotation": e.rotation, "level": e.level, "to": e.to} for e in result.escalations
            ],
            "runbooks": [
                {"path": b.path, "models": list(b.models), "authors": list(b.authors)}
                for b in result.runbooks
            ],
            "runbook_note": result.runbook_note,
        }
    return document


def render_json(result: Continuity) -> str:
    return json.dumps(continuity_document(result), indent=2, sort_keys=True) + "\n"


def render_markdown(result: Continuity) -> str:
    lines = [
        "## Continuity",
        "",
        f"As of {result.as_of.isoformat()}: {len(result.models)} production model(s),"
        f" {len(result.fragile)} with a bus factor of one or less.",
        "",
        "| Model | Bus factor | One external organisation | Operate | Roll back | Paged |",
        "|---|---:|---|---|---|---|",
    ]
    for m in result.models:
        lines.append(
            f"| {code(m.id)} | {m.bus_factor} | {escape(m.single_external_organisation or '—')}"
            f" | {escape(_people(m.operators))} | {escape(_people(m.rollback))}"
            f" | {escape(_people(m.paged))} |"
        )
    if result.scenario:
        found = _breaks(result)
        lines += ["", f"### {escape(_scenario_line(result))}", ""]
        if result.departed:
            lines += ["| Person | Organisation |", "|---|---|"]
            lines += [f"| {code(h.id)} | {escape(h.organisation)} |" for h in result.departed]
            lines.append("")
        lines += [f"#### What breaks ({len(found)})", ""]
        lines += [f"- {escape(line)}" for line in found] or ["Nothing breaks."]
        if result.runbook_note:
            lines += ["", f"Runbooks: {result.runbook_note}."]
    return "\n".join(lines) + "\n"
