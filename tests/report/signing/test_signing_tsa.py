"""Time-stamps: PAdES B-T with a reachable TSA, a clear error or B-B without one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from support.cli import Invoke
from support.pdf import pdfsig
from support.signing import EMPTY_DIGESTS, SIGNED_AT, LocalTsa, make_manifest, pem, render_pdf

from compliance_tool.errors import EXIT_OK, SigningError
from compliance_tool.report.signing_config import SigningConfig
from compliance_tool.report.signing_keys import development_cert_path, load_signer
from compliance_tool.report.signing_pdf import sign_pdf

UNREACHABLE = "http://127.0.0.1:9/"  # the discard port: nothing listens


@pytest.fixture
def pdf() -> bytes:
    return render_pdf(make_manifest(EMPTY_DIGESTS))


def test_unreachable_tsa_fails_naming_the_url(pdf: bytes, signing_root: Path) -> None:
    config = SigningConfig(tsa_url=UNREACHABLE)
    with pytest.raises(SigningError) as caught:
        sign_pdf(pdf, load_signer(config, signing_root), config, SIGNED_AT)
    assert caught.value.message == (
        f"the time-stamp authority {UNREACHABLE} cannot be reached: Connection refused"
    )
    assert "allow signing without a time-stamp" in caught.value.hint


def test_unreachable_tsa_allowed_signs_without_a_time_stamp(
    pdf: bytes, signing_root: Path, tmp_path: Path, run_cli: Invoke
) -> None:
    config = SigningConfig(tsa_url=UNREACHABLE, allow_without_tsa=True)
    notices: list[str] = []
    signed = sign_pdf(pdf, load_signer(config, signing_root), config, SIGNED_AT, notices=notices)
    assert notices == [
        f"the time-stamp authority {UNREACHABLE} cannot be reached: signed without a "
        "time-stamp (PAdES B-B; the signing time is the signer's claim)"
    ]
    path = tmp_path / "report.pdf"
    path.write_bytes(signed)
    result = run_cli("verify", path)
    assert result.exit_code == EXIT_OK, result.output
    assert "2026-03-02 10:00:00 UTC (the signer's claim)" in result.stdout


def test_reachable_tsa_adds_a_signature_time_stamp(
    pdf: bytes,
    signing_root: Path,
    tmp_path: Path,
    run_cli: Invoke,
    local_tsa: LocalTsa,
    test_ca: tuple[x509.Certificate, Any],
) -> None:
    config = SigningConfig(tsa_url=local_tsa.url)
    path = tmp_path / "report.pdf"
    path.write_bytes(sign_pdf(pdf, load_signer(config, signing_root), config, SIGNED_AT))
    assert local_tsa.requests >= 1

    output = pdfsig(path)
    assert "Signature Validation: Signature is Valid." in output, output

    ca = tmp_path / "ca.pem"
    ca.write_bytes(pem(test_ca[0]))
    result = run_cli("verify", path, "--trust", development_cert_path(signing_root), "--trust", ca)
    assert result.exit_code == EXIT_OK, result.output
    signer = next(line for line in result.stdout.splitlines() if line.startswith("ok    signer:"))
    assert "; time-stamped " in signer and "signer's claim" not in signer
    assert "outside the trust roots" not in signer

    result = run_cli("verify", path, "--trust", development_cert_path(signing_root))
    assert "by a time-stamp authority outside the trust roots" in result.stdout
