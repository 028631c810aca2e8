"""Git for the tests: running it, committing everything, a configuration and identity of
their own, and scripted histories in which every commit has its own author and explicit
author and committer dates, so that `history`, `trend` and `diff` see a known past.

A scripted history starts as the minimal repository (:mod:`support.repos`); the tests then
edit, move and delete its files and commit each step with :meth:`Script.commit`.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Mapping
from pathlib import Path

from support.repos import edit, write_minirepo

ALICE = ("Alice Adams", "alice@example.com")
BOB = ("Bob Brown", "bob@example.com")


def git(root: Path, *args: str, env: Mapping[str, str] | None = None) -> str:
    """Run git in ``root`` (in ``env``, or this process's environment) and return its
    output; fail the test, with git's message, when git fails."""
    done = subprocess.run(
        ["git", *args], cwd=root, env=env, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, f"git {' '.join(args)} failed:\n{done.stderr}"
    return done.stdout


def commit_all(
    root: Path,
    message: str,
    env: Mapping[str, str] | None = None,
    signing_key: Path | None = None,
) -> str:
    """Stage everything in ``root`` and commit it, signed with the SSH key ``signing_key``
    if given; return the commit id."""
    git(root, "add", "-A", env=env)
    if signing_key is None:
        git(root, "commit", "-q", "--no-gpg-sign", "-m", message, env=env)
    else:
        ssh = ["-c", "gpg.format=ssh", "-c", f"user.signingkey={signing_key}"]
        git(root, *ssh, "commit", "-q", "-S", "-m", message, env=env)
    return git(root, "rev-parse", "HEAD", env=env).strip()


def isolated_config(home: Path) -> dict[str, str]:
    """Variables that give git a configuration of its own under ``home`` (default branch
    main) and no user or system configuration."""
    home.mkdir(parents=True, exist_ok=True)
    config = home / "gitconfig"
    config.write_text("[init]\n\tdefaultBranch = main\n", encoding="utf-8")
    return {"GIT_CONFIG_GLOBAL": str(config), "GIT_CONFIG_NOSYSTEM": "1"}


def identity(
    author: tuple[str, str], committer: tuple[str, str] | None = None, when: str | None = None
) -> dict[str, str]:
    """Variables naming the author and committer (the author unless given) of the next
    commits, and their date (ISO 8601) if ``when`` is given."""
    committer = committer or author
    env = {
        "GIT_AUTHOR_NAME": author[0],
        "GIT_AUTHOR_EMAIL": author[1],
        "GIT_COMMITTER_NAME": committer[0],
        "GIT_COMMITTER_EMAIL": committer[1],
    }
    if when is not None:
        env.update(GIT_AUTHOR_DATE=when, GIT_COMMITTER_DATE=when)
    return env


class Script:
    """A git repository in a temporary folder, changed and committed step by step."""

    def __init__(self, root: Path) -> None:
        self.root = root

    @classmethod
    def minimal(cls, root: Path) -> Script:
        """The minimal repository, as a git repository with no commit yet."""
        write_minirepo(root)
        script = cls(root)
        script.git("init", "-q")
        return script

    def git(self, *args: str) -> str:
        return git(self.root, *args)

    def write(self, relative: str, text: str) -> None:
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def read(self, relative: str) -> str:
        return (self.root / relative).read_text(encoding="utf-8")

    def edit(self, relative: str, old: str, new: str) -> None:
        """Replace the one occurrence of ``old`` in a file by ``new``."""
        edit(self.root / relative, old, new)

    def move(self, old: str, new: str) -> None:
        (self.root / new).parent.mkdir(parents=True, exist_ok=True)
        self.git("mv", old, new)

    def remove(self, relative: str) -> None:
        self.git("rm", "-q", relative)

    def commit(
        self,
        message: str,
        when: str,
        author: tuple[str, str] = ALICE,
        signing_key: Path | None = None,
    ) -> str:
        """Commit everything as ``author`` at ``when`` (ISO 8601, author and committer
        date); sign it with the SSH key ``signing_key`` if given. Returns the commit id."""
        env = {**os.environ, **identity(author, when=when)}
        return commit_all(self.root, message, env, signing_key)
