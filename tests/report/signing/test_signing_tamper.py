"""Tampered reports: each change after signing makes `verify` fail with a specific message."""

from __future__ import annotations

import io
import subprocess
from collections.abc import Callable
from pathlib import Path

from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.content import RawContent
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.layout import BoxConstraints
from support.repos import Invoke
from support.signing import manifest_of_commit, render_pdf

from compliance_tool.audit.verify import verify_report
from compliance_tool.errors import EXIT_FINDINGS, EXIT_OK
from compliance_tool.report.signing import SigningConfig, load_signer, sign_pdf


def fails(output: str, check: str) -> str:
    """The message of the FAIL line of ``check``; fails the test when it did not fail."""
    for line in output.splitlines():
        if line.startswith(f"FAIL  {check}: "):
            return line.split(": ", 1)[1]
    raise AssertionError(f"{check} did not fail:\n{output}")


def test_one_byte_flipped_in_the_signed_content(
    run_cli: Invoke, signed_report: Path, tmp_path: Path
) -> None:
    data = signed_report.read_bytes()
    title = data.index(b"/Title (Compliance report)")  # the first revision's info dict
    tampered = tmp_path / "flipped.pdf"
    tampered.write_bytes(data[: title + 8] + b"K" + data[title + 9 :])
    result = run_cli("verify", tampered)
    assert result.exit_code == EXIT_FINDINGS
    assert fails(result.stdout, "signature intact") == (
        "the signed bytes were changed: their digest differs from the one the signature covers"
    )
    # the independent verifier agrees
    done = subprocess.run(["pdfsig", str(tampered)], capture_output=True, text=True, check=False)
    assert "Signature Validation: Signature is Valid." not in done.stdout


def _append_update(signed: bytes, change: Callable[[IncrementalPdfFileWriter], None]) -> bytes:
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    change(writer)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _add_annotation(writer: IncrementalPdfFileWriter) -> None:
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
    page["/Annots"].append(writer.add_object(note))
    writer.update_container(page)


def _change_page(writer: IncrementalPdfFileWriter) -> None:
    stamp = RawContent(b"q 1 0 0 rg 50 400 200 100 re f Q", box=BoxConstraints(595, 842))
    writer.add_stream_to_page(0, writer.add_object(stamp.as_form_xobject()))


def test_an_annotation_appended_after_signing(
    run_cli: Invoke, signed_report: Path, tmp_path: Path
) -> None:
    original = signed_report.read_bytes()
    tampered = tmp_path / "annotated.pdf"
    tampered.write_bytes(_append_update(original, _add_annotation))
    result = run_cli("verify", tampered)
    assert result.exit_code == EXIT_FINDINGS
    assert "ok    signature intact:" in result.stdout  # the signed revision is untouched
    added = len(tampered.read_bytes()) - len(original)
    assert fails(result.stdout, "covers entire file") == (
        f"{added} byte(s) were appended after the signed revision (an incremental update)"
    )
    changes = fails(result.stdout, "no changes after signing")
    assert changes.startswith(
        "changes that difference analysis cannot explain: 1 update(s) after signing change "
    )
    assert "Annot (object " in changes and "Page (object 7)" in changes


def test_page_content_changed_after_signing(
    run_cli: Invoke, signed_report: Path, tmp_path: Path
) -> None:
    tampered = tmp_path / "changed.pdf"
    tampered.write_bytes(_append_update(signed_report.read_bytes(), _change_page))
    result = run_cli("verify", tampered, "--format", "json")
    assert result.exit_code == EXIT_FINDINGS
    report = verify_report(tampered, [], None)
    failed = {c.name: c.message for c in report.checks if c.ok is False}
    assert set(failed) == {"covers entire file", "no changes after signing"}
    assert "Page (object" in failed["no changes after signing"]


def test_manifest_of_another_commit_fails_the_repository_check(
    run_cli: Invoke, two_commits: tuple[Path, str, str], tmp_path: Path, signing_root: Path
) -> None:
    root, first, second = two_commits
    config = SigningConfig()
    loaded = load_signer(config, signing_root)

    honest = tmp_path / "honest.pdf"
    honest.write_bytes(
        sign_pdf(render_pdf(manifest_of_commit(root, first)), loaded, config, _now())
    )
    result = run_cli("verify", honest, "--repo", root)
    assert result.exit_code == EXIT_OK, result.output
    assert f"ok    repository: commit {first[:12]} holds exactly the" in result.stdout

    # the files of the first commit, claiming to be the second
    lying = tmp_path / "lying.pdf"
    lying.write_bytes(
        sign_pdf(render_pdf(manifest_of_commit(root, first, second)), loaded, config, _now())
    )
    result = run_cli("verify", lying, "--repo", root)
    assert result.exit_code == EXIT_FINDINGS
    assert "ok    signature intact:" in result.stdout and "ok    manifest:" in result.stdout
    message = fails(result.stdout, "repository")
    assert message == (
        f"commit {second[:12]}: 1 file(s) differ: inventory/models/m1.yaml; "
        "1 file(s) missing from the commit: inventory/incidents/inc-001.yaml; "
        "1 file(s) in the commit but not in the manifest: policies/rules/notes.md"
    )


def test_a_commit_unknown_to_the_repository(
    run_cli: Invoke, two_commits: tuple[Path, str, str], tmp_path: Path, signing_root: Path
) -> None:
    root, first, _ = two_commits
    manifest = manifest_of_commit(root, first).replace(first.encode(), b"0" * 40)
    config = SigningConfig()
    path = tmp_path / "report.pdf"
    path.write_bytes(
        sign_pdf(render_pdf(manifest), load_signer(config, signing_root), config, _now())
    )
    result = run_cli("verify", path, "--repo", root)
    assert result.exit_code == EXIT_FINDINGS
    assert fails(result.stdout, "repository") == (
        f"commit {'0' * 40} cannot be read in {root}: unknown revision '{'0' * 40}'"
    )


def _now():  # type: ignore[no-untyped-def]
    from support.signing import SIGNED_AT

    return SIGNED_AT
