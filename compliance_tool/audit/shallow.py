"""Shallow clones: where their history is cut, said wherever history matters.

A ``git clone --depth N`` (what CI checks out by default) holds the last N commits; its
oldest commits have their parents cut off, so git shows them as adding every file. The
audit answers (history, trend, diff, the report's history section) detect such a
repository and say where its history starts instead of presenting the cut as the past.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from compliance_tool.errors import GitError
from compliance_tool.repository.sources import open_repo, resolve_commit

if TYPE_CHECKING:
    import git

UNSHALLOW = "git fetch --unshallow"
"""The command that fetches the history a shallow clone lacks."""
CI_HINT = f"run '{UNSHALLOW}'; in CI, check out the full history, e.g. with fetch-depth: 0"


@dataclass(frozen=True, slots=True)
class ShallowBoundary:
    """Where a shallow clone's history is cut."""

    commits: frozenset[str]
    """The commits whose parents the clone does not hold (git's ``shallow`` file)."""
    start_commit: str
    """The oldest commit of the first-parent history of the revision asked about."""
    start: dt.date
    """Its committer date (UTC): the history starts there."""

    @property
    def sentence(self) -> str:
        """Where the history starts, in words: "this is a shallow clone: its history
        starts at commit 0123456789ab of 2026-11-20"."""
        return (
            f"this is a shallow clone: its history starts at commit {self.start_commit[:12]} "
            f"of {self.start.isoformat()}"
        )


def is_shallow(repo: git.Repo) -> bool:
    """Whether ``repo`` is a shallow clone (``git rev-parse --is-shallow-repository``)."""
    import git

    try:
        return str(repo.git.rev_parse("--is-shallow-repository")).strip() == "true"
    except git.GitCommandError:  # a git too old for the option: read the file it names
        return (Path(repo.common_dir) / "shallow").is_file()


def shallow_boundary(repo: git.Repo, ref: str = "HEAD") -> ShallowBoundary | None:
    """Where the history of ``ref`` is cut in a shallow clone; None in a full one (or when
    ``ref`` names no commit: the caller's own reading of it says so)."""
    import git

    if not is_shallow(repo):
        return None
    try:
        listed = (Path(repo.common_dir) / "shallow").read_text(encoding="ascii").split()
    except (OSError, UnicodeDecodeError):
        listed = []
    try:
        # a cut commit has no parent in the clone: the first-parent walk ends at one
        roots = str(
            repo.git.log("--first-parent", "--max-parents=0", "--format=%H %ct", ref, "--")
        ).split()
    except git.GitCommandError:
        return None
    if len(roots) < 2:
        return None
    commit, seconds = roots[-2], int(roots[-1])
    start = dt.datetime.fromtimestamp(seconds, dt.UTC).date()
    return ShallowBoundary(frozenset(listed), commit, start)


def require_commit(root: Path, ref: str) -> None:
    """Fail with a :class:`GitError` that names ``git fetch --unshallow`` when ``ref``
    names no commit of a shallow clone (e.g. a base older than the clone's depth); do
    nothing otherwise (a full repository's own error says what is wrong)."""
    repo = open_repo(root)
    try:
        resolve_commit(repo, ref)
    except GitError:
        boundary = shallow_boundary(repo)
        if boundary is None:
            return
        raise GitError(
            f"revision '{ref}' is not available: {boundary.sentence}, and older commits "
            "were not fetched",
            hint=CI_HINT,
        ) from None
