"""The pre-commit framework in tests: this project as a hook repository, a scratch
governance repository to commit in, and runs of ``pre-commit`` in it.

The hook repository is a git repository of this project's working tree as it is (tracked
and untracked files, not the ignored ones), committed once per test session. pre-commit
installs it (``language: python``) the way it installs any hook repository: a virtual
environment and ``pip install .``, no editable install. ``try-repo`` does so in a store of
its own every time; a configuration naming the repository at a ``rev`` uses the store in
``PRE_COMMIT_HOME``, a folder of the session, and so installs once per session.

What pip installs comes from a wheelhouse built once per session (:func:`wheelhouse`: the
project's wheel and every dependency, from the package index); each hook environment is
then installed offline from it (``PIP_NO_INDEX``), without the minute or more that a
resolution against the index takes on a busy machine.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from support.git import commit_all, git, identity, isolated_config
from support.reporter_repo import build_repository
from support.repos import AS_OF_TEXT, REPO_ROOT

PRE_COMMIT = Path(sys.executable).with_name("pre-commit")
"""The pre-commit of the test environment (the test extra installs it)."""

TOOLS = Path(sys.executable).parent
"""The folder of the installed compliance-tool, pre-commit, actionlint and shellcheck."""

HOOKS_MANIFEST = REPO_ROOT / ".pre-commit-hooks.yaml"
TEMPLATES = REPO_ROOT / "compliance_tool" / "init_templates"

AUTHOR = ("Grace Governance", "grace@example.com")


def project_snapshot(target: Path, home: Path) -> str:
    """This project's working tree as a git repository at ``target`` with one commit;
    returns the commit id."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO_ROOT,
        capture_output=True,
        check=True,
    ).stdout.decode("utf-8")
    for relative in filter(None, listed.split("\0")):
        source = REPO_ROOT / relative
        if source.is_file() and not source.is_symlink():  # deleted in the tree: left out
            (target / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / relative)
    env = {**os.environ, **isolated_config(home), **identity(AUTHOR, when="2026-11-26T12:00")}
    git(target, "init", "-q", env=env)
    return commit_all(target, "compliance-tool as a hook repository", env)


def wheelhouse(target: Path, project: Path) -> Path:
    """Wheels of ``project`` and of everything it needs to install and to build (the
    setuptools and wheel its pyproject.toml names), in ``target``."""
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--quiet", "--disable-pip-version-check",
         "--wheel-dir", str(target), str(project), "setuptools>=77", "wheel"],
        check=True,
        capture_output=True,
        timeout=900,
    )  # fmt: skip
    return target


def governance_repo(root: Path, home: Path) -> Path:
    """The reporter tests' repository (:mod:`support.reporter_repo`) as a git repository
    with one commit: failures of EXT-01 (high) for cvendor, ONC-01 (medium) for ml-oncall
    and DAT-04 (low) for events-raw, and a waived one for m1, at 2026-11-26."""
    build_repository(root)
    (root / ".gitignore").write_text(".compliance-cache/\n.compliance-keys/\n", encoding="utf-8")
    env = hook_env(home)
    git(root, "init", "-q", env=env)
    commit_all(root, "governance repository", env)
    return root


def with_accounts(root: Path, env: dict[str, str]) -> None:
    """Give every person and team of the repository at ``root`` a GitHub handle, write
    .github/CODEOWNERS with ``compliance-tool codeowners`` and commit both, so that
    ``codeowners --check`` passes until an owner changes."""
    for path in sorted((root / "inventory" / "people").glob("*.yaml")):
        handle = f"@{path.stem}"
        path.write_text(path.read_text("utf-8") + f'accounts: {{github: "{handle}"}}\n', "utf-8")
    for path in sorted((root / "inventory" / "teams").glob("*.yaml")):
        handle = f"@example-bank/{path.stem}"
        path.write_text(path.read_text("utf-8") + f'accounts: {{github: "{handle}"}}\n', "utf-8")
    written = subprocess.run(
        [str(TOOLS / "compliance-tool"), "codeowners"],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        check=False,
        timeout=300,
    )
    assert written.returncode == 0, written.stderr
    commit_all(root, "accounts and CODEOWNERS", env)


def hook_env(
    home: Path,
    pre_commit_home: Path | None = None,
    *,
    own_code: bool = True,
    wheels: Path | None = None,
) -> dict[str, str]:
    """The environment of git and pre-commit in a test: no outside setting of the tool,
    a git configuration and identity of its own, the test environment's tools first on
    PATH, rules evaluated at 2026-11-26. Without ``own_code`` PYTHONPATH is dropped, so that
    a hook environment runs the code installed in it, not this checkout's; with ``wheels``
    pip installs from that wheelhouse only."""
    env = {
        name: value
        for name, value in os.environ.items()
        if not name.startswith(("COMPLIANCE_TOOL_", "PRE_COMMIT", "GIT_"))
        and name not in ("GITHUB_ACTIONS", "NO_COLOR")
    }
    if not own_code:
        env.pop("PYTHONPATH", None)
    env.update(isolated_config(home))
    env.update(identity(AUTHOR))
    env["PATH"] = f"{TOOLS}{os.pathsep}{env.get('PATH', '')}"
    env["NO_COLOR"] = "1"
    env["COMPLIANCE_TOOL_CHECK_AS_OF"] = AS_OF_TEXT
    env["XDG_CACHE_HOME"] = str(home / "cache")
    if pre_commit_home is not None:
        env["PRE_COMMIT_HOME"] = str(pre_commit_home)
    if wheels is not None:
        env.update(PIP_NO_INDEX="1", PIP_FIND_LINKS=str(wheels), PIP_NO_COMPILE="1")
    return env


def pre_commit(
    root: Path, env: dict[str, str], *args: str | Path
) -> subprocess.CompletedProcess[str]:
    """``pre-commit ARGS...`` in ``root``; stdout and stderr together in ``stdout``."""
    return subprocess.run(
        [str(PRE_COMMIT), *(str(a) for a in args)],
        cwd=root,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        check=False,
        timeout=900,
    )


def stage(root: Path, relative: str, old: str, new: str, env: dict[str, str]) -> None:
    """Replace the one ``old`` of a file by ``new`` and stage the file."""
    path = root / relative
    text = path.read_text(encoding="utf-8")
    assert text.count(old) == 1, f"{old!r} is not once in {relative}"
    path.write_text(text.replace(old, new), encoding="utf-8")
    git(root, "add", relative, env=env)
