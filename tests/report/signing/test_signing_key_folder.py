"""The development key folder is the tool's own: a link in it (the folder, the key, the
certificate, the git-ignore file) or a file in it that git tracks is refused before
anything is written, and a new key is a private regular file created without following
links. A committed link would otherwise send the private key wherever it points."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest
from support.cli import TOOL, process_env, run_tool
from support.git import commit_all, git
from support.repos import AS_OF_TEXT, write_minirepo

from compliance_tool.errors import EXIT_USAGE, SigningError
from compliance_tool.report.signing_config import SigningConfig
from compliance_tool.report.signing_keys import load_signer

VICTIM = b"# an important file the report must never overwrite\n"


@pytest.fixture
def victim(tmp_path: Path) -> Path:
    """A file outside the repository, readable by all, that a link points at."""
    path = tmp_path / "outside" / "victim.txt"
    path.parent.mkdir()
    path.write_bytes(VICTIM)
    path.chmod(0o644)
    return path


def _untouched(path: Path) -> None:
    assert path.read_bytes() == VICTIM
    assert stat.S_IMODE(path.stat().st_mode) == 0o644


def _no_private_key_under(folder: Path) -> None:
    for path in folder.rglob("*"):
        if path.is_file() and not path.is_symlink():
            assert b"PRIVATE KEY" not in path.read_bytes(), path


@pytest.mark.parametrize("name", ["development-key.pem", "development-cert.pem", ".gitignore"])
def test_a_linked_file_in_the_key_folder_is_refused(
    signing_root: Path, victim: Path, name: str
) -> None:
    folder = signing_root / ".compliance-keys"
    folder.mkdir()
    (folder / name).symlink_to(victim)
    with pytest.raises(SigningError) as raised:
        load_signer(SigningConfig(), signing_root)
    error = raised.value
    assert error.message == (
        f"the development key file {folder / name} is a symbolic link (to {victim}); "
        "the development key is never read or written through a link"
    )
    assert error.hint.startswith(f"remove the link ('rm {folder / name}')")
    _untouched(victim)
    assert sorted(p.name for p in folder.iterdir()) == [name]


def test_a_dangling_link_at_the_key_creates_nothing_where_it_points(
    signing_root: Path, tmp_path: Path
) -> None:
    folder = signing_root / ".compliance-keys"
    folder.mkdir()
    planted = signing_root / "inventory" / "key.pem"  # would be staged by 'git add -A'
    planted.parent.mkdir()
    (folder / "development-key.pem").symlink_to(planted)
    with pytest.raises(SigningError, match="is a symbolic link"):
        load_signer(SigningConfig(), signing_root)
    assert not planted.exists()
    assert list(planted.parent.iterdir()) == []


def test_a_linked_key_folder_is_refused(signing_root: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    folder = signing_root / ".compliance-keys"
    folder.symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(SigningError) as raised:
        load_signer(SigningConfig(), signing_root)
    assert raised.value.message.startswith(
        f"the development key folder {folder} is a symbolic link (to {elsewhere})"
    )
    assert list(elsewhere.iterdir()) == []
    assert folder.is_symlink()


def test_a_key_folder_that_is_a_file_is_refused(signing_root: Path) -> None:
    folder = signing_root / ".compliance-keys"
    folder.write_text("not a folder\n", encoding="utf-8")
    with pytest.raises(SigningError, match=r"development key folder .* is not a folder"):
        load_signer(SigningConfig(), signing_root)
    assert folder.read_text(encoding="utf-8") == "not a folder\n"


def test_a_key_folder_tracked_by_git_is_refused(signing_root: Path, git_env: None) -> None:
    load_signer(SigningConfig(), signing_root)  # a key made here, then committed by mistake
    folder = signing_root / ".compliance-keys"
    key = (folder / "development-key.pem").read_bytes()
    git(signing_root, "init", "-q")
    git(signing_root, "add", "-f", ".compliance-keys/development-key.pem")
    git(signing_root, "commit", "-q", "--no-gpg-sign", "-m", "oops")
    with pytest.raises(SigningError) as raised:
        load_signer(SigningConfig(), signing_root)
    error = raised.value
    assert error.message == (
        f".compliance-keys/ in {signing_root} is tracked by git "
        "(.compliance-keys/development-key.pem); a key in the repository is known to everyone "
        "who can clone it, so it is not used"
    )
    assert error.hint.startswith("run 'git rm -r --cached .compliance-keys' and commit")
    assert (folder / "development-key.pem").read_bytes() == key

    git(signing_root, "rm", "-r", "-q", "--cached", ".compliance-keys")  # the fix it names
    assert load_signer(SigningConfig(), signing_root).development


def test_a_tracked_key_folder_in_a_subfolder_of_the_repository(
    tmp_path: Path, git_env: None
) -> None:
    root = tmp_path / "repo" / "governance"
    (root / ".compliance-keys").mkdir(parents=True)
    (root / ".compliance-keys" / "development-cert.pem").write_bytes(b"planted\n")
    git(tmp_path / "repo", "init", "-q")
    commit_all(tmp_path / "repo", "planted")
    with pytest.raises(SigningError, match=r"governance/\.compliance-keys/development-cert"):
        load_signer(SigningConfig(), root)


def test_a_fresh_development_key_is_a_private_regular_file(signing_root: Path) -> None:
    previous = os.umask(0)  # the key's mode comes from its creation, not from the umask
    try:
        load_signer(SigningConfig(), signing_root)
    finally:
        os.umask(previous)
    folder = signing_root / ".compliance-keys"
    key = (folder / "development-key.pem").lstat()
    assert stat.S_ISREG(key.st_mode) and stat.S_IMODE(key.st_mode) == 0o600
    for name in ("development-cert.pem", ".gitignore"):
        info = (folder / name).lstat()
        assert stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o644
    assert stat.S_IMODE(folder.lstat().st_mode) == 0o700
    assert sorted(p.name for p in folder.iterdir()) == [
        ".gitignore",
        "development-cert.pem",
        "development-key.pem",
    ]


def _report_args(root: Path, pdf: Path) -> list[str]:
    return ["--repo", str(root), "report", "--as-of", AS_OF_TEXT, "--output", str(pdf)]


def test_a_named_pipe_at_the_key_is_refused_without_hanging(tmp_path: Path) -> None:
    root = write_minirepo(tmp_path / "repo")
    folder = root / ".compliance-keys"
    folder.mkdir()
    os.mkfifo(folder / "development-key.pem")
    done = subprocess.run(
        [str(TOOL), *_report_args(root, tmp_path / "out" / "report.pdf")],
        env=process_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == EXIT_USAGE, done.stderr
    assert done.stderr.startswith(
        f"error: the development key file {folder / 'development-key.pem'} is not a regular file"
    )
    assert stat.S_ISFIFO((folder / "development-key.pem").lstat().st_mode)
    assert not (tmp_path / "out").exists()


def test_report_refuses_a_committed_link_and_writes_nothing(tmp_path: Path, victim: Path) -> None:
    """The probe of the issue: a pull request commits the key as a link; CI's report must
    neither write the key through it nor leave any file behind."""
    root = write_minirepo(tmp_path / "repo")
    env = process_env(tmp_path / "home")
    (root / ".compliance-keys").mkdir()
    (root / ".compliance-keys" / "development-key.pem").symlink_to(victim)
    git(root, "init", "-q", env=env)
    commit_all(root, "a link where the key goes", env)
    out = tmp_path / "out"
    done = run_tool(env, *_report_args(root, out / "report.pdf"))
    assert done.returncode == EXIT_USAGE, done.stderr
    assert done.stderr.splitlines() == [
        f"error: .compliance-keys/ in {root} is tracked by git "
        "(.compliance-keys/development-key.pem); a key in the repository is known to everyone "
        "who can clone it, so it is not used (run 'git rm -r --cached .compliance-keys' and "
        "commit, then delete the folder so that a new key is created, or configure a key with "
        "COMPLIANCE_TOOL_SIGNING_KEY)"
    ]
    _untouched(victim)
    assert not out.exists() and not (root / "reports").exists()
    assert sorted(p.name for p in (root / ".compliance-keys").iterdir()) == ["development-key.pem"]
    _no_private_key_under(tmp_path)
