"""The audit trail from git: who changed a record, when, whether the commit was signed,
and what changed field by field; compliance at the end of each period (trend).

One ``git log`` stream answers a record's history (a glob pathspec over the kind's folder
follows the record when it moves, since the id is the file name: ids are refused unless
they match the id pattern, so no glob or pathspec magic of the user reaches git); blobs are
read through the persistent ``git cat-file --batch`` of GitPython and parsed once per blob
id. In a shallow clone the history says where it is cut (:mod:`.shallow`).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from compliance_tool.audit.observed import record_changes
from compliance_tool.audit.semantic_diff import FieldChange, ObservedChange
from compliance_tool.audit.shallow import ShallowBoundary, shallow_boundary
from compliance_tool.errors import GitError, InventoryError
from compliance_tool.repository.config import CONFIG_FILE
from compliance_tool.repository.kinds import FOLDERS, ID_PATTERN, ID_RULE, Kind
from compliance_tool.repository.sources import GITLINK, open_repo, repo_prefix, submodule_note
from compliance_tool.repository.yamlio import Document, file_limit, parse_document

if TYPE_CHECKING:
    import git

SIGNATURE_STATUS = {
    "G": "good",
    "U": "good (key of unknown trust)",
    "X": "good (signature expired)",
    "Y": "good (key expired)",
    "R": "good (key revoked)",
    "B": "bad",
    "E": "unknown key",
    "N": "unsigned",
}
EMPTY_BLOB = "0" * 40
_SEP = "\x1f"
_FORMAT = _SEP.join(["%x1e%H", "%an", "%ae", "%aI", "%G?", "%GS", "%s"])


@dataclass(frozen=True, slots=True)
class Revision:
    """One commit that changed a record."""

    commit: str
    author: str
    email: str
    date: str
    signature: str
    signer: str
    summary: str
    change: str
    """added, removed, moved or modified; ``boundary`` for the commit at which a shallow
    clone's history is cut (git shows it adding every file: it has no parent here)."""
    path: str
    old_path: str | None
    fields: tuple[FieldChange, ...]
    observed: tuple[ObservedChange, ...] = ()
    """For a snapshot (an Observation record): what the source showed differently, in
    its own terms (:mod:`.observed`), which ``fields`` then leaves out."""


@dataclass(frozen=True, slots=True)
class RecordHistory:
    """Every commit that changed one record, newest first."""

    kind: Kind
    id: str
    revisions: tuple[Revision, ...]
    shallow: ShallowBoundary | None = None
    """Where the history is cut when the repository is a shallow clone."""
    notes: tuple[str, ...] = ()
    """What was left out and why (a git submodule at the record's path)."""


GOVERNANCE_PATHS = ("inventory/", "policies/", "features/", "schemas/", CONFIG_FILE)
"""What a governance repository holds besides the files its records link to."""


@dataclass(frozen=True, slots=True)
class GovernanceScope:
    """The paths whose changes are governance history: a commit that touches none of them
    (a tool or benchmark change in the same repository) is not part of the record."""

    paths: tuple[str, ...]
    """Root-relative; a folder ends with ``/``."""
    linked: tuple[str, ...] = ()
    """The folders (or files) among ``paths`` that hold the files records link to."""

    def pathspecs(self, prefix: str) -> list[str]:
        """git pathspecs of ``paths`` for a governance root at ``prefix`` in the repository."""
        return [f":(top,literal){prefix}{path.rstrip('/')}" for path in self.paths]

    @property
    def sentence(self) -> str:
        """Which paths count, in one sentence for the reader of a report."""
        named = [p for p in self.paths if p not in self.linked]
        if self.linked:
            named.append(f"the files the records link to ({', '.join(self.linked)})")
        listed = f"{', '.join(named[:-1])} or {named[-1]}"
        return f"Only commits that change {listed} are listed and counted."


def governance_scope(linked_files: Iterable[str]) -> GovernanceScope:
    """The governance paths plus the folders of ``linked_files`` (runbooks, DPIAs, model
    cards, post-incident reviews: the values of the records' file fields), each folder once
    and none inside another; paths that leave the repository are ignored."""
    folders = set()
    for value in linked_files:
        path = PurePosixPath(value)
        if path.is_absolute() or ".." in path.parts or not path.parts:
            continue
        parent = path.parent.as_posix()
        folders.add(path.as_posix() if parent == "." else parent + "/")
    found = list(GOVERNANCE_PATHS)
    for folder in sorted(folders):  # a folder sorts before what lies inside it
        if not any(folder.startswith(p) if p.endswith("/") else folder == p for p in found):
            found.append(folder)
    return GovernanceScope(tuple(found), tuple(found[len(GOVERNANCE_PATHS) :]))


