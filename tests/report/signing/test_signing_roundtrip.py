"""Sign a real PDF/A-3b report, check it with poppler's pdfsig, then with `verify`."""

from __future__ import annotations

import io
import json
import re
from collections.abc import Callable
from pathlib import Path

import pytest
from support.cli import Invoke
from support.pdf import pdfsig, pdftotext
from support.signing import EMPTY_DIGESTS, ec_key, make_cert, make_manifest, pem, render_pdf

from compliance_tool.audit.verify import verify_report
from compliance_tool.errors import EXIT_FINDINGS, EXIT_OK, EXIT_USAGE
from compliance_tool.report.signing_keys import development_cert_path
from compliance_tool.reporters.verify import render_text


@pytest.mark.parametrize("compressed", [False, True], ids=["uncompressed", "compressed"])
def test_pdfsig_finds_a_valid_signature(
    tmp_path: Path, sign_dev: Callable[..., bytes], compressed: bool
) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(sign_dev(render_pdf(make_manifest(EMPTY_DIGESTS), compressed=compressed)))
    output = pdfsig(path)
    assert "Signature Validation: Signature is Valid." in output, output
    assert "Signer Certificate Common Name: compliance-tool development key (" in output
    assert "Signing Hash Algorithm: SHA-256" in output
    assert "Signature Type: ETSI.CAdES.detached" in output
    assert "Total document signed" in output
    report = verify_report(path, [], None)
    assert report.ok, render_text(report)


def test_the_stamp_shows_signer_time_and_meaning(signed_report: Path) -> None:
    text = " ".join(pdftotext(signed_report, "-layout").split())
    assert "Digitally signed by compliance-tool development key (" in text
    assert "Time: 2026-03-02 10:00:00 UTC" in text
    assert "Meaning: Compliance report of the AI portfolio" in text


def test_signing_keeps_the_pdfa_invariants(signed_report: Path) -> None:
    """What pyHanko writes must not break PDF/A-3b: PDF 1.7, metadata in step with the
    info dictionary, an embedded font, a printable widget."""
    data = signed_report.read_bytes()
    update = data[data.index(b"%%EOF") :]
    assert b"/Version /2.0" not in update
    assert b"/ISO_" not in update
    assert re.search(rb"/ESIC\s*<<[^>]*/BaseVersion /1\.7", update)
    xmp = re.findall(rb"<x:xmpmeta.*?</x:xmpmeta>", update, re.S)[-1]
    assert b'pdfaid:part="3"' in xmp and b'pdfaid:conformance="B"' in xmp
    producer = re.search(rb'pdf:Producer="([^"]*)"', xmp)
    assert producer is not None
    info_producer = re.search(rb"/Producer \(([^)]*)\)", update)
    assert info_producer is not None
    assert info_producer.group(1).replace(b"\\056", b".") == producer.group(1)
    assert b"/FontFile2" in update and b"/CIDToGIDMap /Identity" in update
    assert b"DejaVuSans" in update
    flags = re.search(rb"/FT /Sig.*?/F (\d+)", update, re.S)
    assert flags is not None and int(flags.group(1)) & 4, "the widget must be printable"


def test_the_stamp_font_is_embedded_with_consistent_widths(signed_report: Path) -> None:
    """PDF/A: every glyph's /W width equals the embedded program's advance (1000/em)."""
    from fontTools import ttLib
    from pyhanko.pdf_utils.reader import PdfFileReader

    with signed_report.open("rb") as handle:
        reader = PdfFileReader(handle)
        page = reader.root["/Pages"]["/Kids"][-1]
        annotations = [a.get_object() for a in page["/Annots"]]
        widget = next(a for a in annotations if a.get("/FT") == "/Sig")
        appearance = widget["/AP"]["/N"]
        (font_ref,) = appearance["/Resources"]["/Font"].values()
        font = font_ref.get_object()
        cid_font = font["/DescendantFonts"][0]
        assert font["/Subtype"] == "/Type0" and cid_font["/CIDToGIDMap"] == "/Identity"
        program = ttLib.TTFont(io.BytesIO(cid_font["/FontDescriptor"]["/FontFile2"].data))
        widths = list(cid_font["/W"])
    scale = 1000 / program["head"].unitsPerEm
    glyph_order = program.getGlyphOrder()
    checked = 0
    for start, run in zip(widths[0::2], widths[1::2], strict=True):
        for offset, width in enumerate(run):
            advance, _ = program["hmtx"][glyph_order[int(start) + offset]]
            assert abs(advance * scale - int(width)) <= 1, (start + offset, advance, width)
            checked += 1
    assert checked > 20


