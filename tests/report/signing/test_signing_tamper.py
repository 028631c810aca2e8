"""Tampered reports: each change after signing makes `verify` fail with a specific message."""

from __future__ import annotations

from pathlib import Path

from support.cli import Invoke
from support.pdf import annotate, append_update, cover_up, pdfsig
from support.signing import SIGNED_AT, manifest_of_commit, render_pdf

from compliance_tool.audit.verify import verify_report
from compliance_tool.errors import EXIT_FINDINGS, EXIT_OK
from compliance_tool.report.signing_config import SigningConfig
from compliance_tool.report.signing_keys import load_signer
from compliance_tool.report.signing_pdf import sign_pdf


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
    assert "Signature Validation: Signature is Valid." not in pdfsig(tampered)


def test_an_annotation_appended_after_signing(
    run_cli: Invoke, signed_report: Path, tmp_path: Path
) -> None:
    original = signed_report.read_bytes()
    tampered = tmp_path / "annotated.pdf"
    tampered.write_bytes(append_update(original, annotate))
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
    tampered.write_bytes(append_update(signed_report.read_bytes(), cover_up))
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
        sign_pdf(render_pdf(manifest_of_commit(root, first)), loaded, config, SIGNED_AT)
    )
    result = run_cli("verify", honest, "--repo", root)
    assert result.exit_code == EXIT_OK, result.output
    assert f"ok    repository: commit {first[:12]} holds exactly the" in result.stdout

    # the files of the first commit, claiming to be the second
    lying = tmp_path / "lying.pdf"
    lying.write_bytes(
        sign_pdf(render_pdf(manifest_of_commit(root, first, second)), loaded, config, SIGNED_AT)
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
        sign_pdf(render_pdf(manifest), load_signer(config, signing_root), config, SIGNED_AT)
    )
    result = run_cli("verify", path, "--repo", root)
    assert result.exit_code == EXIT_FINDINGS
    assert fails(result.stdout, "repository") == (
        f"commit {'0' * 40} cannot be read in {root}: unknown revision '{'0' * 40}'"
    )