def git_config_args(root: Path, config: dict[str, Any]) -> list[str]:
    """``-c`` options for git: the allowed-signers file for SSH commit signatures."""
    signers = (config.get("history") or {}).get("allowed_signers")
    if not signers:
        return []
    path = (root / str(signers)).resolve()
    return ["-c", f"gpg.ssh.allowedSignersFile={path}"]


class BlobReader:
    """Parsed YAML of git blobs, each parsed once."""

    def __init__(self, repo: git.Repo) -> None:
        self.repo = repo
        self._cache: dict[str, dict[str, Any] | None] = {}

    def signature(self, commit: str, status: str) -> str:
        """git's verdict on a commit's signature in words. git says 'N' (no signature)
        for an SSH-signed commit it cannot check without an allowed-signers file: the
        commit object tells the two apart."""
        if status == "N":
            header = bytes(self.repo.git.get_object_data(commit)[3]).split(b"\n\n", 1)[0]
            if b"\ngpgsig" in header:
                return "unknown key (signed; configure history.allowed_signers to check it)"
        return SIGNATURE_STATUS.get(status, status)

    def data(self, blob: str, path: str = "") -> dict[str, Any] | None:
        if blob == EMPTY_BLOB:
            return None
        if blob not in self._cache:
            document = self.document(blob, path)
            self._cache[blob] = None if document is None else document.data
        return self._cache[blob]

    def document(self, blob: str, path: str = "") -> Document | None:
        """The parsed blob with its problems (not kept: :meth:`data` keeps the data);
        None for a file above the size limit of ``path``."""
        # git says the size first: a file above the limit is passed over in pieces, never held
        _, _, size, stream = self.repo.git.stream_object_data(blob)
        if size > file_limit(path):
            while stream.read(1 << 20):
                pass
            return None
        return parse_document(bytes(stream.read()), file_limit(path))


def resolve_record(spec: str) -> tuple[Kind, str]:
    """``models/fraud-scoring`` (or ``inventory/models/fraud-scoring.yaml``) as kind and id.

    The id must match :data:`ID_PATTERN` (as ``new`` and the schemas require): it goes
    into a git pathspec, where ``*``, ``?``, ``[`` or a ``:(magic)`` prefix would match
    other records."""
    text = spec.strip("/").removesuffix(".yaml").removesuffix(".yml")
    folder, _, record_id = text.rpartition("/")
    for kind, path in FOLDERS.items():
        if folder in (path, path.split("/", 1)[1]) and record_id:
            if not re.fullmatch(ID_PATTERN, record_id):
                raise InventoryError(
                    f"'{spec}' does not name a record: '{record_id}' is not an id",
                    hint=f"an id is {ID_RULE}, e.g. models/fraud-scoring; "
                    "patterns are not supported",
                )
            return kind, record_id
    names = ", ".join(p.split("/", 1)[1] for p in FOLDERS.values())
    raise InventoryError(
        f"'{spec}' does not name a record",
        hint=f"write FOLDER/ID with FOLDER one of {names}, e.g. models/fraud-scoring",
    )


