"""Where governance files come from: the working tree or any git commit, one interface.

A :class:`Source` lists the repository's files and reads their bytes. The git source
reads trees and blobs straight from the object database through one persistent
``git cat-file --batch`` process (GitPython's ``get_object_data``): no checkout, no clone.
Every file carries its git blob id, the key of the parse cache.
"""

from __future__ import annotations

import hashlib
import os
import posixpath
import stat
import weakref
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from compliance_tool.errors import GitError, InventoryError
from compliance_tool.repository.kinds import ROOTS

if TYPE_CHECKING:
    import git


def blob_id(data: bytes) -> str:
    """The git blob id of ``data`` (what ``git hash-object`` prints)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


@dataclass(frozen=True, slots=True)
class Entry:
    """One file of a source: repository-relative POSIX path and how to reach its bytes."""

    path: str
    blob: str | None = None
    """The git blob id when the source knows it without reading (commits)."""
    link: str | None = None
    """The symlink target when the entry is a symbolic link."""


class Source(Protocol):
    """A readable snapshot of a governance repository."""

    root: Path
    commit: str | None
    label: str

    def entries(self) -> dict[str, Entry]:
        """Every YAML-bearing entry under ``inventory/`` and ``policies/`` by path."""
        ...

    def read(self, entry: Entry) -> bytes:
        """The bytes of one entry (a symlink's target must already have been checked)."""
        ...

    def blob(self, entry: Entry, data: bytes) -> str:
        """The git blob id of an entry whose bytes are ``data``."""
        ...

    def file_problem(self, path: str) -> str | None:
        """Why ``path`` is not a regular file inside the repository, or None when it is."""
        ...

    def entry_problem(self, entry: Entry) -> str | None:
        """Why a symlinked inventory file may not be read, or None when it may."""
        ...

    def locate(self, name: str) -> str:
        """The path of this snapshot that a user means by ``name``: a path on disk for
        the working tree (shown repository-relative when inside it), a repository path
        for a commit. The result is what :meth:`documents` takes and messages show."""
        ...

    def documents(self, top: str, suffix: str = "") -> dict[str, bytes] | None:
        """The file ``top``, or every regular file below the folder ``top`` whose name
        ends with ``suffix``, by path (symlinks left out, as they are at a commit);
        None when the snapshot has no file or folder ``top``."""
        ...


def _below(paths: Iterable[str], top: str) -> list[str]:
    """The paths inside the folder ``top`` (``.``: every path), sorted."""
    return sorted(p for p in paths if top == "." or p.startswith(top + "/"))


def find_root(start: Path) -> Path:
    """The governance repository holding ``start``: nearest folder with inventory/ or policies/."""
    start = start.resolve()
    for candidate in (start, *start.parents):
        if any((candidate / name).is_dir() for name in ROOTS):
            return candidate
    raise InventoryError(
        f"no governance repository at {start}",
        hint="run inside a repository that has inventory/ and policies/ folders, or pass --repo",
    )


def _escape_problem(path: str) -> str | None:
    if not path or path.startswith("/") or "\\" in path:
        return "is not a repository-relative POSIX path"
    normal = posixpath.normpath(path)
    if normal == ".." or normal.startswith("../"):
        return "escapes the repository (contains '..')"
    return None


@dataclass(slots=True)
class WorktreeSource:
    """The files on disk under a repository root, as they are now."""

    root: Path
    commit: str | None = None
    label: str = "working tree"
    _checked: dict[str, str | None] = field(default_factory=dict)

    def entries(self) -> dict[str, Entry]:
        found: dict[str, Entry] = {}
        for top in ROOTS:
            base = self.root / top
            if not base.is_dir():
                continue
            for folder, dirs, files in os.walk(base):
                dirs.sort()
                relative = Path(folder).relative_to(self.root).as_posix()
                for name in files:
                    path = f"{relative}/{name}"
                    full = os.path.join(folder, name)
                    link = os.readlink(full) if os.path.islink(full) else None
                    found[path] = Entry(path, None, link)
        return found

    def read(self, entry: Entry) -> bytes:
        # os.path.join, not Path's /: this runs for every file of every warm run
        with open(os.path.join(self.root, entry.path), "rb") as handle:
            return handle.read()

    def blob(self, entry: Entry, data: bytes) -> str:
        return blob_id(data)

    def file_problem(self, path: str) -> str | None:
        if path not in self._checked:
            self._checked[path] = self._file_problem(path)
        return self._checked[path]

    def _file_problem(self, path: str) -> str | None:
        problem = _escape_problem(path)
        if problem:
            return problem
        full = self.root / path
        real = Path(os.path.realpath(full))
        if real != self.root and self.root not in real.parents:
            if os.path.islink(full):
                return f"is a symlink to {os.readlink(full)}, which leads outside the repository"
            return "leads outside the repository through a symlinked folder"
        if not full.exists():
            return "does not exist"
        if not stat.S_ISREG(os.stat(full).st_mode):
            return "is not a regular file"
        return None

    def entry_problem(self, entry: Entry) -> str | None:
        if entry.link is None:
            return None
        problem = self.file_problem(entry.path)
        if problem and not problem.startswith("is a symlink"):
            problem = f"is a symlink to {entry.link}, which {problem}"
        return problem

    def locate(self, name: str) -> str:
        path = Path(name).resolve()
        try:
            return path.relative_to(self.root).as_posix()
        except ValueError:  # a file on disk outside the repository, named by the user
            return path.as_posix()

    def documents(self, top: str, suffix: str = "") -> dict[str, bytes] | None:
        base = self.root / top
        if base.is_symlink():
            return {}
        if base.is_file():
            return {top: base.read_bytes()}
        if not base.is_dir():
            return None
        prefix = "" if top == "." else f"{top}/"
        found: dict[str, bytes] = {}
        for file in sorted(base.rglob(f"*{suffix}")):
            if file.is_file() and not file.is_symlink():
                found[prefix + file.relative_to(base).as_posix()] = file.read_bytes()
        return found


@dataclass(slots=True)
class GitSource:
    """The tree of one commit, read from git's object database without a checkout."""

    root: Path
    commit: str | None
    label: str
    repo: git.Repo
    tree: dict[str, tuple[str, str]] = field(default_factory=dict)
    """path -> (mode, blob id) for every file of the commit."""

    @classmethod
    def open(cls, root: Path, ref: str, repo: git.Repo | None = None) -> GitSource:
        """Resolve ``ref`` in the repository at ``root`` and list its tree once."""
        import git

        repo = repo or open_repo(root)
        sha = resolve_commit(repo, ref)
        prefix = repo_prefix(repo, root).rstrip("/")
        try:
            listing = repo.git.ls_tree("-r", "-z", "--full-tree", sha)
        except git.GitCommandError as error:
            raise git_failure(error, f"listing the files of commit {sha[:12]}") from None
        tree: dict[str, tuple[str, str]] = {}
        for item in listing.split("\0"):
            if not item:
                continue
            meta, path = item.split("\t", 1)
            mode, _kind, blob = meta.split(" ")
            if prefix:
                if not path.startswith(prefix + "/"):
                    continue
                path = path[len(prefix) + 1 :]
            tree[path] = (mode, blob)
        return cls(root=root, commit=sha, label=sha[:12], repo=repo, tree=tree)

    def entries(self) -> dict[str, Entry]:
        found: dict[str, Entry] = {}
        for path, (mode, blob) in self.tree.items():
            if path.split("/", 1)[0] not in ROOTS:
                continue
            link = self._read_blob(blob).decode("utf-8", "replace") if mode == "120000" else None
            found[path] = Entry(path, blob, link)
        return found

    def _read_blob(self, blob: str) -> bytes:
        try:
            return bytes(self.repo.git.get_object_data(blob)[3])
        except ValueError:  # how GitPython says the object database lacks it
            raise GitError(
                f"git object {blob} of commit {self.label} is missing",
                hint="check that the repository is intact ('git fsck'); "
                "a shallow or partial clone lacks old objects",
            ) from None

    def read(self, entry: Entry) -> bytes:
        if entry.link is not None:
            target = posixpath.normpath(posixpath.join(posixpath.dirname(entry.path), entry.link))
            return self._read_blob(self.tree[target][1])
        assert entry.blob is not None
        return self._read_blob(entry.blob)

    def blob(self, entry: Entry, data: bytes) -> str:
        return entry.blob if entry.link is None and entry.blob else blob_id(data)

    def file_problem(self, path: str) -> str | None:
        problem = _escape_problem(path)
        if problem:
            return problem
        seen = 0
        path = posixpath.normpath(path)
        while path in self.tree and self.tree[path][0] == "120000" and seen < 8:
            link = self._read_blob(self.tree[path][1]).decode("utf-8", "replace")
            if link.startswith("/"):
                return "leads outside the repository"
            path = posixpath.normpath(posixpath.join(posixpath.dirname(path), link))
            if path == ".." or path.startswith("../"):
                return "leads outside the repository"
            seen += 1
        if path not in self.tree:
            return "does not exist"
        return None

    def entry_problem(self, entry: Entry) -> str | None:
        if entry.link is None:
            return None
        problem = self.file_problem(entry.path)
        return f"is a symlink to {entry.link}, which {problem}" if problem else None

    def locate(self, name: str) -> str:
        return posixpath.normpath(name.strip("/"))

    def documents(self, top: str, suffix: str = "") -> dict[str, bytes] | None:
        if top in self.tree:
            mode, blob = self.tree[top]
            return {} if mode == "120000" else {top: self._read_blob(blob)}
        below = _below(self.tree, top)
        if not below:
            return None
        return {
            path: self._read_blob(self.tree[path][1])
            for path in below
            if path.endswith(suffix) and self.tree[path][0] != "120000"
        }


_OPEN_REPOS: weakref.WeakSet[git.Repo] = weakref.WeakSet()
"""Repositories opened by :func:`open_repo` and not yet closed."""


def open_repo(root: Path) -> git.Repo:
    """The git repository holding ``root``; a clear error when there is none."""
    import git

    try:
        repo = git.Repo(root, search_parent_directories=True)
    except (git.InvalidGitRepositoryError, git.NoSuchPathError):
        raise GitError(
            f"{root} is not inside a git repository",
            hint="--ref and history need git: run 'git init' and commit the inventory",
        ) from None
    _OPEN_REPOS.add(repo)
    return repo


def close_repos() -> None:
    """End the git processes (``cat-file --batch``) of every repository opened so far: a
    command's reads are done, and a process left running outlives the command that
    started it when the tool runs in-process (tests, an embedding program)."""
    for repo in list(_OPEN_REPOS):
        repo.close()
    _OPEN_REPOS.clear()


def git_failure(error: git.GitCommandError, action: str) -> GitError:
    """A git command that failed, as a :class:`GitError` saying what the tool was doing
    and the first line git wrote about it."""
    said = str(error.stderr).strip().removeprefix("stderr: '").removesuffix("'").strip()
    first = said.splitlines()[0] if said else f"exit status {error.status}"
    return GitError(
        f"git failed while {action}: {first}",
        hint="check that the repository is intact ('git fsck')",
    )


def repo_prefix(repo: git.Repo, root: Path) -> str:
    """Where the governance root sits inside the git repository (``""`` or ``"sub/"``)."""
    top = Path(repo.working_tree_dir or root).resolve()
    prefix = root.resolve().relative_to(top).as_posix()
    return "" if prefix == "." else prefix + "/"


def resolve_commit(repo: git.Repo, ref: str) -> str:
    """The full commit id that ``ref`` names; GitError when it names none."""
    import git

    try:
        return str(repo.git.rev_parse("--verify", "--end-of-options", f"{ref}^{{commit}}"))
    except git.GitCommandError:
        raise GitError(
            f"unknown revision '{ref}'",
            hint="give a commit id, branch or tag that 'git log --oneline' shows",
        ) from None


@dataclass(slots=True)
class MemorySource:
    """Files held in memory: rule examples and scenario records, read like any snapshot."""

    files: dict[str, bytes]
    root: Path = Path(".")
    commit: str | None = None
    label: str = "examples"

    def entries(self) -> dict[str, Entry]:
        return {p: Entry(p) for p in self.files if p.split("/", 1)[0] in ROOTS}

    def read(self, entry: Entry) -> bytes:
        return self.files[entry.path]

    def blob(self, entry: Entry, data: bytes) -> str:
        return blob_id(data)

    def file_problem(self, path: str) -> str | None:
        problem = _escape_problem(path)
        if problem:
            return problem
        return None if posixpath.normpath(path) in self.files else "does not exist"

    def entry_problem(self, entry: Entry) -> str | None:
        return None

    def locate(self, name: str) -> str:
        return posixpath.normpath(name.strip("/"))

    def documents(self, top: str, suffix: str = "") -> dict[str, bytes] | None:
        if top in self.files:
            return {top: self.files[top]}
        below = _below(self.files, top)
        if not below:
            return None
        return {path: self.files[path] for path in below if path.endswith(suffix)}
