"""Files that belong together are written together: when one of them cannot be written,
none of the new files is left behind, nor any temporary file."""

from __future__ import annotations

from pathlib import Path

import pytest

from compliance_tool.errors import ReportError
from compliance_tool.repository.writing import write_output, write_outputs


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
