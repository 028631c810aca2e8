"""The pages of the signed sample report as pictures (pdftoppm -png -r 50), for a person to
look at; the test only checks that there is a sane number of whole A4 pages."""

from __future__ import annotations

import re
import struct
import subprocess
from pathlib import Path

from support.pdf import Report, poppler


def _png_size(path: Path) -> tuple[int, int]:
    data = path.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR", path
    width, height = struct.unpack(">II", data[16:24])
    return width, height


def test_pages_render_as_pictures(signed_report: Report, tmp_path: Path) -> None:
    info = subprocess.run(
        [poppler("pdfinfo"), str(signed_report.pdf)], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r"^Pages:\s+(\d+)$", info, re.M)
    assert found is not None, info
    pages = int(found.group(1))
    assert 10 <= pages <= 60, f"{pages} pages for 16 models and 47 datasets"
    assert re.search(r"^Page size:\s+595\.\d+ x 841\.\d+ pts \(A4\)$", info, re.M), info

    subprocess.run(
        [poppler("pdftoppm"), "-png", "-r", "50", str(signed_report.pdf), str(tmp_path / "page")],
        check=True,
        capture_output=True,
    )
    pictures = sorted(tmp_path.glob("page-*.png"))
    assert len(pictures) == pages
    for picture in pictures:
        # A4 at 50 dpi: 8.27 x 11.69 inches, give or take a rounded pixel
        width, height = _png_size(picture)
        assert abs(width - 413) <= 1 and abs(height - 585) <= 1, (picture.name, width, height)
        assert picture.stat().st_size > 2000, f"{picture.name} looks blank"
