"""The meaning of the signature is resolved once, with the precedence --meaning >
COMPLIANCE_TOOL_SIGNING_MEANING > compliance-tool.yaml: the cover, the visible stamp and
the signature's /Reason, each read back from the signed PDF, say the same."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from support.cli import Invoke
from support.git import commit_all
from support.pdf import pdftotext, weasyprint_quiet

FILE_MEANING = "Submitted to the Model Risk Committee"
ENV_MEANING = "Approved by the CRO"
FLAG_MEANING = "Draft for the audit committee"


def signature_reasons(pdf: Path) -> list[str]:
    """The /Reason of every signature field, read by pypdf (not by the signing library)."""
    from pypdf import PdfReader

    reader = PdfReader(io.BytesIO(pdf.read_bytes()))
    fields = reader.trailer["/Root"]["/AcroForm"]["/Fields"]
    reasons = []
    for field in (f.get_object() for f in fields):
        if field.get("/FT") == "/Sig":
            reasons.append(str(field["/V"].get_object()["/Reason"]))
    return reasons


@pytest.mark.parametrize(
    ("variable", "flag", "expected"),
    [
        pytest.param(ENV_MEANING, None, ENV_MEANING, id="variable-over-file"),
        pytest.param(ENV_MEANING, FLAG_MEANING, FLAG_MEANING, id="flag-over-variable"),
        pytest.param(None, None, FILE_MEANING, id="file"),
    ],
)
def test_cover_stamp_and_signature_state_one_meaning(
    gitrepo: Path,
    run_cli: Invoke,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    variable: str | None,
    flag: str | None,
    expected: str,
) -> None:
    (gitrepo / "compliance-tool.yaml").write_text(
        f"organisation: Example Bank\nsigning:\n  meaning: {FILE_MEANING}\n", encoding="utf-8"
    )
    commit_all(gitrepo, "Configure the signature")
    if variable is not None:
        monkeypatch.setenv("COMPLIANCE_TOOL_SIGNING_MEANING", variable)
    pdf = tmp_path / "out" / "report.pdf"
    args = ["--repo", gitrepo, "report", "--as-of", "2026-03-02", "--output", pdf]
    with weasyprint_quiet():
        result = run_cli(*args, *(["--meaning", flag] if flag else []))
    assert result.exit_code == 0, result.output
    cover = " ".join(pdftotext(pdf, "-layout", "-f", "1", "-l", "1").split())
    assert f"Meaning {expected}" in cover
    assert signature_reasons(pdf) == [expected]
    stamp = " ".join(pdftotext(pdf, "-layout").split())
    assert "Digitally signed by compliance-tool development key (" in stamp
    assert f"Meaning: {expected}" in stamp