def record_history(
    root: Path,
    spec: str,
    since: dt.date | None = None,
    until: dt.date | None = None,
    config: dict[str, Any] | None = None,
    ref: str = "HEAD",
) -> RecordHistory:
    """Every commit reachable from ``ref`` that changed the record, newest first."""
    import git

    kind, record_id = resolve_record(spec)
    repo = open_repo(root)
    prefix = repo_prefix(repo, root)
    folder = _glob_escape(f"{prefix}{FOLDERS[kind]}")
    specs = [f":(glob){folder}/**/{record_id}{suffix}" for suffix in (".yaml", ".yml")]
    args = [
        *git_config_args(root, config or {}),
        "log",
        f"--format={_FORMAT}",
        "--raw",
        "--no-abbrev",
        "--no-renames",
        "-m",
        "--first-parent",
    ]
    if since:
        args.append(f"--since={since.isoformat()}T00:00:00")
    if until:
        args.append(f"--until={until.isoformat()}T23:59:59")
    try:
        output = repo.git.execute(["git", *args, ref, "--", *specs])
    except git.GitCommandError as error:
        raise GitError(
            f"git log failed: {str(error.stderr).strip()}",
            hint="check the revision and the repository",
        ) from None
    reader = BlobReader(repo)
    boundary = shallow_boundary(repo, ref)
    cut = boundary.commits if boundary is not None else frozenset()
    revisions = []
    notes: dict[str, None] = {}
    for chunk in str(output).split("\x1e"):
        if not chunk.strip():
            continue
        header, _, raw = chunk.partition("\n")
        commit, author, email, date, status, signer, summary = header.split(_SEP, 6)
        changes = []
        for line in raw.splitlines():
            if not line.startswith(":"):
                continue
            meta, path = line[1:].split("\t", 1)
            old_mode, new_mode, old_blob, new_blob, state = meta.split(" ")
            if GITLINK in (old_mode, new_mode):
                notes[submodule_note(path[len(prefix) :])] = None
            change = _without_gitlinks(old_mode, new_mode, old_blob, new_blob, state)
            if change is not None:
                changes.append((change[0], path[len(prefix) :], change[1], change[2]))
        if not changes:  # a commit that changed only a submodule there changed no record
            continue
        revision = _revision(
            reader, kind, (commit, author, email, date, status, signer, summary), changes
        )
        if commit in cut and revision.change == "added":
            revision = replace(revision, change="boundary")
        revisions.append(revision)
    return RecordHistory(kind, record_id, tuple(revisions), boundary, tuple(notes))


def _glob_escape(path: str) -> str:
    """``path`` matched literally inside a ``:(glob)`` pathspec (a governance root may sit
    in a folder whose name holds ``*``, ``?``, ``[`` or ``\\``)."""
    return re.sub(r"([*?\[\]\\])", r"\\\1", path)


def _without_gitlinks(
    old_mode: str, new_mode: str, old: str, new: str, state: str
) -> tuple[str, str, str] | None:
    """A change of ``git log --raw`` as (status, old blob, new blob), a submodule on either
    side counting as no file (it is another repository's commit, not a blob)."""
    if GITLINK not in (old_mode, new_mode):
        return state[0], old, new
    old = EMPTY_BLOB if old_mode in (GITLINK, "000000") else old
    new = EMPTY_BLOB if new_mode in (GITLINK, "000000") else new
    if old == new == EMPTY_BLOB:
        return None
    return ("A", old, new) if old == EMPTY_BLOB else ("D", old, new)


def _revision(
    reader: BlobReader,
    kind: Kind,
    header: tuple[str, str, str, str, str, str, str],
    changes: list[tuple[str, str, str, str]],
) -> Revision:
    """One commit's change of the record; ``header`` is what ``_FORMAT`` gives: commit,
    author, email, date, signature status, signer and subject."""
    commit, author, email, date, status, signer, summary = header
    deleted = [c for c in changes if c[0] == "D"]
    added = [c for c in changes if c[0] == "A"]
    modified = [c for c in changes if c[0] not in "AD"]
    old_path = None
    if deleted and added:
        change, path, old_path = "moved", added[0][1], deleted[0][1]
        old, new = reader.data(deleted[0][2], old_path), reader.data(added[0][3], path)
    elif added:
        change, path = "added", added[0][1]
        old, new = None, reader.data(added[0][3], path)
    elif deleted:
        change, path = "removed", deleted[0][1]
        old, new = reader.data(deleted[0][2], path), None
    else:
        item = modified[0]
        change, path = "modified", item[1]
        old, new = reader.data(item[2], path), reader.data(item[3], path)
    fields: tuple[FieldChange, ...] = ()
    observed: tuple[ObservedChange, ...] = ()
    if old is not None and new is not None:
        fields, observed = record_changes(kind is Kind.OBSERVATION, old, new, date)
    return Revision(
        commit,
        author,
        email,
        date,
        reader.signature(commit, status),
        signer,
        summary,
        change,
        path,
        old_path,
        fields,
        observed,
    )


