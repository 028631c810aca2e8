"""Where governance files come from: the working tree or any git commit, one interface.

A :class:`Source` lists the repository's files and reads their bytes. The git source
reads trees and blobs straight from the object database through one persistent
``git cat-file --batch`` process (GitPython's ``get_object_data``): no checkout, no clone.
Every file carries its git blob id, the key of the parse cache.

Every file is checked before it is read: only regular files (a named pipe would block,
a device never end), no larger than :func:`~compliance_tool.repository.yamlio.file_limit` allows
(the size comes first, from ``lstat`` or ``git ls-tree --long``), never a path
inside ``.git/``. A git submodule (a gitlink at a commit, a folder holding ``.git`` in the
working tree) is not part of the repository's content: it is left out with a note.
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
from compliance_tool.repository.yamlio import file_limit, size_issue

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
    size: int | None = None
    """The size in bytes when the listing knows it without reading (the working tree's
    ``lstat`` of a regular file, ``git ls-tree --long`` at a commit)."""
    special: str | None = None
    """What the entry is when it is neither a regular file nor a symlink ("a named pipe",
    "a socket", "a device"): it is never opened."""


class RefusedFile(InventoryError):
    """A file the tool does not read: not a regular file, or above the size limit.
    ``message``, ``hint`` and ``code`` are those of the finding it becomes."""

    def __init__(self, path: str, message: str, hint: str, code: str) -> None:
        super().__init__(message, where=path, hint=hint)
        self.code = code


def _check_size(path: str, size: int) -> None:
    """RefusedFile when a file of ``size`` bytes is above the limit (the "too-large"
    finding of :func:`~compliance_tool.repository.yamlio.size_issue`)."""
    issue = size_issue(size, file_limit(path))
    if issue is not None:
        raise RefusedFile(path, issue.message, issue.hint, issue.code)


def _not_regular(path: str, what: str) -> RefusedFile:
    return RefusedFile(
        path,
        f"file is not a regular file ({what})",
        "replace it with a regular YAML file, or remove it",
        "not-regular",
    )


def _special(mode: int) -> str:
    """What a file that is neither regular nor a symlink is, in words."""
    if stat.S_ISFIFO(mode):
        return "a named pipe"
    if stat.S_ISSOCK(mode):
        return "a socket"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    return "not a file"


def submodule_note(path: str) -> str:
    """The warning for a git submodule found where governance files are read."""
    return (
        f"{path} is a git submodule: skipped (governance files are read from this "
        "repository only; copy its files into this repository to have them checked)"
    )


_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
"""Non-blocking: a file swapped for a named pipe after it was listed cannot hang a read."""


def _read_bounded(fd: int, path: str, expected: int) -> bytes:
    """At most :func:`~compliance_tool.repository.yamlio.file_limit` bytes of the open file ``fd``, expected to hold
    ``expected`` bytes; RefusedFile when it holds more (it grew since it was listed)."""
    chunks: list[bytes] = []
    total = 0
    limit = file_limit(path)
    want = expected + 1  # one read for the content, one to see the end
    while True:
        chunk = os.read(fd, want)
        if not chunk:
            return chunks[0] if len(chunks) == 1 else b"".join(chunks)
        chunks.append(chunk)
        total += len(chunk)
        if total > limit:  # it grew since it was listed: refused with its size now
            _check_size(path, max(os.fstat(fd).st_size, total))
        want = min(1 << 16, limit + 1 - total)  # usually nothing is left


class Source(Protocol):
    """A readable snapshot of a governance repository."""

    root: Path
    commit: str | None
    label: str

    def entries(self) -> dict[str, Entry]:
        """Every YAML-bearing entry under ``inventory/`` and ``policies/`` by path."""
        ...

    notes: tuple[str, ...]
    """What the last :meth:`entries` left out and why (a git submodule), for the user."""

    def read(self, entry: Entry) -> bytes:
        """The bytes of one entry (a symlink's target must already have been checked);
        :class:`RefusedFile`, before anything is read, when it is not a regular file or
        is above the size limit."""
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
    if _in_git_dir(normal):
        return GIT_DIR_PROBLEM
    return None


GIT_DIR_PROBLEM = "is inside .git/, which is git's own folder, not a file of the repository"


def _in_git_dir(path: str) -> bool:
    """Whether a normalised repository path has a ``.git`` component (any case, as git
    itself refuses on case-insensitive file systems)."""
    return ".git" in path.lower() and any(p.lower() == ".git" for p in path.split("/"))


@dataclass(slots=True)
class WorktreeSource:
    """The files on disk under a repository root, as they are now."""

    root: Path
    commit: str | None = None
    label: str = "working tree"
    notes: tuple[str, ...] = ()
    _checked: dict[str, str | None] = field(default_factory=dict)

    def entries(self) -> dict[str, Entry]:
        found: dict[str, Entry] = {}
        notes: list[str] = []
        for top in ROOTS:
            base = self.root / top
            if not base.is_dir():
                continue
            for folder, dirs, files in os.walk(base):
                relative = Path(folder).relative_to(self.root).as_posix()
                if ".git" in dirs or ".git" in files:  # a submodule, or another repository inside
                    dirs.clear()
                    notes.append(submodule_note(relative))
                    continue
                dirs.sort()
                for name in files:
                    path = f"{relative}/{name}"
                    full = os.path.join(folder, name)
                    try:  # the one stat per file of a run: type and size, link not followed
                        info = os.lstat(full)
                    except OSError:  # removed since the folder was listed
                        continue
                    mode = info.st_mode
                    if stat.S_ISREG(mode):
                        found[path] = Entry(path, None, None, info.st_size)
                    elif stat.S_ISLNK(mode):
                        found[path] = Entry(path, None, os.readlink(full))
                    else:
                        found[path] = Entry(path, special=_special(mode))
        self.notes = tuple(notes)
        return found

    def read(self, entry: Entry) -> bytes:
        if entry.special is not None:
            raise _not_regular(entry.path, entry.special)
        if entry.size is not None:
            _check_size(entry.path, entry.size)
        # os.path.join, not Path's /: this runs for every file of every warm run
        fd = os.open(os.path.join(self.root, entry.path), _READ_FLAGS)
        try:
            expected = entry.size
            if expected is None:  # a symlink: the type and size of what it leads to
                info = os.fstat(fd)
                if not stat.S_ISREG(info.st_mode):
                    raise _not_regular(entry.path, _special(info.st_mode))
                _check_size(entry.path, info.st_size)
                expected = info.st_size
            return _read_bounded(fd, entry.path, expected)
        finally:
            os.close(fd)

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
        if _in_git_dir(real.relative_to(self.root).as_posix()):
            if os.path.islink(full):
                return f"is a symlink to {os.readlink(full)}, which leads into .git/"
            return "leads into .git/ through a symlinked folder"
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
    tree: dict[str, tuple[str, str, int]] = field(default_factory=dict)
    """path -> (mode, object id, size in bytes) for every file of the commit, and every
    submodule (mode 160000, a commit of another repository, size 0)."""
    notes: tuple[str, ...] = ()

    @classmethod
    def open(cls, root: Path, ref: str, repo: git.Repo | None = None) -> GitSource:
        """Resolve ``ref`` in the repository at ``root`` and list its tree once."""
        import git

        repo = repo or open_repo(root)
        sha = resolve_commit(repo, ref)
        prefix = repo_prefix(repo, root).rstrip("/")
        try:  # --long: every blob's size, known before any blob is read
            listing = repo.git.ls_tree("-r", "-z", "--long", "--full-tree", sha)
        except git.GitCommandError as error:
            raise git_failure(error, f"listing the files of commit {sha[:12]}") from None
        tree: dict[str, tuple[str, str, int]] = {}
        for item in listing.split("\0"):
            if not item:
                continue
            meta, path = item.split("\t", 1)
            mode, _kind, blob, size = meta.split()  # the size is padded; "-" for a submodule
            if prefix:
                if not path.startswith(prefix + "/"):
                    continue
                path = path[len(prefix) + 1 :]
            tree[path] = (mode, blob, int(size) if size.isdigit() else 0)
        return cls(root=root, commit=sha, label=sha[:12], repo=repo, tree=tree)

    def entries(self) -> dict[str, Entry]:
        found: dict[str, Entry] = {}
        notes: list[str] = []
        for path, (mode, blob, size) in self.tree.items():
            if path.split("/", 1)[0] not in ROOTS:
                continue
            if mode == GITLINK:
                notes.append(submodule_note(path))
                continue
            link = self._read_blob(blob).decode("utf-8", "replace") if mode == SYMLINK else None
            found[path] = Entry(path, blob, link, None if link is not None else size)
        self.notes = tuple(notes)
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
        blob, size = entry.blob, entry.size
        if entry.link is not None:  # what it leads to, which file_problem checked
            target = posixpath.normpath(posixpath.join(posixpath.dirname(entry.path), entry.link))
            _, blob, size = self.tree[target]
        assert blob is not None and size is not None
        _check_size(entry.path, size)  # from the listing: a blob above the limit is not read
        return self._read_blob(blob)

    def blob(self, entry: Entry, data: bytes) -> str:
        return entry.blob if entry.link is None and entry.blob else blob_id(data)

    def file_problem(self, path: str) -> str | None:
        problem = _escape_problem(path)
        if problem:
            return problem
        seen = 0
        path = posixpath.normpath(path)
        first: str | None = None
        while path in self.tree and self.tree[path][0] == SYMLINK and seen < 8:
            link = self._read_blob(self.tree[path][1]).decode("utf-8", "replace")
            first = link if first is None else first
            if link.startswith("/"):
                return "leads outside the repository"
            path = posixpath.normpath(posixpath.join(posixpath.dirname(path), link))
            if path == ".." or path.startswith("../"):
                return "leads outside the repository"
            if _in_git_dir(path):
                return f"is a symlink to {first}, which leads into .git/"
            seen += 1
        if path not in self.tree:
            return "does not exist"
        if self.tree[path][0] == GITLINK:
            return "is not a regular file"  # a submodule: a folder in the working tree
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
            mode, blob, _ = self.tree[top]
            return {} if mode in (SYMLINK, GITLINK) else {top: self._read_blob(blob)}
        below = _below(self.tree, top)
        if not below:
            return None
        return {
            path: self._read_blob(self.tree[path][1])
            for path in below
            if path.endswith(suffix) and self.tree[path][0] not in (SYMLINK, GITLINK)
        }


SYMLINK = "120000"
"""The tree mode of a symbolic link (its blob is the link text)."""

GITLINK = "160000"
"""The tree mode of a submodule: a commit of another repository, not a blob of this one."""

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


def tracked_files(folder: Path) -> list[str]:
    """The files under ``folder`` that git tracks, as paths from the top of the git
    repository; none when git is not installed or ``folder`` is in no work tree. One
    ``git ls-files`` (a few milliseconds, no GitPython): the caches ask it on every run.
    GitError when git is there but cannot answer (a damaged index, a repository git
    refuses to read)."""
    import subprocess

    try:
        done = subprocess.run(
            ["git", "--literal-pathspecs", "ls-files", "-z", "--full-name", "--", folder.name],
            cwd=folder.parent,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env={**os.environ, "LC_ALL": "C"},
            timeout=60,
            check=False,
        )
    except FileNotFoundError:
        return []
    except (OSError, subprocess.SubprocessError) as error:
        raise GitError(f"git failed while listing the tracked files of {folder}: {error}") from None
    if done.returncode == 0:
        return [p for p in done.stdout.decode("utf-8", "replace").split("\0") if p]
    said = done.stderr.decode("utf-8", "replace").strip()
    if "not a git repository" in said or "must be run in a work tree" in said:
        return []
    first = said.splitlines()[0] if said else f"exit status {done.returncode}"
    raise GitError(
        f"git failed while listing the tracked files of {folder}: {first}",
        hint="check that the repository is intact ('git fsck')",
    )


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
    notes: tuple[str, ...] = ()

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
