"""Signing test material, all real components: WeasyPrint renders a PDF/A-3b report,
``cryptography`` makes keys and certificates, and a local HTTP server answers RFC 3161
time-stamp requests with pyHanko's test TSA."""

from __future__ import annotations

import hashlib
import json
import threading
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from compliance_tool.audit.verify import input_digests
from compliance_tool.repository.sources import GitSource
from support.git import git
from support.pdf import weasyprint_quiet

CREATED = datetime(2026, 3, 2, 9, 30, 0, tzinfo=UTC)
SIGNED_AT = datetime(2026, 3, 2, 10, 0, 0, tzinfo=UTC)
FINDINGS = json.dumps({"findings": [{"rule": "runbook-required", "status": "pass"}]}).encode()

HTML = """<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>Compliance report</title>
<meta name="dcterms.created" content="2026-03-02T09:30:00Z">
<meta name="dcterms.modified" content="2026-03-02T09:30:00Z"></head>
<body><h1>Compliance report</h1><p>Every production model has a runbook.</p></body></html>
"""

EMPTY_DIGESTS: dict[str, Any] = {
    "files": {},
    "rules_digest": hashlib.sha256(b"").hexdigest(),
    "inputs_digest": hashlib.sha256(b"").hexdigest(),
}


# -- reports ------------------------------------------------------------------------------


def make_manifest(
    digests: dict[str, Any],
    commit: str | None = None,
    tree: str | None = None,
    findings: bytes = FINDINGS,
) -> bytes:
    """A manifest as the report writes it."""
    manifest = {
        "version": 1,
        "tool": {"name": "compliance-tool", "version": "0.1.0"},
        "organisation": "Example Bank",
        "commit": commit,
        "tree": tree,
        "as_of": "2026-03-02",
        **digests,
        "findings_sha256": hashlib.sha256(findings).hexdigest(),
    }
    return json.dumps(manifest, indent=2, sort_keys=True).encode()


def render_pdf(manifest: bytes, findings: bytes = FINDINGS, *, compressed: bool = False) -> bytes:
    """A one-page PDF/A-3b with findings.json and manifest.json attached."""
    from weasyprint import HTML as WeasyHTML
    from weasyprint import Attachment

    attachments = [
        Attachment(string=data, name=name, created=CREATED, modified=CREATED, relationship="Data")
        for name, data in (("findings.json", findings), ("manifest.json", manifest))
    ]
    with weasyprint_quiet():
        pdf = WeasyHTML(string=HTML).write_pdf(
            pdf_variant="pdf/a-3b",
            attachments=attachments,
            uncompressed_pdf=not compressed,
            pdf_identifier=b"compliance-test1",
        )
    assert isinstance(pdf, bytes)
    return pdf


def manifest_of_commit(root: Path, commit: str, named: str | None = None) -> bytes:
    """The manifest of ``commit``, optionally claiming to be of commit ``named``."""
    source = GitSource.open(root, commit)
    named = named or commit
    tree = git(root, "rev-parse", f"{named}^{{tree}}").strip()
    return make_manifest(input_digests(source), named, tree)


# -- certificates -------------------------------------------------------------------------


def _name(common_name: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])


def _usage(**flags: bool) -> x509.KeyUsage:
    names = [
        "digital_signature",
        "content_commitment",
        "key_encipherment",
        "data_encipherment",
        "key_agreement",
        "key_cert_sign",
        "crl_sign",
        "encipher_only",
        "decipher_only",
    ]
    return x509.KeyUsage(**{n: flags.get(n, False) for n in names})


def make_cert(
    common_name: str,
    key: Any,
    *,
    issuer: tuple[x509.Certificate, Any] | None = None,
    ca: bool = False,
    tsa: bool = False,
    not_before: datetime | None = None,
    not_after: datetime | None = None,
) -> x509.Certificate:
    """A certificate for ``key``; self-signed unless ``issuer`` = (cert, key)."""
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(_name(common_name))
        .issuer_name(issuer[0].subject if issuer else _name(common_name))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(not_before or now - timedelta(days=1))
        .not_valid_after(not_after or now + timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )
    if issuer:
        builder = builder.add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer[1].public_key()),
            critical=False,
        )
    if ca:
        builder = builder.add_extension(_usage(key_cert_sign=True, crl_sign=True), critical=True)
    elif tsa:
        builder = builder.add_extension(_usage(digital_signature=True), critical=True)
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.TIME_STAMPING]), critical=True
        )
    else:
        builder = builder.add_extension(
            _usage(digital_signature=True, content_commitment=True), critical=True
        )
    return builder.sign(issuer[1] if issuer else key, hashes.SHA256())


def pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def key_pem(key: Any, passphrase: bytes | None = None) -> bytes:
    encryption: serialization.KeySerializationEncryption = (
        serialization.BestAvailableEncryption(passphrase)
        if passphrase
        else serialization.NoEncryption()
    )
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
    )


def ec_key() -> Any:
    return ec.generate_private_key(ec.SECP256R1())


# -- a local time-stamp authority ---------------------------------------------------------


class LocalTsa:
    """An RFC 3161 time-stamp authority on 127.0.0.1, answering with pyHanko's test TSA."""

    def __init__(self, ca: tuple[x509.Certificate, Any]) -> None:
        from asn1crypto import keys as asn1_keys
        from asn1crypto import x509 as asn1_x509
        from pyhanko.sign.timestamps import DummyTimeStamper

        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        cert = make_cert("Test TSA", key, issuer=ca, tsa=True)
        self.stamper = DummyTimeStamper(
            tsa_cert=asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER)),
            tsa_key=asn1_keys.PrivateKeyInfo.load(
                key.private_bytes(
                    serialization.Encoding.DER,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            ),
        )
        self.requests = 0
        self.server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        from asn1crypto import tsp

        tsa = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                reply = tsa.stamper.request_tsa_response(tsp.TimeStampReq.load(body)).dump()
                tsa.requests += 1
                self.send_response(200)
                self.send_header("Content-Type", "application/timestamp-reply")
                self.send_header("Content-Length", str(len(reply)))
                self.end_headers()
                self.wfile.write(reply)

            def log_message(self, format: str, *args: Any) -> None:
                pass

        return Handler

    def start(self) -> None:
        self.thread.start()

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


def claiming_commit(
    report: Path, repo: Path, commit: str, env: dict[str, str], root: Path
) -> bytes:
    """``report``'s own manifest and findings in a one-page PDF signed with the
    development key of ``root``, the manifest changed to name ``commit`` of ``repo`` and
    its tree: a report that claims a commit whose files it does not hold."""
    from compliance_tool.report.manifest import manifest_bytes
    from compliance_tool.report.render import render_pdf
    from compliance_tool.report.signing_config import SigningConfig
    from compliance_tool.report.signing_keys import load_signer
    from compliance_tool.report.signing_pdf import sign_pdf
    from support.pdf import attachments

    embedded = attachments(report)
    manifest = json.loads(embedded["manifest.json"])
    manifest["commit"] = commit
    manifest["tree"] = git(repo, "rev-parse", f"{commit}^{{tree}}", env=env).strip()
    moment = datetime(2026, 11, 26, tzinfo=UTC)
    html = "<!DOCTYPE html><html><head><title>Report</title></head><body><p>x</p></body></html>"
    with weasyprint_quiet():
        pdf = render_pdf(
            html,
            {"findings.json": embedded["findings.json"], "manifest.json": manifest_bytes(manifest)},
            moment,
            "forged",
        )
    config = SigningConfig()
    return sign_pdf(pdf, load_signer(config, root), config, moment)
