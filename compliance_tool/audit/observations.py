"""The snapshots a report read, as its manifest lists them, and their comparison with a
commit: every file under inventory/observations/ with what it says it is (id, system,
address, when it was observed), its git blob id and the SHA-256 of its bytes.

The report lists them (``observations`` in the manifest); ``verify --repo`` lists them
again at the manifest's commit and names each snapshot that changed, is missing or was
added.
"""

from __future__ import annotations

import hashlib
from typing import Any

from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.sources import Source
from compliance_tool.repository.yamlio import parse_document

FOLDER = Kind.OBSERVATION.folder + "/"
COMPARED = ("id", "system", "address", "observed_at", "blob", "sha256")
"""The fields of a listed snapshot that must be what the commit holds."""


def observation_list(source: Source) -> list[dict[str, str]]:
    """Every snapshot file of ``source``, sorted by path."""
    found = []
    for path, entry in sorted(source.entries().items()):
        if not path.startswith(FOLDER) or not path.endswith((".yaml", ".yml")):
            continue
        data = source.read(entry)
        document = parse_document(data).data or {}
        system = document.get("source")
        system = system if isinstance(system, dict) else {}
        found.append(
            {
                "id": str(document.get("id", "")),
                "path": path,
                "system": str(system.get("system", "")),
                "address": str(system.get("address", "")),
                "observed_at": str(document.get("observed_at", "")),
                "blob": source.blob(entry, data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        )
    return found


def _named(snapshot: dict[str, Any]) -> str:
    return f"'{snapshot.get('id')}' ({snapshot.get('path')})"


def _changes(listed: dict[str, Any], actual: dict[str, str]) -> str:
    """How the commit's snapshot differs from the listed one, e.g. ``observed_at
    2026-11-25T06:00:00Z in the manifest, 2026-11-26T06:00:00Z at the commit``."""
    shown = []
    for name in COMPARED:
        old, new = str(listed.get(name)), actual[name]
        if old != new:
            if name in ("blob", "sha256"):
                old, new = old[:12], new[:12]
            shown.append(f"{name} {old} in the manifest, {new} at the commit")
    return "; ".join(shown)


def compare_observations(
    manifest: dict[str, Any], source: Source, commit: str
) -> tuple[bool | None, str]:
    """Whether the snapshots the manifest lists are exactly those of the commit, and the
    message that names each one changed, missing or added; None: the manifest lists none
    (a report made before the manifest listed snapshots)."""
    listed_raw = manifest.get("observations")
    if listed_raw is None:
        return None, "not checked: the manifest does not list the snapshots it read"
    if not isinstance(listed_raw, list) or not all(isinstance(s, dict) for s in listed_raw):
        return False, "the manifest's observations are not a list of snapshots"
    listed = {str(s.get("path")): s for s in listed_raw}
    actual = {s["path"]: s for s in observation_list(source)}
    problems = [
        f"snapshot {_named(s)} differs: {_changes(s, actual[p])}"
        for p, s in sorted(listed.items())
        if p in actual and _changes(s, actual[p])
    ]
    problems += [
        f"snapshot {_named(s)} is missing from the commit"
        for p, s in sorted(listed.items())
        if p not in actual
    ]
    problems += [
        f"snapshot {_named(s)} is in the commit but not in the manifest"
        for p, s in sorted(actual.items())
        if p not in listed
    ]
    if problems:
        return False, f"commit {commit[:12]}: " + "; ".join(problems)
    if not listed:
        return True, f"commit {commit[:12]} holds no snapshot, and the manifest lists none"
    shown = ", ".join(f"{s['id']} (observed {s['observed_at']})" for s in actual.values())
    return True, f"commit {commit[:12]} holds exactly the {len(listed)} snapshot(s) listed: {shown}"
