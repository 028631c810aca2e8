"""A record's history as text (one block per commit) and as JSON."""

from __future__ import annotations

import json

from compliance_tool.audit.history import RecordHistory
from compliance_tool.reporters.diff import observed_document, show, shown_fields
from compliance_tool.repository.kinds import Kind


def render_text(history: RecordHistory) -> str:
    """Newest commit first: id, date, author, signature, subject, then the changed fields.
    Empty when no commit changed the record (the CLI says so on stderr)."""
    if not history.revisions:
        return ""
    name = f"{history.kind.value.lower()} {history.id}"
    lines = [f"History of {name}, newest first ({len(history.revisions)} commits)"]
    for r in history.revisions:
        signed = f"signature {r.signature}" + (f" by {r.signer}" if r.signer else "")
        lines += ["", f"{r.commit[:12]}  {r.date}  {r.author} <{r.email}>  {signed}"]
        lines.append(f"    {r.summary}")
        if r.change == "moved":
            lines.append(f"    moved {r.old_path} -> {r.path}")
        elif r.change == "boundary":
            lines.append(f"    {r.path} at the shallow boundary (earlier history not fetched)")
        elif r.change != "modified":
            lines.append(f"    {r.change} {r.path}")
        lines += [f"    {c.text}" for c in r.observed]
        fields = shown_fields(r.observed, r.fields)
        lines += [f"    {f.path}: {show(f.old)} -> {show(f.new)}" for f in fields]
    return "\n".join(lines) + "\n"


def render_json(history: RecordHistory) -> str:
    """The revisions as the text shows them; ``"shallow": true`` in a shallow clone, whose
    oldest revision may then be the ``boundary`` rather than the record's addition. The
    revisions of a snapshot (an Observation) also have ``observed``: what the source
    showed differently, in its own terms, each change with a sentence."""
    document: dict[str, object] = {
        "version": 1,
        "kind": history.kind.value,
        "id": history.id,
        "revisions": [
            {
                "commit": r.commit,
                "author": r.author,
                "email": r.email,
                "date": r.date,
                "signature": r.signature,
                "signer": r.signer or None,
                "summary": r.summary,
                "change": r.change,
                "path": r.path,
                "old_path": r.old_path,
                "fields": [{"path": f.path, "old": f.old, "new": f.new} for f in r.fields],
            }
            | (
                {"observed": observed_document(r.observed)}
                if history.kind is Kind.OBSERVATION
                else {}
            )
            for r in history.revisions
        ],
    }
    if history.shallow is not None:  # only then: the output of a full clone is unchanged
        document["shallow"] = True
    return json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False) + "\n"
