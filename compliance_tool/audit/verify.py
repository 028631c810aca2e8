"""Verify a signed report: the signature, what it covers, its manifest and, with a
repository, that the manifest's inputs are what the named commit holds.

The last signature is checked in full; a file signed more than once also has each
earlier signature checked, and must carry the same manifest and findings in every
signed revision (else a manifest swapped before a later signature would look signed).

Every check has a name, an outcome and a message that says what was found. A check
whose outcome is None did not run (e.g. trust without trust roots); the report holds
when no check that ran failed.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC
from pathlib import Path
from typing import Any

from compliance_tool.audit.observations import compare_observations
from compliance_tool.audit.pdf_file import embedded_files, open_pdf, read_errors
from compliance_tool.errors import ComplianceToolError, SigningError
from compliance_tool.repository.sources import Source

MANIFEST_NAME = "manifest.json"
FINDINGS_NAME = "findings.json"
RULES_PREFIX = "policies/rules/"
LISTED = 8
"""At most this many paths are named in a message; the rest are counted."""


# -- the manifest's digests (shared with the report) ------------------------------------


def _digest(files: dict[str, str], prefix: str = "") -> str:
    lines = "".join(f"{p} {files[p]}\n" for p in sorted(files) if p.startswith(prefix))
    return hashlib.sha256(lines.encode("utf-8")).hexdigest()


def input_digests(source: Source) -> dict[str, Any]:
    """Every file under inventory/ and policies/ with its git blob id, and the digests.

    ``files`` maps repository-relative paths to git blob ids (all files, YAML or not);
    ``rules_digest`` is the SHA-256 of the lines ``"{path} {blob}\\n"`` of the files
    under policies/rules/, sorted by path; ``inputs_digest`` the same over all files.
    A symlink that cannot be followed inside the repository counts as its link text,
    which is what git stores for it.
    """
    from compliance_tool.repository.sources import blob_id

    files: dict[str, str] = {}
    for path, entry in sorted(source.entries().items()):
        if entry.link is None and entry.blob:
            files[path] = entry.blob
        elif entry.link is not None and source.entry_problem(entry):
            files[path] = blob_id(entry.link.encode("utf-8"))
        else:
            files[path] = source.blob(entry, source.read(entry))
    return {
        "files": files,
        "rules_digest": _digest(files, RULES_PREFIX),
        "inputs_digest": _digest(files),
    }


# -- results ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Check:
    """One named finding about the report."""

    name: str
    ok: bool | None
    """True holds, False fails, None not checked."""
    message: str

    @property
    def status(self) -> str:
        return {True: "ok", False: "FAIL", None: "skip"}[self.ok]


@dataclass(frozen=True, slots=True)
class SignedRevision:
    """What one signature of the file covers."""

    field: str
    """The signature field's name."""
    revision: int
    """The revision of the file that it signs, counted from 1."""
    revisions: int
    """How many revisions the file has (each incremental update adds one)."""
    manifest_sha256: str | None
    """SHA-256 of the manifest.json embedded in that revision; None without one."""

    @property
    def label(self) -> str:
        """E.g. "'ComplianceSignature' (revision 2 of 3)"."""
        return f"'{self.field}' (revision {self.revision} of {self.revisions})"


@dataclass(slots=True)
class VerifyReport:
    """The checks made on one signed report, in order, and what each signature covers."""

    path: Path
    checks: list[Check] = field(default_factory=list)
    signatures: list[SignedRevision] = field(default_factory=list)
    """Oldest first; the last is the one checked in full."""

    @property
    def ok(self) -> bool:
        """Every check that ran holds (and at least one did)."""
        return bool(self.checks) and all(c.ok is not False for c in self.checks)

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def add(self, name: str, ok: bool | None, message: str) -> None:
        self.checks.append(Check(name, ok, message))


def _listed(paths: Iterable[str]) -> str:
    items = sorted(paths)
    shown = ", ".join(items[:LISTED])
    return shown + (f" and {len(items) - LISTED} more" if len(items) > LISTED else "")


# -- checks -------------------------------------------------------------------------------


