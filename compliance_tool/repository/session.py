"""Factories that wire a source, the schemas and the cache into an :class:`Inventory`."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from compliance_tool.errors import GitError
from compliance_tool.repository.cache import CACHE_DIR, distrust, take_warnings, warn
from compliance_tool.repository.loader import Inventory, ParseCache
from compliance_tool.repository.schemas import SCHEMA_FOLDER, SchemaSet
from compliance_tool.repository.sources import (
    GitSource,
    Source,
    WorktreeSource,
    find_root,
    git_failure,
    open_repo,
    repo_prefix,
    resolve_commit,
)
from compliance_tool.repository.starter import PackagedPolicies

if TYPE_CHECKING:
    import git


@dataclass(frozen=True, slots=True)
class Where:
    """Which repository and which snapshot of it a command reads."""

    root: Path
    ref: str | None = None
    use_cache: bool = True


def locate(repo: Path | None) -> Path:
    """The governance repository root: ``--repo`` or the one holding the current folder."""
    return find_root(repo if repo is not None else Path.cwd())


@dataclass(frozen=True, slots=True)
class GitPlace:
    """Where a governance root sits in the git repository that holds it: what code hosts
    (CODEOWNERS, code scanning, annotations) take paths to be relative to."""

    top: Path
    """The top folder of the git work tree; the governance root when it is in none."""
    prefix: str
    """The governance root's path from ``top``: ``""`` or ``"sub/"``."""
    in_git: bool


def git_place(root: Path) -> GitPlace:
    """Where ``root`` sits in its git work tree. Outside one (no git installed, not yet
    ``git init``-ed) the root itself stands for the top. One ``git rev-parse``, no GitPython.
    GitError when git is there but cannot answer."""
    import subprocess

    root = root.resolve()
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--show-toplevel", "--show-prefix"],
            cwd=root,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            env={**os.environ, "LC_ALL": "C"},
            timeout=60,
            check=False,
        )
    except FileNotFoundError:
        return GitPlace(root, "", in_git=False)
    except (OSError, subprocess.SubprocessError) as error:
        raise GitError(f"git failed while locating the repository of {root}: {error}") from None
    said = done.stderr.decode("utf-8", "replace").strip()
    if done.returncode != 0:
        if "not a git repository" in said or "must be run in a work tree" in said:
            return GitPlace(root, "", in_git=False)
        first = said.splitlines()[0] if said else f"exit status {done.returncode}"
        raise GitError(
            f"git failed while locating the repository of {root}: {first}",
            hint="check that the repository is intact ('git fsck')",
        )
    top, _, prefix = done.stdout.decode("utf-8", "replace").partition("\n")
    return GitPlace(Path(top), prefix.strip("\n"), in_git=True)


def git_prefix(source: Source) -> str:
    """Where the root of ``source`` sits in its git repository (``""`` or ``"sub/"``):
    known at a commit, asked of git in the working tree, none for files in memory. A
    source that wraps another (its ``base``) sits where that one does."""
    while getattr(source, "base", None) is not None:
        source = source.base  # type: ignore[attr-defined]
    if isinstance(source, GitSource):
        return repo_prefix(source.repo, source.root)
    if isinstance(source, WorktreeSource):
        return git_place(source.root).prefix
    return ""


def open_source(where: Where) -> PackagedPolicies:
    """The snapshot ``where`` names, with the packaged starter catalogue in place of
    ``policies/`` when the snapshot has no policy file of its own."""
    base: Source
    if where.ref is None:
        base = WorktreeSource(where.root.resolve())
    else:
        base = GitSource.open(where.root.resolve(), where.ref)
    return PackagedPolicies(base)


def repository_schemas(source: Source) -> SchemaSet:
    """The schemas of the snapshot ``source``: its own ``schemas/<kind>.schema.json``
    where it has one, the packaged one of the kind otherwise."""
    return SchemaSet(source.documents(SCHEMA_FOLDER, ".schema.json"))


def cache_folder(where: Where) -> Path | None:
    """The repository's cache folder, or None when caching is disabled (``--no-cache`` or
    ``COMPLIANCE_TOOL_NO_CACHE``) or the folder is not the tool's own (git tracks a file
    in it, it is a link or another user's: see :func:`~compliance_tool.repository.cache.distrust`;
    asked once per command, and said once as a warning)."""
    if not where.use_cache or os.environ.get("COMPLIANCE_TOOL_NO_CACHE"):
        return None
    folder = where.root / CACHE_DIR
    if folder not in _TRUSTED:
        warning = distrust(folder)
        if warning is not None:
            warn(warning)
        _TRUSTED[folder] = warning is None
    return folder if _TRUSTED[folder] else None


