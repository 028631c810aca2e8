"""The semantic diff as text, as a pull-request comment (Markdown) and as JSON."""

from __future__ import annotations

import json
from typing import Any

from compliance_tool import __version__
from compliance_tool.audit.observed import METADATA
from compliance_tool.audit.semantic_diff import (
    EntityChange,
    FieldChange,
    ObservedChange,
    SemanticDiff,
)
from compliance_tool.reporters.json_format import dumps
from compliance_tool.repository.kinds import Kind

DIFF_SCHEMA_ID = "https://compliance-tool.dev/schemas/output/diff.schema.json"
SYMBOLS = {"added": "+", "removed": "-", "renamed": ">", "modified": "~"}


def show(value: Any) -> str:
    """A value as it reads in a review: scalars plain, lists and mappings compact."""
    if value is None:
        return "(none)"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, separators=(", ", ": "))
    return str(value)


def _field_line(change: FieldChange, arrow: str = "->") -> str:
    if change.added:
        return f"{change.path}: added {show(change.new)}"
    if change.removed:
        return f"{change.path}: removed (was {show(change.old)})"
    return f"{change.path}: {show(change.old)} {arrow} {show(change.new)}"


def shown_fields(
    observed: tuple[ObservedChange, ...], fields: tuple[FieldChange, ...]
) -> list[FieldChange]:
    """The field changes a reader is shown beside a snapshot's observed changes: each of
    those sentences is dated, so the new ``observed_at`` (and tool version) is left out."""
    if not observed:
        return list(fields)
    return [f for f in fields if f.path not in METADATA]


def observed_document(changes: tuple[ObservedChange, ...]) -> list[dict[str, Any]]:
    """A snapshot's observed changes as JSON."""
    return [
        {
            "change": c.change,
            "entry": c.entry,
            "model": c.model,
            "text": c.text,
            "old": c.old,
            "new": c.new,
        }
        for c in changes
    ]


def headline(diff: SemanticDiff) -> str:
    """One sentence a reviewer reads first: the changes that matter to governance."""
    parts: list[str] = []
    for entity in diff.entities:
        label = f"{entity.kind.value.lower()} {entity.id}"
        if entity.change == "added":
            parts.append(f"adds {label}")
        elif entity.change == "removed":
            parts.append(f"removes {label}")
        elif entity.change == "renamed":
            parts.append(f"moves {label} to {entity.path}")
        parts.extend(c.text for c in entity.observed if c.change != "observed-again")
        for change in entity.fields:
            if change.path == "lifecycle":
                parts.append(f"puts {entity.id} into {show(change.new)}")
            elif change.path.startswith("ownership.rollback_authority"):
                parts.append(f"changes the rollback authority of {entity.id}")
            elif change.path in ("ownership.operator", "ownership.owner"):
                parts.append(f"changes the {change.path.split('.')[-1]} of {entity.id}")
            elif change.path == "risk.tier":
                parts.append(f"moves {entity.id} to risk tier {show(change.new)}")
    failing = sorted({r.rule for r in diff.results if r.new == "fail"})
    resolved = sorted({r.rule for r in diff.results if r.old == "fail" and r.new == "pass"})
    dropped = sorted(
        {r.rule for r in diff.results if r.old == "fail" and r.new == "not applicable"}
    )
    outcomes = []  # rule results matter most: they are never cut from the summary
    if failing:
        outcomes.append("makes " + _some(failing, "rule") + " fail")
    if resolved:
        outcomes.append("resolves " + _some(resolved, "rule"))
    if dropped:
        outcomes.append("ends failures of " + _some(dropped, "rule") + " that no longer apply")
    if not parts and not outcomes:
        modified = sum(1 for e in diff.entities if e.change == "modified")
        return (
            f"This change modifies {modified} record(s) without changing rule results."
            if (modified)
            else "No governance changes."
        )
    unique = list(dict.fromkeys(parts))
    if len(unique) > 6:
        extra = len(unique) - 5
        unique = [*unique[:5], f"and {extra} more record change{'s' if extra != 1 else ''}"]
    text = "; ".join(unique + outcomes)
    return text[:1].upper() + text[1:] + "."


def _some(names: list[str], noun: str) -> str:
    if len(names) <= 3:
        return ", ".join(names)
    return f"{len(names)} {noun}s ({', '.join(names[:3])} and {len(names) - 3} more)"