def _load_trust_roots(paths: list[Path]) -> list[Any]:
    from asn1crypto import x509 as asn1_x509
    from cryptography import x509
    from cryptography.hazmat.primitives import serialization

    roots: list[Any] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise SigningError(f"cannot read the trust root {path}: {exc.strerror}") from None
        try:
            certs = (
                x509.load_pem_x509_certificates(data)
                if b"-----BEGIN" in data
                else [x509.load_der_x509_certificate(data)]
            )
        except ValueError:
            raise SigningError(
                f"{path} holds no readable X.509 certificate", hint="give PEM or DER CA files"
            ) from None
        roots += [
            asn1_x509.Certificate.load(c.public_bytes(serialization.Encoding.DER)) for c in certs
        ]
    return roots


def _common_name(name: Any) -> str:
    """The CN of an asn1crypto Name, or the whole name without one."""
    return str(name.native.get("common_name") or name.human_friendly)


def _describe(reader: Any, ref: Any, info: Any) -> str:
    """What a changed object is: its /Type or /Subtype, Info, stream, or object."""
    from pyhanko.pdf_utils import generic

    try:
        obj = reader.get_object(ref)
    except read_errors():
        return "unreadable object"
    if isinstance(obj, generic.DictionaryObject):  # streams are dictionaries too
        kind = obj.get("/Type") or obj.get("/Subtype")
        if kind is not None:
            return str(kind).lstrip("/")
    if isinstance(info, generic.IndirectObject) and info.idnum == ref.idnum:
        return "Info"
    if isinstance(obj, generic.StreamObject):
        return "stream"
    return "array" if isinstance(obj, generic.ArrayObject) else "object"


def _changed_objects(reader: Any, signed_revision: int) -> str:
    """What the updates after the signed revision touch, e.g. "Annot (object 40), Page (object 7)"."""
    info = reader.trailer.raw_get("/Info") if "/Info" in reader.trailer else None
    updates = reader.xrefs.total_revisions - signed_revision - 1
    if updates <= 0:
        return ""
    described = [
        f"{_describe(reader, ref, info)} (object {ref.idnum})"
        for revision in range(signed_revision + 1, reader.xrefs.total_revisions)
        for ref in sorted(reader.xrefs.explicit_refs_in_revision(revision), key=lambda r: r.idnum)
    ]
    return f"{updates} update(s) after signing change {_listed(described) or 'no objects'}"


def _signatures_of(report: VerifyReport, reader: Any) -> list[Any]:
    """The signatures of the PDF, oldest first; none (said in the report) when it holds
    none or they cannot be read."""
    try:
        signatures = list(reader.embedded_regular_signatures)
    except read_errors() as exc:
        report.add("signature present", False, f"the signature cannot be read: {exc}")
        return []
    if not signatures:
        report.add("signature present", False, "the PDF holds no signature")
        return []
    last = signatures[-1]
    count = ""
    if len(signatures) > 1:
        covers = f"revision {last.signed_revision + 1} of {reader.xrefs.total_revisions}"
        count = (
            f" ({len(signatures)} signatures; checking the last, which covers {covers}, "
            "and what each earlier one signed)"
        )
    report.add("signature present", True, f"field '{last.field_name}'{count}")
    return signatures


def _status(signature: Any, roots: list[Any]) -> Any:
    """pyHanko's status of ``signature``; raises what :func:`read_errors` lists when the
    signature cannot be checked at all."""
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko_certvalidator import ValidationContext

    context = ValidationContext(trust_roots=roots, allow_fetching=False)
    return validate_pdf_signature(
        signature,
        signer_validation_context=context,
        key_usage_settings=KeyUsageConstraints(key_usage={"digital_signature", "non_repudiation"}),
    )


def _validate(report: VerifyReport, signature: Any, roots: list[Any]) -> Any:
    """pyHanko's status of the signature, or None (said in the report) when it cannot be
    checked at all."""
    try:
        return _status(signature, roots)
    except read_errors() as exc:  # SignatureValidationError is a ValueError
        report.add("signature intact", False, f"the signature cannot be checked: {exc}")
        return None