_TRUSTED: dict[Path, bool] = {}
"""Whether each cache folder asked about during this command is the tool's own."""


def cache_warnings() -> list[str]:
    """What the caches of this command warn about (each once), to be shown on stderr; the
    next command asks again, since a folder's files may have changed in between."""
    _TRUSTED.clear()
    return take_warnings()


def open_inventory(where: Where, schemas: SchemaSet | None = None) -> Inventory:
    """The inventory at ``where``, with the on-disk parse cache unless disabled, read
    with the repository's schemas and policies where it has them (see
    :mod:`~compliance_tool.repository.starter`)."""
    source = open_source(where)
    schemas = schemas or repository_schemas(source)
    folder = cache_folder(where)
    cache = ParseCache(folder, schemas.digest) if folder is not None else None
    return Inventory(source, schemas, cache)


def origins(inventory: Inventory) -> str:
    """Whose schemas and policies ``inventory`` was read with, in words."""
    return f"schemas: {inventory.schemas.origin}; policies: {_policies_origin(inventory)}"


def usual_origins(inventory: Inventory) -> bool:
    """Whether ``inventory`` was read as most repositories are: with the packaged schemas
    and its own policies (a failed validation then has nothing to add about them)."""
    own_policies = _policies_origin(inventory) == "this repository"
    return own_policies and not inventory.schemas.own_kinds


def _policies_origin(inventory: Inventory) -> str:
    source = inventory.source
    return source.policies_origin if isinstance(source, PackagedPolicies) else "this repository"


def git_changes(root: Path, base: str, head: str | None) -> tuple[set[str], set[str]]:
    """Governance paths (repository-relative to ``root``) added or modified, and removed,
    between ``base`` and ``head`` (None: the working tree, untracked files included)."""
    import git

    repo = open_repo(root)
    prefix = repo_prefix(repo, root)
    tops = (f"{prefix}inventory", f"{prefix}policies")
    args = ["--name-status", "-z", "--no-renames", resolve_commit(repo, base)]
    if head is not None:
        args.append(resolve_commit(repo, head))
    try:
        raw = repo.git.diff(*args, "--", *tops).split("\0")
        untracked = (
            repo.git.ls_files("--others", "--exclude-standard", "-z", "--", *tops)
            if head is None
            else ""
        )
    except git.GitCommandError as error:
        raise git_failure(error, f"listing the changes since {base}") from None
    changed: set[str] = set()
    removed: set[str] = set()
    for status, path in zip(raw[0::2], raw[1::2], strict=False):
        if path:
            (removed if status.startswith("D") else changed).add(path[len(prefix) :])
    changed.update(p[len(prefix) :] for p in untracked.split("\0") if p)
    return changed, removed


def changed_between(root: Path, base: str, head: str | None) -> set[str]:
    """Every governance path that differs between two snapshots."""
    changed, removed = git_changes(root, base, head)
    return changed | removed


def changed_paths(where: Where, since: str) -> set[str]:
    """Governance files added or modified since ``since`` (working tree or ``where.ref``),
    plus the files that mention the id of any file deleted or renamed since then."""
    changed, removed = git_changes(where.root, since, where.ref)
    repo = open_repo(where.root)
    prefix = repo_prefix(repo, where.root)
    for path in sorted(removed):
        stem = path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        for hit in _files_naming(repo, stem, where.ref, prefix):
            changed.add(hit[len(prefix) :])
    return changed


def _files_naming(repo: git.Repo, word: str, ref: str | None, prefix: str) -> list[str]:
    """The governance files (git paths) that contain ``word`` as a whole word, in the
    working tree or at ``ref``; none when nothing matches."""
    import git

    args = ["-l", "-z", "-w", "-F", "-e", word]
    if ref is not None:
        args.append(resolve_commit(repo, ref))
    args += ["--", f"{prefix}inventory", f"{prefix}policies"]
    try:
        hits = repo.git.grep(*args)
    except git.GitCommandError as error:
        if error.status == 1 and not str(error.stderr).strip():
            return []  # git grep's answer for "no line matches"; with a message, it failed
        raise git_failure(error, f"looking for the files that name '{word}'") from None
    # at a commit git grep prefixes each path with "<commit>:"
    return [hit.split(":", 1)[-1] if ref is not None else hit for hit in hits.split("\0") if hit]


def default_ref(root: Path) -> str | None:
    """HEAD when the repository is in git and has commits; the working tree otherwise."""
    import git

    try:
        repo = git.Repo(root, search_parent_directories=True)
        repo.head.commit  # noqa: B018 - raises when there is no commit yet
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, ValueError):
        return None
    return "HEAD"
