"""Reading the PDF that ``verify`` is given: a regular file of bounded size, its header
checked before the rest is read, then parsed by pyHanko; and its embedded files.

``verify`` reads files from anywhere (a download, an e-mail attachment), so nothing is
read before ``stat`` says it is a regular file of at most :data:`MAX_PDF_BYTES`: a named
pipe would hang the read, a device (``/dev/zero``) or a huge file would exhaust memory.
"""

from __future__ import annotations

import io
import os
import stat
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from compliance_tool.errors import SigningError

MAX_PDF_BYTES = 64 * 1024 * 1024
"""The largest file ``verify`` reads (64 MiB). The largest report the tool writes is a few
MB, so a larger file is not one of its reports; it is refused from ``stat``, unread."""
HEADER_WINDOW = 1024
"""A PDF's ``%PDF-`` header lies in its first 1024 bytes (ISO 32000-1, annex H)."""
_MIB = 1024 * 1024


def read_errors() -> tuple[type[Exception], ...]:
    """What reading a damaged PDF or signature raises (pyHanko's errors are ValueErrors
    or PdfErrors; damaged structures also give KeyError, IndexError, TypeError)."""
    from pyhanko.pdf_utils.misc import PdfError

    return (PdfError, ValueError, KeyError, IndexError, TypeError)


def _file_type(mode: int) -> str:
    """What a non-regular file is, in words."""
    kinds = (
        (stat.S_ISDIR, "a folder"),
        (stat.S_ISFIFO, "a named pipe"),
        (stat.S_ISCHR, "a character device"),
        (stat.S_ISBLK, "a block device"),
        (stat.S_ISSOCK, "a socket"),
    )
    return next((name for test, name in kinds if test(mode)), "not a regular file")


def _check_file(pdf_path: Path, info: os.stat_result) -> None:
    """SigningError unless ``info`` is of a regular file within the size limit."""
    if not stat.S_ISREG(info.st_mode):
        raise SigningError(
            f"{pdf_path} is {_file_type(info.st_mode)}, not a regular file",
            hint="give the signed report's PDF file",
        )
    if info.st_size > MAX_PDF_BYTES:
        raise _too_large(pdf_path, info.st_size)


def _too_large(pdf_path: Path, size: int) -> SigningError:
    return SigningError(
        f"{pdf_path} has {size} bytes, more than the {MAX_PDF_BYTES // _MIB} MiB "
        f"({MAX_PDF_BYTES} bytes) that verify reads: a report the tool writes is a few MB",
        hint="give a signed report of compliance-tool",
    )


def read_pdf_bytes(pdf_path: Path) -> bytes:
    """The bytes of the file at ``pdf_path``: checked to be a regular file within
    :data:`MAX_PDF_BYTES` before it is opened (and again once open, without blocking, so
    that a file swapped for a pipe in between cannot hang the read), its first bytes
    checked for the ``%PDF-`` header before the rest is read. SigningError otherwise."""
    try:
        _check_file(pdf_path, os.stat(pdf_path))
        descriptor = os.open(pdf_path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        with os.fdopen(descriptor, "rb") as handle:
            _check_file(pdf_path, os.fstat(handle.fileno()))
            head = handle.read(HEADER_WINDOW)
            if b"%PDF-" not in head:
                raise SigningError(f"{pdf_path} is not a PDF file", hint="give a signed report")
            data = head + handle.read(MAX_PDF_BYTES + 1 - len(head))
    except OSError as exc:
        raise SigningError(f"cannot read {pdf_path}: {exc.strerror}") from None
    if len(data) > MAX_PDF_BYTES:  # it grew while it was read
        raise _too_large(pdf_path, len(data))
    return data


def open_pdf(pdf_path: Path) -> tuple[bytes, Any]:
    """The file's bytes and a pyHanko reader of them; SigningError when the file is not a
    readable PDF (:func:`read_pdf_bytes` says which check it failed)."""
    from pyhanko.pdf_utils.reader import PdfFileReader

    data = read_pdf_bytes(pdf_path)
    try:
        reader = PdfFileReader(io.BytesIO(data))
        _ = reader.root
    except read_errors() as exc:
        raise SigningError(f"{pdf_path} is not a readable PDF: {exc}") from None
    return data, reader


def _name_tree(node: Any, depth: int = 0) -> Iterable[tuple[str, Any]]:
    if depth > 16:
        return
    names = node.get("/Names")
    if names is not None:
        for i in range(0, len(names) - 1, 2):
            yield str(names[i]), names[i + 1]
    for kid in node.get("/Kids") or []:
        yield from _name_tree(kid.get_object(), depth + 1)


def embedded_files(handler: Any) -> dict[str, bytes]:
    """The embedded files of a PDF (or of one revision of it) by file name."""
    found: dict[str, bytes] = {}
    try:
        tree = handler.root["/Names"]["/EmbeddedFiles"]
    except KeyError:
        return found
    for key, spec in _name_tree(tree.get_object()):
        spec = spec.get_object()
        name = str(spec.get("/UF") or spec.get("/F") or key)
        try:
            found[name] = bytes(spec["/EF"]["/F"].get_object().data)
        except KeyError:
            continue
    return found