def _check_intact(report: VerifyReport, status: Any) -> None:
    if not status.intact:
        report.add(
            "signature intact",
            False,
            "the signed bytes were changed: their digest differs from the one the signature covers",
        )
    elif not status.valid:
        report.add(
            "signature intact",
            False,
            "the digest matches but the cryptographic signature does not verify with the "
            "signer's certificate",
        )
    else:
        report.add(
            "signature intact",
            True,
            f"{status.md_algorithm} digest matches; {status.pkcs7_signature_mechanism} "
            "signature verifies",
        )


def _check_coverage(report: VerifyReport, status: Any, signature: Any, size: int) -> None:
    from pyhanko.sign.validation import SignatureCoverageLevel

    coverage = status.coverage
    if coverage == SignatureCoverageLevel.ENTIRE_FILE:
        report.add("covers entire file", True, "the signature covers every byte but its own")
    elif coverage == SignatureCoverageLevel.ENTIRE_REVISION:
        signed_end = signature.byte_range[-2] + signature.byte_range[-1]
        report.add(
            "covers entire file",
            False,
            f"{size - signed_end} byte(s) were appended after the signed revision "
            "(an incremental update)",
        )
    else:
        name = coverage.name if coverage is not None else "unknown"
        report.add(
            "covers entire file", False, f"the signature covers only part of the file ({name})"
        )


def _check_changes(report: VerifyReport, status: Any, signature: Any, reader: Any) -> None:
    from pyhanko.sign.diff_analysis import DiffResult, ModificationLevel

    level = status.modification_level
    if level == ModificationLevel.NONE:
        report.add("no changes after signing", True, "the file is as it was signed")
        return
    diff = status.diff_result
    if isinstance(diff, DiffResult):
        what = f"changes of level {diff.modification_level.name}"
        if diff.changed_form_fields:
            what += f" to the fields {_listed(diff.changed_form_fields)}"
    elif diff is not None:  # SuspiciousModification
        what = "changes that difference analysis cannot explain"
    else:
        what = f"changes of level {level.name if level is not None else 'unknown'}"
    changed = _changed_objects(reader, signature.signed_revision)
    report.add("no changes after signing", False, what + (f": {changed}" if changed else ""))


def _check_signer(report: VerifyReport, status: Any, signature: Any, roots: list[Any]) -> None:
    cert = signature.signer_cert
    when = status.signer_reported_dt
    timestamp = status.timestamp_validity
    signer_ok = True
    if timestamp is not None:
        moment = f"time-stamped {timestamp.timestamp.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC"
        if not (timestamp.intact and timestamp.valid):
            signer_ok, moment = False, moment + ", but the time-stamp token does not verify"
        elif roots and not timestamp.trusted:
            moment += " by a time-stamp authority outside the trust roots"
    elif when is not None:
        moment = f"signed {when.astimezone(UTC):%Y-%m-%d %H:%M:%S} UTC (the signer's claim)"
    else:
        moment = "no signing time"
    report.add(
        "signer",
        signer_ok,
        f"{_common_name(cert.subject)}, issued by {_common_name(cert.issuer)}; {moment}",
    )


def _check_trust(report: VerifyReport, status: Any, roots: list[Any]) -> None:
    if not roots:
        report.add(
            "trusted",
            None,
            "not checked: no trust roots given (--trust CA.pem): the signature is only "
            "self-consistent, anyone can make a key with this name",
        )
    elif status.trusted:
        path = status.validation_path
        anchor = _common_name(path.trust_anchor.authority.name) if path else "a trust root"
        report.add("trusted", True, f"the certificate chains to {anchor}")
    elif not (status.intact and status.valid):
        report.add("trusted", False, "not established: the signature itself does not hold")
    else:
        problem = status.trust_problem_indic
        reason = f" ({problem.standard_name})" if problem is not None else ""
        report.add(
            "trusted",
            False,
            f"the certificate does not chain to any of the {len(roots)} given trust "
            f"root(s){reason}",
        )


def _check_signature(report: VerifyReport, data: bytes, reader: Any, roots: list[Any]) -> list[Any]:
    """Run the checks of the last signature; return every signature, oldest first."""
    signatures = _signatures_of(report, reader)
    if not signatures:
        return signatures
    signature = signatures[-1]
    status = _validate(report, signature, roots)
    if status is None:
        return signatures
    _check_intact(report, status)
    _check_coverage(report, status, signature, len(data))
    _check_changes(report, status, signature, reader)
    _check_signer(report, status, signature, roots)
    _check_trust(report, status, roots)
    return signatures