def test_verify_passes_and_names_the_signer(run_cli: Invoke, signed_report: Path) -> None:
    result = run_cli("verify", signed_report)
    assert result.exit_code == EXIT_OK, result.output
    lines = result.stdout.splitlines()
    assert [line.split()[0] for line in lines] == ["ok"] * 5 + ["skip", "ok"]
    assert "ok    signer: compliance-tool development key (" in result.stdout
    assert "2026-03-02 10:00:00 UTC (the signer's claim)" in result.stdout
    assert "skip  trusted: not checked: no trust roots given" in result.stdout
    assert "only self-consistent" in result.stdout
    assert "trust was not checked" in result.stderr


def test_verify_trusts_the_development_certificate_when_told(
    run_cli: Invoke, signed_report: Path, signing_root: Path
) -> None:
    result = run_cli("verify", signed_report, "--trust", development_cert_path(signing_root))
    assert result.exit_code == EXIT_OK, result.output
    assert "ok    trusted: the certificate chains to compliance-tool development key (" in (
        result.stdout
    )
    assert "every check holds" in result.stderr


def test_verify_fails_with_another_trust_root(
    run_cli: Invoke, signed_report: Path, tmp_path: Path
) -> None:
    other = tmp_path / "other-ca.pem"
    other.write_bytes(pem(make_cert("Some Other CA", ec_key(), ca=True)))
    result = run_cli("verify", signed_report, "--trust", other)
    assert result.exit_code == EXIT_FINDINGS, result.output
    assert (
        "FAIL  trusted: the certificate does not chain to any of the 1 given trust root(s) "
        "(CHAIN_CONSTRAINTS_FAILURE)" in result.stdout
    )
    assert "1 check(s) failed: trusted" in result.stderr


def test_verify_json(run_cli: Invoke, signed_report: Path) -> None:
    result = run_cli("verify", signed_report, "--format", "json")
    assert result.exit_code == EXIT_OK
    data = json.loads(result.stdout)
    assert data["ok"] is True
    assert [c["name"] for c in data["checks"]] == [
        "signature present",
        "signature intact",
        "covers entire file",
        "no changes after signing",
        "signer",
        "trusted",
        "manifest",
    ]
    assert {c["status"] for c in data["checks"]} == {"ok", "skip"}


def test_verify_an_unsigned_pdf_fails(run_cli: Invoke, tmp_path: Path) -> None:
    path = tmp_path / "unsigned.pdf"
    path.write_bytes(render_pdf(make_manifest(EMPTY_DIGESTS)))
    result = run_cli("verify", path)
    assert result.exit_code == EXIT_FINDINGS
    assert "FAIL  signature present: the PDF holds no signature" in result.stdout
    assert "ok    manifest:" in result.stdout


@pytest.mark.parametrize("content", [b"just text\n", b"%PDF-1.7\nbroken"], ids=["text", "broken"])
def test_verify_a_file_that_is_no_readable_pdf_exits_2(
    run_cli: Invoke, tmp_path: Path, content: bytes
) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(content)
    result = run_cli("verify", path)
    assert result.exit_code == EXIT_USAGE
    assert "error:" in result.stderr and str(path) in result.stderr


def test_verify_a_missing_file_exits_2(run_cli: Invoke, tmp_path: Path) -> None:
    result = run_cli("verify", tmp_path / "nothing.pdf")
    assert result.exit_code == EXIT_USAGE
    assert "cannot read" in result.stderr


def test_manifest_must_match_the_embedded_findings(
    run_cli: Invoke, tmp_path: Path, sign_dev: Callable[..., bytes]
) -> None:
    path = tmp_path / "report.pdf"
    manifest = make_manifest(EMPTY_DIGESTS, findings=b'{"findings": ["other"]}')
    path.write_bytes(sign_dev(render_pdf(manifest)))
    result = run_cli("verify", path)
    assert result.exit_code == EXIT_FINDINGS
    assert re.search(
        r"FAIL  manifest: findings\.json has SHA-256 [0-9a-f]{16}…, the manifest says",
        result.stdout,
    )
