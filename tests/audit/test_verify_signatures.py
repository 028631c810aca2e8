"""`verify` checks every signature of the file, not only the last: each earlier one must
verify and sign the same manifest.json and findings.json as the last, so a manifest
swapped in an update before a second signature fails with a message that names both
signatures and the revisions they cover. The JSON lists what each signature covers and
is valid against schemas/verify-result.schema.json; the text of a report signed once is
as it was."""

from __future__ import annotations

import hashlib
import io
import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from support.cli import Invoke
from support.pdf import append_update, replace_attachment
from support.repos import REPO_ROOT
from support.schemas import load_schema, validator_for
from support.signing import EMPTY_DIGESTS, FINDINGS, SIGNED_AT, make_manifest, render_pdf

from compliance_tool.errors import EXIT_FINDINGS, EXIT_OK
from compliance_tool.report.signing_config import SigningConfig
from compliance_tool.report.signing_keys import LoadedSigner, load_signer
from compliance_tool.report.signing_pdf import sign_pdf

SCHEMA = REPO_ROOT / "schemas" / "verify-result.schema.json"
MANIFEST = make_manifest(EMPTY_DIGESTS)
OTHER_MANIFEST = MANIFEST.replace(b"Example Bank", b"Other Bank")


@pytest.fixture
def signer(tmp_path: Path) -> LoadedSigner:
    root = tmp_path / "root"
    root.mkdir()
    return load_signer(SigningConfig(), root)


@pytest.fixture
def signed_once(signer: LoadedSigner) -> bytes:
    """A report signed as `report` signs it: two revisions, the signature covers the last."""
    return sign_pdf(render_pdf(MANIFEST), signer, SigningConfig(), SIGNED_AT)


@pytest.fixture
def validator() -> jsonschema.Draft202012Validator:
    return validator_for(load_schema(SCHEMA))


def countersign(pdf: bytes, signer: LoadedSigner) -> bytes:
    """``pdf`` with a second, invisible signature (field Countersignature) by pyHanko."""
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import signers

    meta = signers.PdfSignatureMetadata(field_name="Countersignature", md_algorithm="sha256")
    out = io.BytesIO()
    signers.PdfSigner(meta, signer=signer.signer).sign_pdf(
        IncrementalPdfFileWriter(io.BytesIO(pdf)), output=out
    )
    return out.getvalue()


def _verify(run_cli: Invoke, path: Path, *args: str) -> tuple[int, str]:
    result = run_cli("verify", path, *args)
    return result.exit_code, result.stdout


def _json(run_cli: Invoke, path: Path, validator: Any) -> dict[str, Any]:
    document = json.loads(run_cli("verify", path, "--format", "json").stdout)
    validator.validate(document)
    return document


def test_a_manifest_swapped_before_a_second_signature_fails(
    run_cli: Invoke, signed_once: bytes, signer: LoadedSigner, tmp_path: Path, validator: Any
) -> None:
    swapped = append_update(signed_once, replace_attachment("manifest.json", OTHER_MANIFEST))
    path = tmp_path / "swapped.pdf"
    path.write_bytes(countersign(swapped, signer))
    code, text = _verify(run_cli, path)
    assert code == EXIT_FINDINGS, text
    # the last signature itself holds: only the comparison with the first one tells
    assert "ok    signature intact:" in text and "ok    manifest:" in text
    assert "ok    signature present: field 'Countersignature' (2 signatures; checking the " in (
        text
    )
    first = hashlib.sha256(MANIFEST).hexdigest()
    final = hashlib.sha256(OTHER_MANIFEST).hexdigest()
    assert text.splitlines()[-1] == (
        "FAIL  earlier signatures: 'ComplianceSignature' (revision 2 of 4) signs a different "
        "manifest.json from the final signature 'Countersignature' (revision 4 of 4) "
        f"(manifest SHA-256 {first[:16]}… there, {final[:16]}… in the final): it was "
        "replaced between the signatures, so the final one does not attest what was first "
        "signed"
    )
    document = _json(run_cli, path, validator)
    assert document["ok"] is False
    assert document["signatures"] == [
        {"field": "ComplianceSignature", "revision": 2, "revisions": 4, "manifest_sha256": first},
        {"field": "Countersignature", "revision": 4, "revisions": 4, "manifest_sha256": final},
    ]