def render_text(diff: SemanticDiff) -> str:
    lines = [f"Changes from {diff.base} to {diff.head}", "", headline(diff)]
    current = None
    for entity in diff.entities:
        if entity.kind != current:
            current = entity.kind
            lines += ["", f"{entity.kind.value}s"]
        where = f"{entity.old_path} -> {entity.path}" if entity.old_path else entity.path
        lines.append(f"  {SYMBOLS[entity.change]} {entity.id}  ({entity.change}, {where})")
        lines.extend(f"      {c.text}" for c in entity.observed)
        lines.extend(
            f"      {_field_line(c)}" for c in shown_fields(entity.observed, entity.fields)
        )
    if diff.results:
        lines += ["", "Rule results"]
        for result in diff.results:
            lines.append(
                f"  {result.label:<16} {result.rule}  {result.kind} {result.subject} "
                f"({result.severity}; {result.old} -> {result.new})"
            )
    elif diff.rules_compared:
        lines += ["", "Rule results: unchanged"]
    return "\n".join(lines) + "\n"


def _md(text: Any) -> str:
    """User text made safe inside a Markdown table cell."""
    value = show(text)
    for char, escaped in (
        ("\\", "\\\\"),
        ("|", "\\|"),
        ("<", "&lt;"),
        (">", "&gt;"),
        ("`", "'"),
        ("\n", " "),
    ):
        value = value.replace(char, escaped)
    return value


def _entity_cell(entity: EntityChange) -> str:
    return f"{entity.kind.value} `{_md(entity.id)}`"


def render_markdown(diff: SemanticDiff) -> str:
    lines = [
        f"### Governance changes: `{_md(diff.base)}` → `{_md(diff.head)}`",
        "",
        f"**{_md(headline(diff))}**",
        "",
    ]
    if diff.results:
        lines += [
            "#### Rule results that changed",
            "",
            "| | Rule | Subject | Severity | Before | After |",
            "|---|---|---|---|---|---|",
        ]
        icons = {"fail": "❌", "pass": "✅", "waived": "⚪", "not applicable": "➖"}
        for r in diff.results:
            lines.append(
                f"| {icons.get(r.new, '')} | `{_md(r.rule)}` | {r.kind} `{_md(r.subject)}` "
                f"| {r.severity} | {r.old} | {r.new} |"
            )
        lines.append("")
    if diff.entities:
        lines += ["#### Records", "", "| Change | Record | Fields |", "|---|---|---|"]
        for entity in diff.entities:
            said = [c.text for c in entity.observed] + [
                _field_line(c, "→") for c in shown_fields(entity.observed, entity.fields)
            ]
            fields = "<br>".join(_md(line) for line in said[:12])
            if len(said) > 12:
                fields += f"<br>… and {len(said) - 12} more"
            if entity.change == "renamed":
                fields = f"moved from `{_md(entity.old_path)}`" + (
                    f"<br>{fields}" if fields else ""
                )
            lines.append(f"| {entity.change} | {_entity_cell(entity)} | {fields or '—'} |")
        lines.append("")
    if diff.empty:
        lines.append("No changes to inventory, policies or rule results.")
    lines.append(
        f"<sub>compliance-tool {__version__} · `compliance-tool diff {_md(diff.base)}"
        + ("" if diff.head == "working tree" else f" {_md(diff.head)}")
        + "`</sub>"
    )
    return "\n".join(lines) + "\n"


def diff_document(diff: SemanticDiff) -> dict[str, Any]:
    return {
        "$schema": DIFF_SCHEMA_ID,
        "version": 1,
        "tool": {"name": "compliance-tool", "version": __version__},
        "base": diff.base,
        "head": diff.head,
        "summary": headline(diff),
        "entities": [_entity_document(e) for e in diff.entities],
        "rules_compared": diff.rules_compared,
        "results": [
            {
                "rule": r.rule,
                "kind": r.kind,
                "subject": r.subject,
                "old": r.old,
                "new": r.new,
                "severity": r.severity,
                "change": r.label,
                "path": r.path,
                "line": r.line,
            }
            for r in diff.results
        ],
    }


def _entity_document(e: EntityChange) -> dict[str, Any]:
    """One entity as JSON; a snapshot's (an Observation's) has ``observed`` as well."""
    document: dict[str, Any] = {
        "kind": e.kind.value,
        "id": e.id,
        "change": e.change,
        "path": e.path,
        "old_path": e.old_path,
        "fields": [
            {
                "path": c.path,
                "old": c.old,
                "new": c.new,
                "added": c.added,
                "removed": c.removed,
            }
            for c in e.fields
        ],
    }
    if e.kind is Kind.OBSERVATION:
        document["observed"] = observed_document(e.observed)
    return document


def render_json(diff: SemanticDiff) -> str:
    return dumps(diff_document(diff))
