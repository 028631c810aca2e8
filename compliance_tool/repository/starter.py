"""The starter files a governance repository takes from the tool, and whose files are
in force.

A repository carries its own ``policies/`` (its controls and rules are its own) and may
carry ``schemas/<kind>.schema.json`` to extend a kind; where it has none, the packaged
ones are used (:class:`PackagedPolicies`, :class:`~compliance_tool.repository.schemas.SchemaSet`).

``init`` copies the starter files (the kinds' schemas, the policy catalogue, the
scenarios and the FRIA template) into a new repository and records the tool's version as
``starter_version`` in ``compliance-tool.yaml``. The package knows the SHA-256 of every
released version of each starter file (``starter-manifest.json``), so a file in a
repository is one of: current, an older release untouched (``upgrade`` may replace it),
or edited by the organisation (never overwritten).
"""

from __future__ import annotations

import enum
import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from compliance_tool.repository.kinds import YAML_SUFFIXES
from compliance_tool.repository.sources import Entry, Source, blob_id

STARTER_VERSION_KEY = "starter_version"
"""The key of ``compliance-tool.yaml`` naming the release whose starter files the
repository was made from or last upgraded to."""


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


@dataclass(slots=True)
class PackagedPolicies:
    """A snapshot read with the packaged starter catalogue in place of ``policies/`` when
    the snapshot has no policy file of its own; otherwise exactly the snapshot."""

    base: Source
    root: Path = field(init=False)
    commit: str | None = field(init=False)
    label: str = field(init=False)
    notes: tuple[str, ...] = ()
    packaged: dict[str, bytes] = field(default_factory=dict)
    """The packaged policy files in use (empty: the snapshot's own)."""

    def __post_init__(self) -> None:
        self.root, self.commit, self.label = self.base.root, self.base.commit, self.base.label

    def entries(self) -> dict[str, Entry]:
        from compliance_tool.repository.resources import packaged_policies

        found = self.base.entries()
        self.notes = self.base.notes
        own = any(p.startswith("policies/") and p.endswith(YAML_SUFFIXES) for p in found)
        self.packaged = {} if own else packaged_policies()
        for path, data in self.packaged.items():
            found[path] = Entry(path, blob_id(data), None, len(data))
        return found

    def read(self, entry: Entry) -> bytes:
        if entry.path in self.packaged:
            return self.packaged[entry.path]
        return self.base.read(entry)

    def blob(self, entry: Entry, data: bytes) -> str:
        return blob_id(data) if entry.path in self.packaged else self.base.blob(entry, data)

    def file_problem(self, path: str) -> str | None:
        return None if path in self.packaged else self.base.file_problem(path)

    def entry_problem(self, entry: Entry) -> str | None:
        return None if entry.path in self.packaged else self.base.entry_problem(entry)

    def locate(self, name: str) -> str:
        return self.base.locate(name)

    def documents(self, top: str, suffix: str = "") -> dict[str, bytes] | None:
        return self.base.documents(top, suffix)

    @property
    def policies_origin(self) -> str:
        """Whose policies these are, in words (after :meth:`entries`)."""
        from compliance_tool.repository.resources import packaged_label

        return packaged_label() if self.packaged else "this repository"


class State(enum.StrEnum):
    """Where a starter file of the installed tool stands in a repository."""

    CURRENT = "current"
    """The same bytes as this version's."""
    OLDER = "older"
    """The bytes of an older release, untouched: ``upgrade`` replaces it."""
    EDITED = "edited"
    """Bytes no release had: the organisation's own; never overwritten."""
    NEW = "new"
    """Not in the repository, and new since the release it was made from: ``upgrade`` adds it."""
    REMOVED = "removed"
    """Not in the repository, though the release it was made from had it: removed on purpose."""


@dataclass(frozen=True, slots=True)
class StarterFile:
    """One starter file of the installed tool and its counterpart in a repository."""

    path: str
    state: State
    packaged: bytes
    present: bytes | None
    """The repository's bytes (None when it has no such file)."""


