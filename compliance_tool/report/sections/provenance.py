"""Provenance: the commit, tree and digests an auditor recomputes from the repository, and
the input files by folder and one by one."""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from compliance_tool.report.sections.common import LISTING_LIMIT


@dataclass(frozen=True, slots=True)
class FileRow:
    path: str
    blob: str
    """The file's git blob id."""


@dataclass(frozen=True, slots=True)
class FileGroup:
    """A folder's input files: how many, and a digest over their paths and blob ids."""

    folder: str
    count: int
    digest: str


@dataclass(frozen=True, slots=True)
class Provenance:
    commit: str | None
    tree: str | None
    as_of: str
    tool_version: str
    rules_digest: str
    inputs_digest: str
    findings_sha256: str
    files: tuple[FileRow, ...]
    """Every input file while the list is short; beyond that, the policy files only."""
    file_count: int
    file_groups: tuple[FileGroup, ...]


def _file_rows(files: Mapping[str, str]) -> tuple[FileRow, ...]:
    rows = [FileRow(path, blob) for path, blob in sorted(files.items())]
    if len(rows) <= 4 * LISTING_LIMIT:
        return tuple(rows)
    return tuple(row for row in rows if row.path.startswith("policies/"))


def _file_groups(files: Mapping[str, str]) -> tuple[FileGroup, ...]:
    groups: dict[str, list[str]] = {}
    for path, blob in sorted(files.items()):
        groups.setdefault(path.rsplit("/", 1)[0], []).append(f"{path} {blob}\n")
    return tuple(
        FileGroup(
            folder=folder,
            count=len(lines),
            digest=hashlib.sha256("".join(lines).encode()).hexdigest(),
        )
        for folder, lines in sorted(groups.items())
    )


def build_provenance(manifest: Mapping[str, Any]) -> Provenance:
    """The section from the report's manifest (``schemas/report-manifest.schema.json``)."""
    files: Mapping[str, str] = manifest.get("files", {})
    return Provenance(
        commit=manifest.get("commit"),
        tree=manifest.get("tree"),
        as_of=str(manifest["as_of"]),
        tool_version=str(manifest["tool"]["version"]),
        rules_digest=str(manifest["rules_digest"]),
        inputs_digest=str(manifest["inputs_digest"]),
        findings_sha256=str(manifest["findings_sha256"]),
        files=_file_rows(files),
        file_count=len(files),
        file_groups=_file_groups(files),
    )
