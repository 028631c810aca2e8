"""No control character reaches the PDF's metadata: compliance-tool.yaml refuses one in
the organisation, the title and the signature's meaning and location (exit 2, at the
file's line), and the renderer, whatever text it is given, writes an info dictionary and
XMP that other programs read and that pyHanko can sign."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path
from xml.dom import minidom

import pytest
from support.cli import process_env, run_tool
from support.git import commit_all, git
from support.pdf import pdfsig, weasyprint_quiet
from support.repos import AS_OF_TEXT, write_minirepo

from compliance_tool.errors import EXIT_USAGE, InventoryError
from compliance_tool.report.render import metadata_text, render_pdf
from compliance_tool.report.signing_config import SigningConfig
from compliance_tool.report.signing_keys import load_signer
from compliance_tool.report.signing_pdf import sign_pdf
from compliance_tool.repository.config import load_config

FIX = (
    "write it on one line, without control characters (no tab, line break or escape such as \\x07)"
)


def test_a_control_character_in_the_configuration_is_refused_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "compliance-tool.yaml").write_text(
        'organisation: "Northmoor\\a Bank"\n'
        "report:\n"
        '  title: "AI \\v report"\n'
        "signing:\n"
        '  meaning: "Submitted\\x1b[2J"\n'
        '  location: "Frankfurt\\u0085"\n',
        encoding="utf-8",
    )
    with pytest.raises(InventoryError) as raised:
        load_config(tmp_path)
    assert raised.value.message == "compliance-tool.yaml is not valid"
    assert raised.value.details == [
        f"compliance-tool.yaml:1:15: organisation: the text holds the control character "
        f"U+0007: {FIX}",
        f"compliance-tool.yaml:3:10: report.title: the text holds the control character "
        f"U+000B: {FIX}",
        f"compliance-tool.yaml:6:13: signing.location: the text holds the control character "
        f"U+0085: {FIX}",
        f"compliance-tool.yaml:5:12: signing.meaning: the text holds the control character "
        f"U+001B: {FIX}",
    ]


def test_text_without_control_characters_passes(tmp_path: Path) -> None:
    (tmp_path / "compliance-tool.yaml").write_text(
        "organisation: Bank Ünïcødé · 北 — “quoted”\nreport:\n  title: A title\n",
        encoding="utf-8",
    )
    assert load_config(tmp_path)["organisation"] == "Bank Ünïcødé · 北 — “quoted”"


def test_report_with_a_control_character_in_the_title_exits_2_and_writes_nothing(
    tmp_path: Path,
) -> None:
    env = process_env(tmp_path / "home")
    root = write_minirepo(tmp_path / "repo")
    (root / "compliance-tool.yaml").write_text(
        'organisation: Example Bank\nreport:\n  title: "Compliance\\x07report"\n',
        encoding="utf-8",
    )
    git(root, "init", "-q", env=env)
    commit_all(root, "a bell in the title", env)
    out = tmp_path / "out"
    done = run_tool(env, "--repo", root, "report", "--as-of", AS_OF_TEXT, "--output", out / "r.pdf")
    assert done.returncode == EXIT_USAGE, done.stderr
    assert done.stderr.splitlines() == [
        "error: compliance-tool.yaml is not valid (see compliance_tool/repository/config.schema.json)",
        f"compliance-tool.yaml:3:10: report.title: the text holds the control character "
        f"U+0007: {FIX}",
    ]
    assert not out.exists() and not (root / ".compliance-keys").exists()


@pytest.mark.parametrize(
    ("text", "clean"),
    [
        ("Northmoor\x07 Bank", "Northmoor Bank"),
        ("AI\x0bportfolio\r\nreport\t", "AI portfolio report"),
        ("\x1b[2Jcleared\x7f\x85", "[2Jcleared"),
        ("lone \ud800 surrogate, \ufffe and \uffff", "lone surrogate, and"),
        ("Bank Ünïcødé · 北 — “quoted”", "Bank Ünïcødé · 北 — “quoted”"),
    ],
)
def test_metadata_text_keeps_no_control_character(text: str, clean: str) -> None:
    assert metadata_text(text) == clean


HOSTILE_HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>Compliance\x07report \x0b· Northmoor\x1b Bank</title>
<meta name="author" content="Northmoor\x07 Bank">
<meta name="description" content="controls\x01\x02 in the subject">
<meta name="keywords" content="a\x03b">
<meta name="dcterms.created" content="2026-03-02T00:00:00Z">
<meta name="dcterms.modified" content="2026-03-02T00:00:00Z"></head>
<body><h1>Compliance report</h1></body></html>
"""


def test_the_renderer_writes_no_control_character_into_the_metadata(tmp_path: Path) -> None:
    """The schema is bypassed: the renderer gets the control characters itself. Its XMP
    parses, pypdf and poppler read the info dictionary, and pyHanko signs the PDF."""
    from pypdf import PdfReader

    moment = dt.datetime(2026, 3, 2, tzinfo=dt.UTC)
    with weasyprint_quiet():
        pdf = render_pdf(HOSTILE_HTML, {"findings.json": b"{}\n"}, moment, "test")
    reader = PdfReader(io.BytesIO(pdf))
    minidom.parseString(reader.trailer["/Root"]["/Metadata"].get_data())  # well-formed XML
    assert reader.xmp_metadata is not None
    assert reader.xmp_metadata.dc_title == {"x-default": "Compliance report · Northmoor Bank"}
    assert reader.xmp_metadata.dc_creator == ["Northmoor Bank"]
    info = reader.metadata
    assert info is not None
    assert info.title == "Compliance report · Northmoor Bank"
    assert info.author == "Northmoor Bank"
    assert info.subject == "controls in the subject"
    assert info["/Keywords"] == "a b"

    root = tmp_path / "root"
    root.mkdir()
    config = SigningConfig()
    signed = tmp_path / "signed.pdf"
    signed.write_bytes(sign_pdf(pdf, load_signer(config, root), config, moment))
    output = pdfsig(signed)
    assert "Signature Validation: Signature is Valid." in output, output
    signed_xmp = PdfReader(io.BytesIO(signed.read_bytes())).xmp_metadata
    assert signed_xmp is not None
    assert signed_xmp.dc_title == {"x-default": "Compliance report · Northmoor Bank"}
