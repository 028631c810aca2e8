"""Scripted git histories for the audit-trail tests: every commit has its own author and
explicit author and committer dates, so `history`, `trend` and `diff` see a known past.

The repository starts as tests/minirepo.py's minimal repository; the tests then edit,
move and delete its files and commit each step with :meth:`Script.commit`.
"""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from support.repos import write_minirepo

ALICE = ("Alice Adams", "alice@example.com")
BOB = ("Bob Brown", "bob@example.com")


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

    def git(self, *args: str, env: dict[str, str] | None = None) -> str:
        done = subprocess.run(
            ["git", *args],
            cwd=self.root,
            env={**os.environ, **(env or {})},
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"git {' '.join(args)} failed:\n{done.stderr}"
        return done.stdout

    def write(self, relative: str, text: str) -> None:
        target = self.root / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")

    def read(self, relative: str) -> str:
        return (self.root / relative).read_text(encoding="utf-8")

    def edit(self, relative: str, old: str, new: str) -> None:
        """Replace the one occurrence of ``old`` in a file by ``new``."""
        text = self.read(relative)
        assert text.count(old) == 1, f"{old!r} occurs {text.count(old)} times in {relative}"
        self.write(relative, text.replace(old, new))

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
        env = {
            "GIT_AUTHOR_NAME": author[0],
            "GIT_AUTHOR_EMAIL": author[1],
            "GIT_COMMITTER_NAME": author[0],
            "GIT_COMMITTER_EMAIL": author[1],
            "GIT_AUTHOR_DATE": when,
            "GIT_COMMITTER_DATE": when,
        }
        self.git("add", "-A")
        if signing_key is None:
            self.git("commit", "-q", "--no-gpg-sign", "-m", message, env=env)
        else:
            self.git(
                "-c",
                "gpg.format=ssh",
                "-c",
                f"user.signingkey={signing_key}",
                "commit",
                "-q",
                "-S",
                "-m",
                message,
                env=env,
            )
        return self.git("rev-parse", "HEAD").strip()
