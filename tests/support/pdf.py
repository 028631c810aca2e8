"""PDFs read back by other programs than the tool: poppler (pdftotext, pdfsig, pdftoppm)
and pypdf; WeasyPrint kept quiet when a test renders in-process; and the incremental
updates with which the tampering tests change a signed PDF."""

from __future__ import annotations

import gc
import io
import re
import shutil
import subprocess
import warnings
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

if TYPE_CHECKING:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

ORGANISATION = "Northmoor Bank"
TITLE = "AI portfolio compliance report"


@contextmanager
def weasyprint_quiet() -> Iterator[None]:
    """WeasyPrint 70 opens its sRGB output-intent profile and never closes it; the
    ResourceWarning would fail an in-process render under filterwarnings=error."""
    with warnings.catch_warnings():
        warnings.filterwarnings(
            "ignore", message=r"unclosed file .*sRGB2014\.icc", category=ResourceWarning
        )
        yield
        gc.collect()


# -- reading the PDF back -------------------------------------------------------------------


def poppler(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} is missing: install poppler-utils (scripts/bootstrap does)")
    return found


def pdftotext(pdf: Path, *options: str) -> str:
    done = subprocess.run(
        [poppler("pdftotext"), *options, str(pdf), "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


def pdfsig(pdf: Path) -> str:
    done = subprocess.run([poppler("pdfsig"), str(pdf)], capture_output=True, text=True)
    return done.stdout + done.stderr


RUNNING_LINE = re.compile(
    rf"^\s*(Commit [0-9a-f]{{12}}\s+)?Page \d+ of \d+\s*$"
    rf"|^\s*{re.escape(ORGANISATION)} · {re.escape(TITLE)}\s+As of \d{{4}}-\d{{2}}-\d{{2}}\s*$",
    re.M,
)


def flat(layout: str) -> str:
    """Layout text as one line: running headers and footers dropped, words broken after a
    hyphen at a line end joined again, every run of white space one space."""
    text = RUNNING_LINE.sub("", layout.replace("\f", "\n"))
    text = re.sub(r"-[ \t]*\n\s*", "-", text)
    return " ".join(text.split())


def attachments(pdf: Path) -> dict[str, bytes]:
    """The embedded files, read by pypdf (not by the tool's own reader)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    found = {}
    for name, contents in reader.attachments.items():
        assert len(contents) == 1, f"{name} is embedded {len(contents)} times"
        found[name] = contents[0]
    return found


def image_count(pdf: Path) -> int:
    """Raster images drawn on the pages (pypdf), over the whole document."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    return sum(len(page.images) for page in reader.pages)


@dataclass(frozen=True)
class Report:
    """What `compliance-tool report` wrote, and what it said."""

    pdf: Path
    manifest: Path
    stderr: str
    layout: str
    """pdftotext -layout of the PDF."""

    @cached_property
    def text(self) -> str:
        """The layout text as one line (see :func:`flat`)."""
        return flat(self.layout)


# -- changing a signed PDF --------------------------------------------------------------------


def append_update(signed: bytes, change: Callable[[IncrementalPdfFileWriter], None]) -> bytes:
    """``signed`` with an incremental update (what ``change`` writes) appended."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def annotate(writer: IncrementalPdfFileWriter) -> None:
    """A sticky note on the first page: 'All findings waived'."""
    from pyhanko.pdf_utils import generic

    page = writer.root["/Pages"]["/Kids"][0].get_object()
    note = generic.DictionaryObject(
        {
            generic.NameObject("/Type"): generic.NameObject("/Annot"),
            generic.NameObject("/Subtype"): generic.NameObject("/Text"),
            generic.NameObject("/Rect"): generic.ArrayObject(
                [generic.NumberObject(n) for n in (400, 700, 420, 720)]
            ),
            generic.NameObject("/Contents"): generic.TextStringObject("All findings waived"),
            generic.NameObject("/F"): generic.NumberObject(4),
        }
    )
    if "/Annots" not in page:
        page[generic.NameObject("/Annots")] = generic.ArrayObject()
    page["/Annots"].append(writer.add_object(note))
    writer.update_container(page)


def cover_up(writer: IncrementalPdfFileWriter) -> None:
    """A white box drawn over the middle of the first page (the cover's verdict)."""
    from pyhanko.pdf_utils.content import RawContent
    from pyhanko.pdf_utils.layout import BoxConstraints

    box = RawContent(b"q 1 1 1 rg 40 380 515 140 re f Q", box=BoxConstraints(595, 842))
    writer.add_stream_to_page(0, writer.add_object(box.as_form_xobject()))


def replace_attachment(name: str, data: bytes) -> Callable[[IncrementalPdfFileWriter], None]:
    """A change that points the embedded file ``name`` at a new stream holding ``data``
    (the old stream stays in the earlier revision, as an incremental update leaves it)."""
    from pyhanko.pdf_utils import generic

    def change(writer: IncrementalPdfFileWriter) -> None:
        names = writer.root["/Names"]["/EmbeddedFiles"]["/Names"]
        for index in range(0, len(names) - 1, 2):
            if str(names[index]) == name:
                spec = names[index + 1].get_object()
                spec["/EF"][generic.NameObject("/F")] = writer.add_object(
                    generic.StreamObject(stream_data=data)
                )
                writer.update_container(spec)
                return
        raise AssertionError(f"no embedded file {name}")

    return change