def _signed_files(reader: Any, signature: Any) -> dict[str, bytes] | None:
    """The embedded files of the revision ``signature`` signs; None when unreadable."""
    try:
        return embedded_files(reader.get_historical_resolver(signature.signed_revision))
    except read_errors():
        return None


def _signed_revision(reader: Any, signature: Any) -> SignedRevision:
    files = _signed_files(reader, signature) or {}
    manifest = files.get(MANIFEST_NAME)
    return SignedRevision(
        str(signature.field_name),
        signature.signed_revision + 1,
        reader.xrefs.total_revisions,
        hashlib.sha256(manifest).hexdigest() if manifest is not None else None,
    )


def _earlier_problem(reader: Any, signature: Any, final: Any, roots: list[Any]) -> str | None:
    """What is wrong with an earlier ``signature`` next to the ``final`` one, or None."""
    label = _signed_revision(reader, signature).label
    try:
        status = _status(signature, roots)
    except read_errors() as exc:
        return f"{label} cannot be checked: {exc}"
    if not status.intact:
        return f"{label}: the bytes it signs were changed"
    if not status.valid:
        return f"{label}: the cryptographic signature does not verify"
    if roots and not status.trusted:
        return f"{label}: the certificate does not chain to any of the given trust roots"
    ours, theirs = _signed_files(reader, signature), _signed_files(reader, final)
    if ours is None or theirs is None:
        return f"{label}: its embedded files cannot be read"
    differ = [n for n in (MANIFEST_NAME, FINDINGS_NAME) if ours.get(n) != theirs.get(n)]
    if not differ:
        return None
    digests = ""
    if MANIFEST_NAME in differ:
        old, new = (hashlib.sha256(f.get(MANIFEST_NAME, b"")).hexdigest() for f in (ours, theirs))
        digests = f" (manifest SHA-256 {old[:16]}… there, {new[:16]}… in the final)"
    return (
        f"{label} signs a different {' and '.join(differ)} from the final signature "
        f"{_signed_revision(reader, final).label}{digests}: it was replaced between the "
        "signatures, so the final one does not attest what was first signed"
    )


def _check_earlier(
    report: VerifyReport, reader: Any, signatures: list[Any], roots: list[Any]
) -> None:
    """Each signature before the last: it verifies (and is trusted, with trust roots) and
    signs the same manifest.json and findings.json as the last one."""
    final = signatures[-1]
    problems = [
        problem
        for signature in signatures[:-1]
        if (problem := _earlier_problem(reader, signature, final, roots)) is not None
    ]
    if problems:
        report.add("earlier signatures", False, "; ".join(problems))
        return
    labels = [_signed_revision(reader, s).label for s in signatures[:-1]]
    verb = "verifies and signs" if len(labels) == 1 else "verify and sign"
    report.add(
        "earlier signatures",
        True,
        f"{', '.join(labels)} {verb} the same {MANIFEST_NAME} and {FINDINGS_NAME} as the "
        f"final signature {_signed_revision(reader, final).label}",
    )


def _check_manifest(report: VerifyReport, handler: Any) -> dict[str, Any] | None:
    try:
        files = embedded_files(handler)
    except read_errors() as exc:
        report.add("manifest", False, f"the embedded files cannot be read: {exc}")
        return None
    missing = [n for n in (MANIFEST_NAME, FINDINGS_NAME) if n not in files]
    if missing:
        report.add("manifest", False, f"not embedded: {', '.join(missing)}")
        return None
    try:
        manifest = json.loads(files[MANIFEST_NAME])
    except (ValueError, UnicodeDecodeError) as exc:
        report.add("manifest", False, f"{MANIFEST_NAME} is not JSON: {exc}")
        return None
    if not isinstance(manifest, dict):
        report.add("manifest", False, f"{MANIFEST_NAME} is not a JSON object")
        return None
    problems = []
    findings_sha = hashlib.sha256(files[FINDINGS_NAME]).hexdigest()
    stated = manifest.get("findings_sha256")
    if not stated:
        problems.append("the manifest has no findings_sha256")
    elif stated != findings_sha:
        problems.append(
            f"{FINDINGS_NAME} has SHA-256 {findings_sha[:16]}…, the manifest says "
            f"{str(stated)[:16]}…"
        )
    raw_files = manifest.get("files")
    listed: dict[str, str] = {}
    if not isinstance(raw_files, dict):
        problems.append("the manifest lists no files")
    else:
        listed = {str(k): str(v) for k, v in raw_files.items()}
        if manifest.get("rules_digest") != _digest(listed, RULES_PREFIX):
            problems.append("rules_digest does not match the files it lists")
        if manifest.get("inputs_digest") != _digest(listed):
            problems.append("inputs_digest does not match the files it lists")
    if problems:
        report.add("manifest", False, "; ".join(problems))
        return manifest
    commit = manifest.get("commit")
    at = f"commit {str(commit)[:12]}" if commit else "a working tree (no commit)"
    report.add(
        "manifest",
        True,
        f"{MANIFEST_NAME} and {FINDINGS_NAME} embedded; findings match; "
        f"{len(listed)} input files from {at}, as of {manifest.get('as_of')}",
    )
    return manifest