def test_findings_swapped_before_a_second_signature_fail(
    run_cli: Invoke, signed_once: bytes, signer: LoadedSigner, tmp_path: Path
) -> None:
    """The findings and a manifest that matches them, both replaced: the last signature
    and the manifest check hold, the first signature does not agree."""
    findings = FINDINGS.replace(b"pass", b"fail")
    manifest = make_manifest(EMPTY_DIGESTS, findings=findings)
    swapped = append_update(signed_once, replace_attachment("findings.json", findings))
    swapped = append_update(swapped, replace_attachment("manifest.json", manifest))
    path = tmp_path / "swapped.pdf"
    path.write_bytes(countersign(swapped, signer))
    code, text = _verify(run_cli, path)
    assert code == EXIT_FINDINGS, text
    assert "ok    manifest:" in text
    assert (
        "FAIL  earlier signatures: 'ComplianceSignature' (revision 2 of 5) signs a different "
        "manifest.json and findings.json from the final signature 'Countersignature' "
        "(revision 5 of 5) (manifest SHA-256 "
    ) in text


def test_an_honest_countersignature_holds(
    run_cli: Invoke, signed_once: bytes, signer: LoadedSigner, tmp_path: Path, validator: Any
) -> None:
    path = tmp_path / "countersigned.pdf"
    path.write_bytes(countersign(signed_once, signer))
    code, text = _verify(run_cli, path)
    assert code == EXIT_OK, text
    assert text.splitlines()[0] == (
        "ok    signature present: field 'Countersignature' (2 signatures; checking the last, "
        "which covers revision 3 of 3, and what each earlier one signed)"
    )
    assert text.splitlines()[-1] == (
        "ok    earlier signatures: 'ComplianceSignature' (revision 2 of 3) verifies and signs "
        "the same manifest.json and findings.json as the final signature 'Countersignature' "
        "(revision 3 of 3)"
    )
    assert _json(run_cli, path, validator)["ok"] is True


def test_a_report_signed_once_reads_as_before(
    run_cli: Invoke, signed_once: bytes, tmp_path: Path, validator: Any
) -> None:
    path = tmp_path / "report.pdf"
    path.write_bytes(signed_once)
    code, text = _verify(run_cli, path)
    assert code == EXIT_OK, text
    assert [line.split(":")[0] for line in text.splitlines()] == [
        "ok    signature present",
        "ok    signature intact",
        "ok    covers entire file",
        "ok    no changes after signing",
        "ok    signer",
        "skip  trusted",
        "ok    manifest",
    ]
    assert text.splitlines()[0] == "ok    signature present: field 'ComplianceSignature'"
    document = _json(run_cli, path, validator)
    assert document["signatures"] == [
        {
            "field": "ComplianceSignature",
            "revision": 2,
            "revisions": 2,
            "manifest_sha256": hashlib.sha256(MANIFEST).hexdigest(),
        }
    ]
    assert list(document) == ["file", "ok", "checks", "signatures"]


def test_an_unsigned_pdf_lists_no_signature(
    run_cli: Invoke, tmp_path: Path, validator: Any
) -> None:
    path = tmp_path / "unsigned.pdf"
    path.write_bytes(render_pdf(MANIFEST))
    document = _json(run_cli, path, validator)
    assert document["ok"] is False
    assert document["signatures"] == []


def test_the_schema_is_strict_and_documented() -> None:
    from support.schemas import gaps

    schema = load_schema(SCHEMA)
    assert schema["$id"] == "https://compliance-tool.dev/schemas/output/verify-result.schema.json"
    undescribed, loose = gaps(schema)
    assert undescribed == [] and loose == []
