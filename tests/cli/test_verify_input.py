"""`verify` reads only what a report can be: a regular file of at most 64 MiB whose first
bytes hold the ``%PDF-`` header. A named pipe hung it, ``/dev/zero`` ended in MemoryError
(exit 3) and a 1.5 GB file was read whole before "not a PDF"; each is now refused with a
clear message and exit 2, before anything is read.

The tool runs in its own process with a timeout (a pipe that hangs it cannot hang the
suite) and 1 GiB of address space (a regression that reads without bound fails fast,
with MemoryError, instead of taking the machine's memory).
"""

from __future__ import annotations

import os
import resource
import subprocess
from pathlib import Path

import pytest
from support.cli import TOOL, process_env

from compliance_tool.audit.pdf_file import MAX_PDF_BYTES

ADDRESS_SPACE = 1024**3
"""The tool verifies a real report in well under this (see test_a_small_report_still_verifies)."""


def _limited() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE, ADDRESS_SPACE))


def verify(tmp_path: Path, target: Path | str) -> subprocess.CompletedProcess[str]:
    """`compliance-tool verify TARGET` in its own process: at most 60 s, 1 GiB."""
    return subprocess.run(
        [str(TOOL), "verify", str(target)],
        env=process_env(tmp_path / "home"),
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
        preexec_fn=_limited,
    )


def refused(done: subprocess.CompletedProcess[str]) -> str:
    """The one error line of a run that exited 2 with nothing on stdout."""
    assert done.returncode == 2, (done.returncode, done.stdout, done.stderr)
    assert done.stdout == ""
    assert "Traceback" not in done.stderr
    assert done.stderr.count("\n") == 1, done.stderr
    return done.stderr.removeprefix("error: ").rstrip("\n")


def test_a_named_pipe_is_refused_without_waiting_for_a_writer(tmp_path: Path) -> None:
    fifo = tmp_path / "report.pdf"
    os.mkfifo(fifo)
    assert refused(verify(tmp_path, fifo)) == (
        f"{fifo} is a named pipe, not a regular file (give the signed report's PDF file)"
    )


def test_a_link_to_a_named_pipe_is_refused(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    link = tmp_path / "report.pdf"
    link.symlink_to(fifo)
    assert refused(verify(tmp_path, link)) == (
        f"{link} is a named pipe, not a regular file (give the signed report's PDF file)"
    )


def test_dev_zero_is_refused(tmp_path: Path) -> None:
    assert refused(verify(tmp_path, "/dev/zero")) == (
        "/dev/zero is a character device, not a regular file (give the signed report's PDF file)"
    )


@pytest.mark.parametrize(
    ("size", "head"),
    [(3 * 1024**3, b"%PDF-1.7\n"), (1536 * 1024**2, b""), (MAX_PDF_BYTES + 1, b"%PDF-1.7\n")],
    ids=["3-GiB-with-a-PDF-header", "1.5-GiB-of-zeros", "one-byte-over-the-limit"],
)
def test_a_file_above_the_limit_is_refused_from_its_size(
    tmp_path: Path, size: int, head: bytes
) -> None:
    """Sparse files (``os.truncate``): gigabytes that cost no disk."""
    big = tmp_path / "report.pdf"
    big.write_bytes(head)
    os.truncate(big, size)
    assert big.stat().st_blocks * 512 < 1024**2  # really sparse
    assert refused(verify(tmp_path, big)) == (
        f"{big} has {size} bytes, more than the 64 MiB (67108864 bytes) that verify reads: a "
        "report the tool writes is a few MB (give a signed report of compliance-tool)"
    )


def test_a_file_without_the_header_in_its_first_bytes_is_not_a_pdf(tmp_path: Path) -> None:
    """The header is looked for in the first 1024 bytes (a sparse file of zeros just below
    the limit, with ``%PDF-`` after them, is not a PDF)."""
    late = tmp_path / "late.pdf"
    late.write_bytes(b"\0" * 1024 + b"%PDF-1.7\n")
    os.truncate(late, MAX_PDF_BYTES)
    assert refused(verify(tmp_path, late)) == (f"{late} is not a PDF file (give a signed report)")


def test_a_file_that_starts_like_a_pdf_but_is_not_one(tmp_path: Path) -> None:
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"%PDF-1.7\nnot really\n")
    message = refused(verify(tmp_path, fake))
    assert message.startswith(f"{fake} is not a readable PDF: ")


def test_a_folder_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "reports.pdf"
    folder.mkdir()
    done = verify(tmp_path, folder)
    assert done.returncode == 2
    assert f"'{folder}' is a directory" in done.stderr


def test_a_small_report_still_verifies(tmp_path: Path) -> None:
    """A real signed report passes the same limits (1 GiB, 60 s) with every check."""
    from support.signing import EMPTY_DIGESTS, SIGNED_AT, make_manifest, render_pdf

    from compliance_tool.report.signing_config import SigningConfig
    from compliance_tool.report.signing_keys import load_signer
    from compliance_tool.report.signing_pdf import sign_pdf

    (tmp_path / "root").mkdir()
    config = SigningConfig()
    pdf = tmp_path / "report.pdf"
    signer = load_signer(config, tmp_path / "root")
    pdf.write_bytes(sign_pdf(render_pdf(make_manifest(EMPTY_DIGESTS)), signer, config, SIGNED_AT))
    done = verify(tmp_path, pdf)
    assert done.returncode == 0, done.stderr
    assert "FAIL" not in done.stdout