def commit_signatures(
    root: Path,
    revision_range: str,
    config: dict[str, Any] | None = None,
    limit: int | None = None,
    scope: GovernanceScope | None = None,
) -> list[dict[str, str]]:
    """Commits of ``revision_range`` (``A..B`` or one commit with ``-1``), newest first, with
    author, date, subject and git's own verdict on their signature; with ``scope``, only
    the commits that change one of its paths."""
    repo = open_repo(root)
    args = [*git_config_args(root, config or {}), "log", f"--format={_FORMAT}"]
    if ".." not in revision_range:
        args.append(f"-{limit or 1}")
    elif limit:
        args.append(f"-{limit}")
    args.append(revision_range)
    if scope is not None:
        args += ["--", *scope.pathspecs(repo_prefix(repo, root))]
    output = str(repo.git.execute(["git", *args]))
    reader = BlobReader(repo)
    found = []
    for chunk in output.split("\x1e"):
        if not chunk.strip():
            continue
        commit, author, email, date, status, signer, summary = chunk.strip("\n").split(_SEP, 6)
        found.append(
            {
                "commit": commit,
                "author": author,
                "email": email,
                "date": date,
                "signature": reader.signature(commit, status),
                "signer": signer,
                "summary": summary,
            }
        )
    return found


def previous_report_commit(reports: Path, commit: str, as_of: dt.date) -> str | None:
    """The commit of the latest earlier report whose manifest lies in ``reports``."""
    import json

    best: tuple[str, str] | None = None
    for manifest in sorted(reports.glob("*.manifest.json")):
        try:
            data = json.loads(manifest.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        other, date = data.get("commit"), str(data.get("as_of", ""))
        if not other or other == commit or date > as_of.isoformat():
            continue
        if best is None or date > best[0]:
            best = (date, other)
    return best[1] if best else None


def report_history(
    root: Path,
    commit: str,
    as_of: dt.date,
    config: dict[str, Any],
    reports: Path,
    trend_months: int = 6,
    scope: GovernanceScope | None = None,
) -> dict[str, Any]:
    """What the report says about history: the commits since the previous report (or the
    latest ones) that change a path of ``scope`` (default: the governance folders and
    compliance-tool.yaml), their signatures, which paths count, compliance at the end of
    recent months, and, in a shallow clone, a sentence saying where the history is cut."""
    import git

    from compliance_tool.audit.trend import MONTHLY, compute_trend

    scope = scope or governance_scope(())
    previous = previous_report_commit(reports, commit, as_of)
    repo = open_repo(root)
    if previous is not None:
        try:
            repo.git.merge_base("--is-ancestor", previous, commit)
        except git.GitCommandError:
            # status 1: not an ancestor; 128: no such commit (history rewritten since):
            # either way the change list falls back to the recent commits
            previous = None
    revision_range = f"{previous}..{commit}" if previous else commit
    revisions = commit_signatures(
        root, revision_range, config, limit=None if previous else 20, scope=scope
    )
    reported = commit_signatures(root, commit, config)[0]
    signed = sum(r["signature"] == "good" for r in revisions)
    count = len(revisions)
    shown = "since the previous report" if previous else "shown below"
    noun = "commit" if count == 1 else "commits"
    summary = (
        f"reported commit {commit[:12]}: {reported['signature']}; "
        f"{signed} of the {count} {noun} {shown} {'has' if count == 1 else 'have'} "
        "a good signature"
    )
    start = as_of - dt.timedelta(days=30 * trend_months)
    points = [p for p in compute_trend(root, start, as_of, MONTHLY, ref=commit) if not p.invalid]
    boundary = shallow_boundary(repo, commit)
    return {
        "previous": previous,
        "revisions": [{**r, "date": r["date"][:10]} for r in revisions],
        "reported_signature": reported["signature"],
        "signed_summary": summary,
        "paths": scope.paths,
        "scope": scope.sentence,
        "points": points,
        "shallow": None if boundary is None else shallow_sentence(boundary),
    }


def shallow_sentence(boundary: ShallowBoundary) -> str:
    """The report's sentence on a history cut at the shallow boundary."""
    return (
        "The history is cut at the shallow boundary: the report was made in a shallow "
        f"clone whose history starts at commit {boundary.start_commit[:12]} of "
        f"{boundary.start.isoformat()}, so earlier commits and trend points are missing "
        "(make the report from a full clone, e.g. after 'git fetch --unshallow')."
    )
