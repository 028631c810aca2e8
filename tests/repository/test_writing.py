"""Files that belong together are written together: when one of them cannot be written,
none of the new files is left behind, nor any temporary file. No write follows a link:
an output that is a link is replaced by the new file, and the files of a folder the tool
owns are created exclusively, with their mode from the start."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from compliance_tool.errors import ReportError
from compliance_tool.repository.writing import (
    open_own_folder,
    read_in_folder,
    replace_in_folder,
    write_output,
    write_outputs,
)


def test_files_are_written_together(tmp_path: Path) -> None:
    pdf, manifest = tmp_path / "new" / "r.pdf", tmp_path / "new" / "r.manifest.json"
    write_outputs({pdf: b"%PDF-1.7", manifest: b"{}\n"})
    assert pdf.read_bytes() == b"%PDF-1.7" and manifest.read_bytes() == b"{}\n"
    assert sorted(p.name for p in pdf.parent.iterdir()) == ["r.manifest.json", "r.pdf"]


def test_when_the_last_file_fails_the_first_is_removed(tmp_path: Path) -> None:
    pdf, manifest = tmp_path / "r.pdf", tmp_path / "r.manifest.json"
    manifest.mkdir()  # the rename of the manifest fails
    with pytest.raises(ReportError, match=r"cannot write .*r\.manifest\.json: Is a directory"):
        write_outputs({pdf: b"%PDF-1.7", manifest: b"{}\n"}, ReportError)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["r.manifest.json"]


def test_one_file_is_replaced_atomically(tmp_path: Path) -> None:
    target = tmp_path / "findings.json"
    target.write_bytes(b"old")
    write_output(target, b"new")
    assert target.read_bytes() == b"new"
    assert [p.name for p in tmp_path.iterdir()] == ["findings.json"]


def test_an_output_that_is_a_link_is_replaced_not_written_through(tmp_path: Path) -> None:
    """rename(2) replaces a link at the target with the new file; the file the link
    pointed at keeps its bytes and mode."""
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"keep me\n")
    outside.chmod(0o600)
    target = tmp_path / "out" / "findings.json"
    target.parent.mkdir()
    target.symlink_to(outside)
    write_output(target, b"{}\n")
    assert not target.is_symlink() and target.read_bytes() == b"{}\n"
    assert outside.read_bytes() == b"keep me\n"
    assert stat.S_IMODE(outside.stat().st_mode) == 0o600
    assert [p.name for p in target.parent.iterdir()] == ["findings.json"]


def test_a_dangling_link_at_the_output_creates_nothing_where_it_points(tmp_path: Path) -> None:
    nowhere = tmp_path / "elsewhere" / "new.json"
    nowhere.parent.mkdir()
    target = tmp_path / "findings.json"
    target.symlink_to(nowhere)
    write_output(target, b"{}\n")
    assert not target.is_symlink() and target.read_bytes() == b"{}\n"
    assert list(nowhere.parent.iterdir()) == []


def test_a_folder_of_its_own_is_never_a_link(tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (tmp_path / "own").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(OSError) as raised:
        open_own_folder(tmp_path / "own")
    assert raised.value.errno in (errno.ELOOP, errno.ENOTDIR)  # Linux says ENOTDIR
    assert list(elsewhere.iterdir()) == []


def test_a_file_of_its_own_folder_replaces_a_link_and_is_made_with_its_mode(
    tmp_path: Path,
) -> None:
    outside = tmp_path / "outside.txt"
    outside.write_bytes(b"keep me\n")
    folder = tmp_path / "own"
    handle = open_own_folder(folder)
    try:
        (folder / "key.pem").symlink_to(outside)
        previous = os.umask(0)
        try:
            replace_in_folder(handle, "key.pem", b"secret\n", 0o600)
        finally:
            os.umask(previous)
        assert read_in_folder(handle, "key.pem", 100) == b"secret\n"
        assert read_in_folder(handle, "missing.pem", 100) is None
        with pytest.raises(ValueError, match="larger than 3 bytes"):
            read_in_folder(handle, "key.pem", 3)
    finally:
        os.close(handle)
    info = (folder / "key.pem").lstat()
    assert stat.S_ISREG(info.st_mode) and stat.S_IMODE(info.st_mode) == 0o600
    assert outside.read_bytes() == b"keep me\n"
    assert [p.name for p in folder.iterdir()] == ["key.pem"]
    assert stat.S_IMODE(folder.lstat().st_mode) == 0o700


def test_reading_a_file_of_its_own_folder_follows_no_link_and_never_blocks(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "own"
    folder.mkdir()
    (tmp_path / "outside.txt").write_bytes(b"not ours\n")
    (folder / "link.pem").symlink_to(tmp_path / "outside.txt")
    os.mkfifo(folder / "pipe.pem")
    handle = open_own_folder(folder)
    try:
        with pytest.raises(OSError) as raised:
            read_in_folder(handle, "link.pem", 100)
        assert raised.value.errno == errno.ELOOP
        with pytest.raises(ValueError, match="not a regular file"):
            read_in_folder(handle, "pipe.pem", 100)
    finally:
        os.close(handle)
