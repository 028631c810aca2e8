"""Load a governance repository into typed, immutable records, indexed by kind and id.

Everything reads the inventory through :class:`Inventory`: the validator, the rule engine,
reports and history. It works the same on the working tree and on any commit (the
:mod:`~compliance_tool.repository.sources` decide where bytes come from), parses a file only when
asked, and parses each distinct content once: results are cached by git blob id, in
memory and on disk. Ids are known from file names before anything is parsed, so a
single changed file can be checked against the whole repository cheaply.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from compliance_tool.repository.cache import JSON, CacheFile, Many, OneOf, fits
from compliance_tool.repository.kinds import (
    API_VERSION,
    FOLDERS,
    KIND_BY_FOLDER,
    YAML_SUFFIXES,
    Kind,
    dotted,
)
from compliance_tool.repository.problems import Problem
from compliance_tool.repository.schemas import SchemaIssue, SchemaSet
from compliance_tool.repository.sources import Entry, RefusedFile, Source
from compliance_tool.repository.yamlio import Document, YamlIssue, file_limit, parse_document
from compliance_tool.repository.yamlio import Path as DocPath


@dataclass(frozen=True, slots=True)
class Record:
    """One governance entity (a model, a person...) with the positions of its values."""

    kind: Kind
    id: str
    path: str
    data: dict[str, Any]
    document: Document = field(repr=False, compare=False)
    blob: str = ""

    def get(self, dotted_path: str, default: Any = None) -> Any:
        """The value at ``a.b.c`` (list indexes as numbers), or ``default``."""
        value: Any = self.data
        for part in dotted_path.split("."):
            if isinstance(value, dict) and part in value:
                value = value[part]
            elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
                value = value[int(part)]
            else:
                return default
        return value

    def position(self, path: DocPath = ()) -> tuple[int, int]:
        """1-based (line, column) of the value at ``path``, or of its nearest parent."""
        return self.document.position(path)

    @property
    def name(self) -> str:
        """The human name of the record, falling back to its id."""
        return str(self.data.get("name") or self.data.get("title") or self.id)


@dataclass(frozen=True, slots=True)
class LoadedFile:
    """The outcome of reading one file: its record when it has one, and its own problems."""

    path: str
    blob: str
    record: Record | None
    problems: tuple[Problem, ...]
    placeholders: bool = False
    """The file holds the text TODO somewhere (a scaffold not yet filled in)."""


def _file_problem(path: str, line: int, column: int, message: str, hint: str, code: str) -> Problem:
    return Problem(path, line, column, "file", "", message, hint, code)


PLACEHOLDER_BYTES = b"TODO"


class ParseCache:
    """Parsed documents and their schema issues by git blob id, kept on disk between runs.

    Entries are keyed by content and saved under the schema digest (the cache file is
    stamped with the tool version), so a stale entry can never be served: a changed file
    has another blob id, a changed schema another digest.
    """

    FORMAT = 2

    def __init__(self, folder: Path | None, schema_digest: str) -> None:
        self.file = CacheFile(folder, "parse", self.FORMAT) if folder is not None else None
        self.schema_digest = schema_digest
        self._entries: dict[str, tuple[Any, ...]] | None = None if folder is not None else {}
        self.used: set[str] = set()
        self.dirty = False
        self._lookups = 0
        self._big: bool | None = None
        self.parsed: dict[str, tuple[Document, str, list[SchemaIssue], bool]] = {}
        """Parsed documents, positions included, shared by the snapshots of one process
        (history and trend read many commits that share most files)."""

    @property
    def folder(self) -> Path | None:
        """The cache folder, or None for a cache kept in memory only."""
        return self.file.folder if self.file is not None else None

    @property
    def entries(self) -> dict[str, tuple[Any, ...]]:
        """The cached files, read from disk on first use (a memoised validation or a
        handful of files may never need them)."""
        if self._entries is None:
            stored = self.file.load(self.schema_digest) if self.file is not None else None
            self._entries = stored if isinstance(stored, dict) else {}
        return self._entries

    @entries.setter
    def entries(self, value: dict[str, tuple[Any, ...]]) -> None:
        self._entries = value

    LAZY_LOOKUPS = 256
    """Lookups answered by parsing before the whole cache file is read: reading a few
    files (the rules, a pull request's changes) is cheaper than loading every entry."""

    BIG = 4 << 20
    """A cache file above this size is read only once many lookups have been made."""

    def get(self, blob: str) -> tuple[Any, ...] | None:
        if self._entries is None and self.file is not None:
            if self._big is None:
                self._big = self.file.size() > self.BIG
            self._lookups += 1
            if self._big and self._lookups <= self.LAZY_LOOKUPS:
                return None
        found = self.entries.get(blob)
        if found is not None:
            self.used.add(blob)
        return found

    def put(self, blob: str, value: tuple[Any, ...]) -> None:
        self.used.add(blob)
        if self._entries is None and self.file is not None:
            return  # not loaded: a handful of files is not worth rewriting the cache for
        self.entries[blob] = value
        self.dirty = True

    def prune(self) -> None:
        """After reading a whole snapshot, forget contents no longer in it, so the cache
        does not grow with every edit."""
        if len(self.entries) > len(self.used):
            self.entries = {blob: self.entries[blob] for blob in self.used}
            self.dirty = True

    def save(self) -> None:
        """Write the cache once a run changed it (atomically; skipped when impossible)."""
        if self.file is not None and self.dirty:
            self.file.save(self.schema_digest, self.entries)
            self.dirty = False


def _pack(document: Document, kind: str, issues: list[SchemaIssue], todo: bool) -> tuple[Any, ...]:
    """What the cache keeps of a file: data and problems, not positions (a file whose
    positions are needed is parsed again, which is rare and cheap)."""
    return (
        document.data,
        tuple((i.line, i.column, i.message, i.hint, i.code, i.path) for i in document.issues),
        kind,
        tuple((i.path, i.message, i.hint, i.at_key) for i in issues),
        todo,
    )


_DOC_PATH = Many(OneOf((str, int)), tuple)
_PACKED_SHAPE = (
    JSON,  # the document's data (None or a dict)
    Many((int, int, str, str, str, _DOC_PATH), tuple),  # YAML issues
    str,  # the kind it declares
    Many((_DOC_PATH, str, str, bool), tuple),  # schema issues
    bool,  # a placeholder file
)
"""A parsed file as :func:`_pack` keeps it."""


def _unpack(
    packed: tuple[Any, ...], reload: Callable[[], Document]
) -> tuple[Document, str, list[SchemaIssue], bool] | None:
    """A cached file back, or None when the entry is not of the shape :func:`_pack` writes
    (then the file is parsed again: a wrong entry is a miss)."""
    if not fits(packed, _PACKED_SHAPE) or not (packed[0] is None or type(packed[0]) is dict):
        return None
    data, issues, kind, schema_issues, todo = packed
    yaml_issues = tuple(YamlIssue(*i) for i in issues)
    found = [SchemaIssue(*i) for i in schema_issues]
    return Document(data, None, None, yaml_issues, reload), kind, found, todo


class Inventory:
    """A snapshot of the governance repository, read lazily through one source."""

    def __init__(self, source: Source, schemas: SchemaSet, cache: ParseCache | None = None):
        self.source = source
        self.schemas = schemas
        self.cache = cache
        self.entries: dict[str, Entry] = source.entries()
        self.ids: dict[Kind, dict[str, list[str]]] = {kind: {} for kind in Kind}
        self.stray: list[str] = []
        """YAML files under inventory/ or policies/ that are not in a kind's folder."""
        for path in sorted(self.entries):
            if not path.endswith(YAML_SUFFIXES):
                continue
            kind = kind_of_path(path)
            if kind is None:
                self.stray.append(path)
                continue
            stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
            self.ids[kind].setdefault(stem, []).append(path)
        self._loaded: dict[str, LoadedFile] = {}
        self._kept: dict[str, tuple[bytes, str]] = {}
        """Bytes read by :meth:`content_id` and not parsed yet, with their blob ids."""
        self.content_key: str | None = None
        """Digest of every governance file and linked file, set by a whole validation."""

    # -- what exists, from file names alone -----------------------------------------

    def has(self, kind: Kind, record_id: str) -> bool:
        """Whether a file for ``kind``/``record_id`` exists (by file name; nothing parsed)."""
        return record_id in self.ids[kind]

    def yaml_paths(self) -> list[str]:
        """Every governance file path, in a stable order."""
        return sorted(
            [p for ids in self.ids.values() for paths in ids.values() for p in paths] + self.stray
        )

    # -- reading --------------------------------------------------------------------

    def load(self, path: str) -> LoadedFile:
        """Read, parse and schema-check one file (memoized)."""
        loaded = self._loaded.get(path)
        if loaded is None:
            loaded = self._loaded[path] = self._read(path)
        return loaded

    def load_all(self, paths: Iterable[str] | None = None) -> list[LoadedFile]:
        """Load ``paths`` (default: every governance file) and save the cache once."""
        result = [self.load(p) for p in (self.yaml_paths() if paths is None else paths)]
        if self.cache is not None:
            if paths is None and self.source.commit is None:
                self.cache.prune()
            self.cache.save()
        return result

    def record(self, kind: Kind, record_id: str) -> Record | None:
        """The record of ``kind`` named ``record_id``, parsed on first use."""
        for path in self.ids[kind].get(record_id, ()):
            loaded = self.load(path)
            if loaded.record is not None and loaded.record.kind is kind:
                return loaded.record
        return None

    def records(self, kind: Kind) -> list[Record]:
        """Every readable record of ``kind``, sorted by id."""
        found = []
        for record_id in sorted(self.ids[kind]):
            record = self.record(kind, record_id)
            if record is not None:
                found.append(record)
        return found

    def __iter__(self) -> Iterator[Record]:
        for kind in Kind:
            yield from self.records(kind)

    def content_id(self, path: str) -> str:
        """What names the content of ``path`` in a memo key: its blob id, or why it cannot
        be read. The bytes hashed here are kept and are the ones parsed later, so a key
        always describes the content that was checked, even when the file changes between
        the two (each file is read once)."""
        entry = self.entries[path]
        if entry.link is not None:  # only links can be refused unread
            link_problem = self.source.entry_problem(entry)
            if link_problem:
                return link_problem
        loaded = self._loaded.get(path)
        if loaded is not None:
            return loaded.blob or loaded.problems[0].message
        if entry.blob is not None and entry.link is None:
            return entry.blob  # a commit names its blobs
        try:
            raw = self.source.read(entry)
        except OSError as exc:
            return f"cannot read file: {exc.strerror}"
        except RefusedFile as refused:  # not read at all: its type or size names it
            return refused.message
        blob = self.source.blob(entry, raw)
        self._kept[path] = (raw, blob)
        return blob

    # -- the work -------------------------------------------------------------------

    def _content(self, entry: Entry) -> tuple[bytes, str]:
        """The bytes of ``entry`` and their blob id: those :meth:`content_id` read, if any."""
        kept = self._kept.pop(entry.path, None)
        if kept is not None:
            return kept
        raw = self.source.read(entry)
        return raw, self.source.blob(entry, raw)

    def _read(self, path: str) -> LoadedFile:
        entry = self.entries[path]
        link_problem = self.source.entry_problem(entry)
        if link_problem:
            problem = _file_problem(
                path,
                1,
                1,
                f"file {link_problem}",
                "replace the link with the file itself",
                "symlink",
            )
            return LoadedFile(path, "", None, (problem,))
        cache = self.cache
        known = entry.blob if entry.link is None else None  # a commit names its blobs
        if known is not None and cache is not None and known in cache.parsed:
            document, declared, schema_issues, todo = cache.parsed[known]
            loaded = self._assemble(path, known, document, declared, schema_issues)
            return replace(loaded, placeholders=todo) if todo else loaded
        try:
            raw, blob = self._content(entry)
        except OSError as exc:
            problem = _file_problem(
                path, 1, 1, f"cannot read file: {exc.strerror}", "check permissions", "unreadable"
            )
            return LoadedFile(path, "", None, (problem,))
        except RefusedFile as refused:
            problem = _file_problem(path, 1, 1, refused.message, refused.hint, refused.code)
            return LoadedFile(path, "", None, (problem,))
        parsed = cache.parsed.get(blob) if cache is not None else None
        packed = cache.get(blob) if cache is not None and parsed is None else None
        if parsed is None and packed is not None:
            parsed = _unpack(packed, lambda: parse_document(raw, file_limit(path)))
        if parsed is not None:
            document, declared, schema_issues, todo = parsed
        else:
            document = parse_document(raw, file_limit(path))
            declared, schema_issues = self._schema_check(document)
            todo = PLACEHOLDER_BYTES in raw
            if cache is not None:
                cache.put(blob, _pack(document, declared, schema_issues, todo))
        if cache is not None and cache.file is None:  # one process, many snapshots
            cache.parsed[blob] = (document, declared, schema_issues, todo)
        loaded = self._assemble(path, blob, document, declared, schema_issues)
        return replace(loaded, placeholders=todo) if todo else loaded

    def _schema_check(self, document: Document) -> tuple[str, list[SchemaIssue]]:
        data = document.data
        if data is None:
            return "", []
        declared = data.get("kind")
        if not isinstance(declared, str) or declared not in Kind._value2member_map_:
            return "", []
        return declared, self.schemas.issues(Kind(declared), data)

    def _assemble(
        self,
        path: str,
        blob: str,
        document: Document,
        declared: str,
        schema_issues: list[SchemaIssue],
    ) -> LoadedFile:
        problems: list[Problem] = []
        for issue in document.issues:
            kind_label = "file" if document.data is None else (declared or "file")
            problems.append(
                Problem(
                    path,
                    issue.line,
                    issue.column,
                    kind_label,
                    dotted(issue.path),
                    issue.message,
                    issue.hint,
                    issue.code,
                )
            )
        data = document.data
        if data is None:
            return LoadedFile(path, blob, None, tuple(problems))
        folder_kind = kind_of_path(path)
        kind, envelope = _check_envelope(path, document, folder_kind)
        problems.extend(envelope)
        for schema_issue in schema_issues:
            if schema_issue.path in _ENVELOPE_PATHS:
                continue  # apiVersion and kind are reported once, by the envelope check
            line, column = (
                document.key_position(schema_issue.path)
                if schema_issue.at_key
                else document.position(schema_issue.path)
            )
            problems.append(
                Problem(
                    path,
                    line,
                    column,
                    declared,
                    dotted(schema_issue.path),
                    schema_issue.message,
                    schema_issue.hint,
                    "schema",
                )
            )
        record = None
        if kind is not None:
            record_id = data.get("id")
            record = Record(
                kind,
                record_id if isinstance(record_id, str) else _stem(path),
                path,
                data,
                document,
                blob,
            )
        return LoadedFile(path, blob, record, tuple(problems))


_ENVELOPE_PATHS = {("apiVersion",), ("kind",)}
_EVERY_KIND = ", ".join(k.value for k in Kind)


def _stem(path: str) -> str:
    return path.rsplit("/", 1)[-1].rsplit(".", 1)[0]


def kind_of_path(path: str) -> Kind | None:
    """The kind whose folder holds ``path`` (subfolders included), or None."""
    parts = path.split("/")
    for depth in range(len(parts) - 1, 1, -1):
        kind = KIND_BY_FOLDER.get("/".join(parts[:depth]))
        if kind is not None:
            return kind
    return None


def _check_envelope(
    path: str, document: Document, folder_kind: Kind | None
) -> tuple[Kind | None, list[Problem]]:
    """apiVersion, kind and id: known, consistent with the folder and the file name."""
    data = document.data or {}
    problems: list[Problem] = []
    declared_kind = data.get("kind")
    if isinstance(declared_kind, str) and declared_kind in Kind._value2member_map_:
        label = declared_kind
    else:  # an unknown or missing kind: name the kind the folder holds, if any
        label = folder_kind.value if folder_kind else "file"

    def add(field_name: str, message: str, hint: str, code: str, at_key: bool = False) -> None:
        where = (field_name,)
        line, column = (
            (document.key_position(where) if at_key else document.position(where))
            if field_name in data
            else (1, 1)
        )
        problems.append(Problem(path, line, column, label, field_name, message, hint, code))

    api = data.get("apiVersion")
    if api is None:
        add(
            "apiVersion",
            "missing 'apiVersion'",
            f"add 'apiVersion: {API_VERSION}' at the top",
            "api-version",
        )
    elif api != API_VERSION:
        add(
            "apiVersion",
            f"unknown apiVersion '{api}'",
            f"this tool reads '{API_VERSION}'",
            "api-version",
        )
    declared = data.get("kind")
    kind: Kind | None = None
    if declared is None:
        suggestion = (
            f"add 'kind: {folder_kind.value}'"
            if folder_kind
            else f"add 'kind:' with one of: {_EVERY_KIND}"
        )
        add("kind", "missing 'kind'", suggestion, "kind")
        kind = folder_kind
    elif not isinstance(declared, str) or declared not in Kind._value2member_map_:
        import difflib

        close = difflib.get_close_matches(str(declared), [k.value for k in Kind], n=1)
        if close:
            hint = f"did you mean '{close[0]}'?"
        elif folder_kind is not None:
            hint = f"files in {FOLDERS[folder_kind]}/ are 'kind: {folder_kind.value}'"
        else:
            hint = f"use one of: {_EVERY_KIND}"
        add("kind", f"unknown kind '{declared}'", hint, "kind")
    else:
        kind = Kind(declared)
        if folder_kind is None:
            add(
                "kind",
                f"a {kind.value} file outside any kind folder",
                f"move it to {FOLDERS[kind]}/",
                "wrong-folder",
            )
        elif folder_kind is not kind:
            add(
                "kind",
                f"a {kind.value} file in {FOLDERS[folder_kind]}/",
                f"move it to {FOLDERS[kind]}/, or fix 'kind:'",
                "wrong-folder",
            )
    record_id = data.get("id")
    if isinstance(record_id, str) and record_id != _stem(path):
        add(
            "id",
            f"id '{record_id}' does not match the file name '{path.rsplit('/', 1)[-1]}'",
            f"rename the file to {record_id}.yaml, or set 'id: {_stem(path)}'",
            "id-mismatch",
        )
    return kind, problems