def _check_repository(report: VerifyReport, manifest: dict[str, Any] | None, repo: Path) -> None:
    from compliance_tool.repository.sources import GitSource, open_repo
    from compliance_tool.repository.starter import PackagedPolicies

    name = "repository"
    if manifest is None or not isinstance(manifest.get("files"), dict):
        report.add(name, False, "no usable manifest to compare with the repository")
        return
    commit = manifest.get("commit")
    if not commit:
        report.add(
            name, False, "the manifest names no commit: the report was made from a working tree"
        )
        return
    try:
        git_repo = open_repo(repo)
        source = PackagedPolicies(GitSource.open(repo.resolve(), str(commit), git_repo))
    except ComplianceToolError as error:
        report.add(
            name,
            False,
            f"commit {commit} cannot be read in {repo}: {error.message}",
        )
        return
    if source.commit != commit:
        report.add(name, False, f"'{commit}' names commit {source.commit}, not itself")
        return
    problems = []
    tree = str(git_repo.git.rev_parse(f"{source.commit}^{{tree}}"))
    if manifest.get("tree") and manifest["tree"] != tree:
        problems.append(f"the manifest's tree {str(manifest['tree'])[:12]} is not {tree[:12]}")
    actual = input_digests(source)
    listed = {str(k): str(v) for k, v in manifest["files"].items()}
    differ = [p for p in listed if p in actual["files"] and actual["files"][p] != listed[p]]
    missing = [p for p in listed if p not in actual["files"]]
    extra = [p for p in actual["files"] if p not in listed]
    if differ:
        problems.append(f"{len(differ)} file(s) differ: {_listed(differ)}")
    if missing:
        problems.append(f"{len(missing)} file(s) missing from the commit: {_listed(missing)}")
    if extra:
        problems.append(
            f"{len(extra)} file(s) in the commit but not in the manifest: {_listed(extra)}"
        )
    if not problems and manifest.get("inputs_digest") != actual["inputs_digest"]:
        problems.append("inputs_digest differs from the commit's")
    if problems:
        report.add(name, False, f"commit {commit[:12]}: " + "; ".join(problems))
    else:
        report.add(
            name,
            True,
            f"commit {commit[:12]} holds exactly the {len(listed)} input files of the manifest",
        )
    report.add("observations", *compare_observations(manifest, source, commit))


def verify_report(pdf_path: Path, trust_roots: list[Path], repo: Path | None) -> VerifyReport:
    """Check a signed report; SigningError when the file is not a readable PDF."""
    data, reader = open_pdf(pdf_path)
    report = VerifyReport(pdf_path)
    roots = _load_trust_roots(trust_roots)
    signatures = _check_signature(report, data, reader, roots)
    handler = reader
    if signatures:  # the attachments as signed, not as changed afterwards
        try:
            handler = reader.get_historical_resolver(signatures[-1].signed_revision)
        except read_errors():
            handler = reader
    manifest = _check_manifest(report, handler)
    if len(signatures) > 1:
        _check_earlier(report, reader, signatures, roots)
    report.signatures = [_signed_revision(reader, s) for s in signatures]
    if repo is not None:
        _check_repository(report, manifest, repo)
    return report
