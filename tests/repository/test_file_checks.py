"""Every file and git object is checked before it is read: its type and size come from
the listing (``lstat`` in the working tree) or from git (``cat-file --batch-check``),
so a named pipe, a device or a file above the limit is refused unread; a submodule is
left out with a note; no linked file may be inside ``.git/``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from support.git import commit_all, git
from support.repos import development_model

from compliance_tool.repository.loader import Inventory
from compliance_tool.repository.schemas import SchemaSet
from compliance_tool.repository.sources import GitSource, Source, WorktreeSource
from compliance_tool.repository.yamlio import MAX_FILE_BYTES

MODELS = "inventory/models"


def _problems(source: Source, path: str) -> list[tuple[int, int, str, str]]:
    loaded = Inventory(source, SchemaSet()).load(path)
    return [(p.line, p.column, p.code, p.message) for p in loaded.problems]


def test_the_listing_says_type_and_size(minirepo: Path) -> None:
    os.mkfifo(minirepo / MODELS / "pipe.yaml")
    (minirepo / MODELS / "link.yaml").symlink_to("m1.yaml")
    entries = WorktreeSource(minirepo.resolve()).entries()
    model = entries[f"{MODELS}/m1.yaml"]
    assert model.size == (minirepo / MODELS / "m1.yaml").stat().st_size
    assert model.special is None and model.link is None
    assert entries[f"{MODELS}/pipe.yaml"].special == "a named pipe"
    assert entries[f"{MODELS}/link.yaml"].link == "m1.yaml"
    assert entries[f"{MODELS}/link.yaml"].size is None  # the target is checked when read


def test_a_file_swapped_for_a_pipe_after_listing_does_not_block(minirepo: Path) -> None:
    """Listed as a regular file, then replaced by a named pipe nobody writes to: the read
    opens it without blocking. Run in its own process: a blocking open would hang."""
    script = f"""
import os
from pathlib import Path
from compliance_tool.repository.sources import WorktreeSource
source = WorktreeSource(Path({str(minirepo.resolve())!r}))
entry = source.entries()["{MODELS}/m1.yaml"]
os.unlink(source.root / entry.path)
os.mkfifo(source.root / entry.path)
print(repr(source.read(entry)))
"""
    done = subprocess.run(  # not run in this project's folder: the package as installed
        [sys.executable, "-c", script],
        cwd=minirepo.parent,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "b''\n"  # no writer: an empty file, which validation reports


def test_a_symlink_to_a_file_above_the_limit_is_refused(minirepo: Path) -> None:
    big = minirepo / "runbooks" / "big.yaml"
    big.touch()
    os.truncate(big, MAX_FILE_BYTES + 1)
    (minirepo / MODELS / "big.yaml").symlink_to("../../runbooks/big.yaml")
    assert _problems(WorktreeSource(minirepo.resolve()), f"{MODELS}/big.yaml") == [
        (1, 1, "too-large", "file is 1,048,577 bytes, above the 1,048,576-byte limit")
    ]


def test_a_blob_above_the_limit_is_refused_by_its_size_unread(gitrepo: Path) -> None:
    """The blob's loose object is cut after its first 64 bytes: git still knows its size
    from the header, but its content can no longer be read. The finding comes from the
    size alone, so the content was never asked for."""
    big = gitrepo / MODELS / "big.yaml"
    big.write_bytes(b"# " + b"x" * (2 * MAX_FILE_BYTES) + b"\n")
    commit_all(gitrepo, "a big file")
    blob = git(gitrepo, "rev-parse", f"HEAD:{MODELS}/big.yaml").strip()
    loose = gitrepo / ".git" / "objects" / blob[:2] / blob[2:]
    loose.chmod(0o644)
    os.truncate(loose, 64)
    assert git(gitrepo, "cat-file", "-s", blob) == "2097155\n"
    source = GitSource.open(gitrepo.resolve(), "HEAD")
    expected = [(1, 1, "too-large", "file is 2,097,155 bytes, above the 1,048,576-byte limit")]
    assert _problems(source, f"{MODELS}/big.yaml") == expected


@pytest.fixture
def submodule(gitrepo: Path, tmp_path: Path) -> Path:
    """A submodule at inventory/models/vendored.yaml holding a model file of its own."""
    other = tmp_path / "vendor"
    other.mkdir()
    git(other, "init", "-q")
    (other / "m9.yaml").write_text(development_model("m9", "Vendored"), encoding="utf-8")
    commit_all(other, "vendored")
    git(
        gitrepo,
        *("-c", "protocol.file.allow=always", "submodule", "add", "-q"),
        *(str(other), f"{MODELS}/vendored.yaml"),
    )
    commit_all(gitrepo, "a submodule")
    return gitrepo


@pytest.mark.parametrize("ref", [None, "HEAD"])
def test_a_submodule_is_left_out_with_a_note(submodule: Path, ref: str | None) -> None:
    root = submodule.resolve()
    source: Source = WorktreeSource(root) if ref is None else GitSource.open(root, ref)
    entries = source.entries()
    assert not [path for path in entries if path.startswith(f"{MODELS}/vendored.yaml")]
    assert f"{MODELS}/m1.yaml" in entries
    assert len(source.notes) == 1
    assert source.notes[0].startswith(f"{MODELS}/vendored.yaml is a git submodule: skipped")
    assert source.file_problem(f"{MODELS}/vendored.yaml") == "is not a regular file"


@pytest.mark.parametrize("ref", [None, "HEAD"])
@pytest.mark.parametrize("path", [".git/config", "runbooks/../.git/HEAD", ".GIT/config"])
def test_no_path_inside_git_is_a_file_of_the_repository(
    gitrepo: Path, ref: str | None, path: str
) -> None:
    root = gitrepo.resolve()
    source: Source = WorktreeSource(root) if ref is None else GitSource.open(root, ref)
    assert source.file_problem(path) == (
        "is inside .git/, which is git's own folder, not a file of the repository"
    )