def version_key(version: str) -> tuple[int | str, ...]:
    """A sort key for release numbers (0.10.0 after 0.9.1)."""
    return tuple(int(p) if p.isdigit() else p for p in re.split(r"[.+-]", version))


def known_digests(manifest: dict[str, Any], path: str) -> dict[str, str]:
    """The digest of ``path`` in every release that had it, by release."""
    found = manifest.get("files", {}).get(path, {})
    return dict(found) if isinstance(found, dict) else {}


def classify(
    packaged: dict[str, bytes],
    present: dict[str, bytes],
    manifest: dict[str, Any],
    made_from: str | None,
) -> list[StarterFile]:
    """The state of every starter file (``packaged``: this version's by path) in a
    repository whose starter files are ``present`` (by path), made from or last upgraded
    to the release ``made_from`` (None: unknown)."""
    states: list[StarterFile] = []
    for path in sorted(packaged):
        data = packaged[path]
        mine = present.get(path)
        releases = known_digests(manifest, path)
        if mine is None:
            had = made_from is not None and made_from in releases
            states.append(StarterFile(path, State.REMOVED if had else State.NEW, data, None))
            continue
        digest = sha256(mine)
        if mine == data:
            state = State.CURRENT
        elif digest in releases.values():
            state = State.OLDER
        else:
            state = State.EDITED
        states.append(StarterFile(path, state, data, mine))
    return states


def older_than_installed(
    packaged: dict[str, bytes], present: dict[str, bytes], manifest: dict[str, Any]
) -> list[str]:
    """The repository's starter files whose bytes are those of another release than the
    installed one (``packaged``), untouched since (what ``validate`` notes once)."""
    return [s.path for s in classify(packaged, present, manifest, None) if s.state is State.OLDER]


def read_present(root: Path, paths: list[str]) -> dict[str, bytes]:
    """The bytes of each of ``paths`` that is a regular file under ``root``."""
    found: dict[str, bytes] = {}
    for path in paths:
        file = root / path
        if file.is_file() and not file.is_symlink():
            found[path] = file.read_bytes()
    return found


_VERSION_LINE = re.compile(rf"^{STARTER_VERSION_KEY}:[ \t]*(\S+)?[^\n]*$", re.M)


def starter_version(config_text: str) -> str | None:
    """The ``starter_version`` written in the text of ``compliance-tool.yaml``."""
    found = _VERSION_LINE.search(config_text)
    return found.group(1).strip("'\"") if found and found.group(1) else None


def with_starter_version(config_text: str, version: str) -> str:
    """``compliance-tool.yaml``'s text with ``starter_version`` set to ``version`` (the
    one line changed, every comment kept; added at the end when missing)."""
    line = f'{STARTER_VERSION_KEY}: "{version}"'
    if _VERSION_LINE.search(config_text):
        return _VERSION_LINE.sub(line, config_text, count=1)
    return (
        config_text + ("" if config_text.endswith("\n") or not config_text else "\n") + line + "\n"
    )


def older_note(
    root: Path,
    packaged: dict[str, bytes] | None = None,
    manifest: dict[str, Any] | None = None,
) -> str | None:
    """What ``validate`` says, once, when the repository at ``root`` holds starter files
    of an older release that ``upgrade`` would update; None when it holds none.
    ``packaged`` and ``manifest`` default to the installed tool's."""
    from compliance_tool.repository.resources import starter_files, starter_manifest, tool_version

    packaged = starter_files() if packaged is None else packaged
    manifest = starter_manifest() if manifest is None else manifest
    older = older_than_installed(packaged, read_present(root, list(packaged)), manifest)
    if not older:
        return None
    shown = ", ".join(older[:3]) + (f" and {len(older) - 3} more" if len(older) > 3 else "")
    return (
        f"{len(older)} starter file(s) are from an older release than the installed "
        f"compliance-tool {tool_version()} ({shown}): 'compliance-tool upgrade' updates "
        "those you have not edited"
    )
