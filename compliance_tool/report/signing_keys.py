"""Key material to sign reports with, loaded with ``cryptography`` (so every failure gets
a precise message) and handed to pyHanko's :class:`SimpleSigner`.

Without a configured key, a self-signed development key is created once in
``<root>/.compliance-keys/``; reports signed with it are only self-consistent, and the CLI
says so. That folder is the tool's own: a link there (the folder, the key or the
certificate), or a file in it that git tracks, is refused before anything is written, and
the key is created 0600 without following links (a committed link would otherwise send
the private key wherever it points). The passphrase of an encrypted key comes from an environment variable or a
file, never from the command line, and is never printed, logged or put into an error
message.
"""

from __future__ import annotations

import getpass
import os
import socket
import stat
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from compliance_tool.errors import SigningError
from compliance_tool.report.signing_config import (
    CONFIG_FILE,
    ENV_CERT,
    ENV_KEY,
    ENV_PASSPHRASE_FILE,
    SigningConfig,
)
from compliance_tool.repository.sources import tracked_files
from compliance_tool.repository.writing import open_own_folder, read_in_folder, replace_in_folder

DEV_KEY_DIR = ".compliance-keys"
DEV_KEY_FILE = "development-key.pem"
DEV_CERT_FILE = "development-cert.pem"
DEV_IGNORE_FILE = ".gitignore"
DEV_FILES = (DEV_KEY_FILE, DEV_CERT_FILE, DEV_IGNORE_FILE)
DEV_FILE_LIMIT = 1 << 20
"""No development key or certificate is near this size; a larger file is not ours."""
DEV_VALIDITY = timedelta(days=730)
DEV_NOTICE = (
    f"signed with a development key created in {DEV_KEY_DIR}/: "
    "configure a real key for reports others rely on"
)


@dataclass(frozen=True, slots=True)
class LoadedSigner:
    """A signer ready for :func:`compliance_tool.report.signing_pdf.sign_pdf`."""

    signer: Any
    """A ``pyhanko.sign.signers.SimpleSigner``."""
    name: str
    """The certificate subject's common name (or the whole subject without one)."""
    development: bool
    notice: str | None = None
    """Text for stderr, e.g. that a development key signed the report."""
    cert_path: Path | None = None
    """The signer's certificate file, when it is a file of its own."""


def _passphrase(config: SigningConfig, root: Path) -> tuple[bytes | None, str]:
    """The passphrase and a description of where it came from (never the value)."""
    if config.passphrase_file is not None:
        path = _resolve(config.passphrase_file, root)
        try:
            text = path.read_bytes().splitlines()
        except OSError as exc:
            raise SigningError(
                f"cannot read the passphrase file {path}: {exc.strerror}",
                hint=f"check {ENV_PASSPHRASE_FILE} or signing.passphrase_file",
            ) from None
        return (text[0] if text else b""), f"the passphrase file {path}"
    value = os.environ.get(config.passphrase_env)
    if value is not None:
        return value.encode("utf-8"), f"the environment variable {config.passphrase_env}"
    return None, f"nowhere (set {config.passphrase_env} or a passphrase file)"


def _read(path: Path, what: str, hint: str) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise SigningError(f"the {what} {path} does not exist", hint=hint) from None
    except OSError as exc:
        raise SigningError(f"cannot read the {what} {path}: {exc.strerror}", hint=hint) from None


def _load_certs(data: bytes, path: Path) -> list[Any]:
    from cryptography import x509

    try:
        if b"-----BEGIN" in data:
            return list(x509.load_pem_x509_certificates(data))
        return [x509.load_der_x509_certificate(data)]
    except ValueError:
        raise SigningError(
            f"{path} holds no readable X.509 certificate",
            hint="give a PEM or DER certificate file",
        ) from None


def _load_private_key(data: bytes, path: Path, passphrase: bytes | None, source: str) -> Any:
    from cryptography.hazmat.primitives import serialization

    load = (
        serialization.load_pem_private_key
        if b"-----BEGIN" in data
        else serialization.load_der_private_key
    )
    try:
        return load(data, password=None)
    except TypeError:  # encrypted: needs the passphrase
        pass
    except ValueError:
        raise SigningError(
            f"{path} holds no readable private key",
            hint="give a PEM private key, or a PKCS#12 file named .p12 or .pfx",
        ) from None
    if passphrase is None:
        raise SigningError(
            f"the signing key {path} is encrypted and no passphrase was given",
            hint=f"passphrase from {source}",
        )
    try:
        return load(data, password=passphrase)
    except (TypeError, ValueError):
        raise SigningError(
            f"cannot decrypt the signing key {path} with the passphrase from {source}",
            hint="the passphrase is wrong (its value is never shown)",
        ) from None


def _load_pkcs12(data: bytes, path: Path, passphrase: bytes | None, source: str) -> Any:
    from cryptography.hazmat.primitives.serialization import pkcs12

    attempts = [passphrase] if passphrase is not None else [None, b""]
    for attempt in attempts:
        try:
            return pkcs12.load_pkcs12(data, attempt)
        except ValueError:
            continue
    if passphrase is None:
        raise SigningError(
            f"cannot open the PKCS#12 file {path} without a passphrase",
            hint=f"it is encrypted or not PKCS#12; passphrase from {source}",
        )
    raise SigningError(
        f"cannot open the PKCS#12 file {path} with the passphrase from {source}",
        hint="the passphrase is wrong or the file is not PKCS#12 (the passphrase is never shown)",
    )


def _common_name(cert: Any) -> str:
    from cryptography.x509.oid import NameOID

    names = cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)
    return str(names[0].value) if names else str(cert.subject.rfc4514_string())


def _public_der(key: Any) -> bytes:
    from cryptography.hazmat.primitives import serialization

    return bytes(
        key.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        )
    )


def _check_pair(private_key: Any, cert: Any, key_path: Path, cert_path: Path) -> None:
    if _public_der(private_key.public_key()) != _public_der(cert.public_key()):
        raise SigningError(
            f"the certificate {cert_path} does not match the signing key {key_path}",
            hint="give the certificate that was issued for this key",
        )


def _check_validity(cert: Any, cert_path: Path, now: datetime) -> None:
    name = _common_name(cert)
    if cert.not_valid_after_utc < now:
        raise SigningError(
            f"the signing certificate '{name}' ({cert_path}) expired on "
            f"{cert.not_valid_after_utc:%Y-%m-%d}",
            hint="renew the certificate",
        )
    if cert.not_valid_before_utc > now:
        raise SigningError(
            f"the signing certificate '{name}' ({cert_path}) is valid only from "
            f"{cert.not_valid_before_utc:%Y-%m-%d %H:%M} UTC",
            hint="check the certificate and the system clock",
        )


def _simple_signer(private_key: Any, cert: Any, others: list[Any]) -> Any:
    from asn1crypto import keys as asn1_keys
    from asn1crypto import x509 as asn1_x509
    from cryptography.hazmat.primitives import serialization
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    def as_asn1(certificate: Any) -> Any:
        return asn1_x509.Certificate.load(certificate.public_bytes(serialization.Encoding.DER))

    key_info = asn1_keys.PrivateKeyInfo.load(
        private_key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return SimpleSigner(
        signing_cert=as_asn1(cert),
        signing_key=key_info,
        cert_registry=SimpleCertificateStore.from_certs([as_asn1(c) for c in others]),
    )


def _resolve(path: Path, root: Path) -> Path:
    return path if path.is_absolute() else root / path


def load_signer(config: SigningConfig, root: Path) -> LoadedSigner:
    """Load (or, without a configured key, create) the key and certificate to sign with."""
    now = datetime.now(UTC)
    if config.key is None:
        return _development_signer(root, now)
    key_path = _resolve(config.key, root)
    key_hint = f"check {ENV_KEY} or signing.key in {CONFIG_FILE}"
    data = _read(key_path, "signing key", key_hint)
    passphrase, source = _passphrase(config, root)
    chain: list[Any] = []
    for item in config.chain:
        chain_path = _resolve(item, root)
        chain += _load_certs(
            _read(chain_path, "chain certificate", "check signing.chain"), chain_path
        )
    if key_path.suffix.lower() in (".p12", ".pfx"):
        bundle = _load_pkcs12(data, key_path, passphrase, source)
        if bundle.key is None or bundle.cert is None:
            raise SigningError(
                f"the PKCS#12 file {key_path} must hold a private key and its certificate"
            )
        private_key, cert = bundle.key, bundle.cert.certificate
        cert_path = key_path
        chain += [c.certificate for c in bundle.additional_certs]
    else:
        private_key = _load_private_key(data, key_path, passphrase, source)
        if config.cert is None:
            raise SigningError(
                f"no certificate for the signing key {key_path}",
                hint=f"set {ENV_CERT} or signing.cert in {CONFIG_FILE}",
            )
        cert_path = _resolve(config.cert, root)
        certs = _load_certs(
            _read(cert_path, "certificate", f"check {ENV_CERT} or signing.cert"), cert_path
        )
        cert, chain = certs[0], certs[1:] + chain
    _check_pair(private_key, cert, key_path, cert_path)
    _check_validity(cert, cert_path, now)
    return LoadedSigner(
        signer=_simple_signer(private_key, cert, chain),
        name=_common_name(cert),
        development=False,
        notice=None,
        cert_path=cert_path if cert_path != key_path else None,
    )


def _development_name() -> str:
    try:
        who = socket.gethostname()
    except OSError:
        who = ""
    if not who:
        try:
            who = getpass.getuser()
        except (OSError, KeyError):
            who = "unknown"
    return f"compliance-tool development key ({who})"


def _development_material(now: datetime) -> tuple[bytes, bytes]:
    """A new self-signed development key and certificate, both PEM."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, _development_name())])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + DEV_VALIDITY)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, cert.public_bytes(serialization.Encoding.PEM)


def _create_development_key(folder_fd: int, now: datetime) -> tuple[bytes, bytes]:
    """Write a new development key and certificate into the key folder open as
    ``folder_fd`` (the git-ignore file first, so the key never lands unignored); the key
    is created 0600 and nothing is written through a link. Returns (key, certificate)."""
    key, cert = _development_material(now)
    replace_in_folder(folder_fd, DEV_IGNORE_FILE, b"*\n", 0o644)
    replace_in_folder(folder_fd, DEV_KEY_FILE, key, 0o600)
    replace_in_folder(folder_fd, DEV_CERT_FILE, cert, 0o644)
    return key, cert


def development_cert_path(root: Path) -> Path:
    """Where the development certificate of ``root`` is (or will be)."""
    return root / DEV_KEY_DIR / DEV_CERT_FILE


def _unsafe_key_folder(folder: Path) -> SigningError | None:
    """Why ``folder`` (``.compliance-keys``) or a file in it cannot hold the development
    key: a link (a committed link would send the private key wherever it points), or not
    a folder or regular file; None when it is safe or absent."""
    fix = f"or configure a key with {ENV_KEY}"
    for path in (folder, *(folder / name for name in DEV_FILES)):
        try:
            mode = path.lstat().st_mode
        except FileNotFoundError:
            if path == folder:
                return None
            continue
        except OSError as exc:
            return SigningError(
                f"cannot inspect {path}: {exc.strerror}", hint=f"check its permissions, {fix}"
            )
        what = "the development key folder" if path == folder else "the development key file"
        if stat.S_ISLNK(mode):
            return SigningError(
                f"{what} {path} is a symbolic link (to {os.readlink(path)}); "
                "the development key is never read or written through a link",
                hint=f"remove the link ('rm {path}'): a new key is created in its place, {fix}",
            )
        wanted = stat.S_ISDIR if path == folder else stat.S_ISREG
        if not wanted(mode):
            kind = "a folder" if path == folder else "a regular file"
            return SigningError(
                f"{what} {path} is not {kind}",
                hint=f"remove it: a new key is created in its place, {fix}",
            )
    return None


def check_development_folder(config: SigningConfig, root: Path) -> None:
    """SigningError, before anything is written, when ``config`` signs with the
    development key and its folder cannot safely hold it: the folder or a file in it is
    tracked by git, is a link, or is not a folder or regular file. Building a report
    calls it before it creates any file, :func:`load_signer` again before it writes."""
    if config.key is not None:
        return
    tracked = tracked_files(root / DEV_KEY_DIR)
    if tracked:
        more = f" and {len(tracked) - 3} more" if len(tracked) > 3 else ""
        raise SigningError(
            f"{DEV_KEY_DIR}/ in {root} is tracked by git ({', '.join(tracked[:3])}{more}); "
            "a key in the repository is known to everyone who can clone it, so it is not used",
            hint=f"run 'git rm -r --cached {DEV_KEY_DIR}' and commit, then delete the folder "
            f"so that a new key is created, or configure a key with {ENV_KEY}",
        )
    unsafe = _unsafe_key_folder(root / DEV_KEY_DIR)
    if unsafe is not None:
        raise unsafe


def _read_development(folder_fd: int, folder: Path, name: str) -> bytes | None:
    try:
        return read_in_folder(folder_fd, name, DEV_FILE_LIMIT)
    except (OSError, ValueError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) else str(exc)
        raise SigningError(
            f"cannot read the development key file {folder / name}: {reason}",
            hint=f"remove it: a new key is created in its place, or configure {ENV_KEY}",
        ) from None


def _development_files(folder: Path, now: datetime) -> tuple[bytes, bytes, str]:
    """The development key and certificate in ``folder`` (checked by
    :func:`check_development_folder`), created when missing or expired, read and written
    through a descriptor of the folder that followed no link. Returns (key, certificate,
    a note for the notice)."""
    try:
        folder_fd = open_own_folder(folder)
    except OSError as exc:
        raise SigningError(
            f"cannot create the development key in {folder}: {exc.strerror}",
            hint=f"check the folder's permissions, or configure a key with {ENV_KEY}",
        ) from None
    try:
        key = _read_development(folder_fd, folder, DEV_KEY_FILE)
        cert = _read_development(folder_fd, folder, DEV_CERT_FILE)
        if key is not None and cert is not None:
            if _load_certs(cert, folder / DEV_CERT_FILE)[0].not_valid_after_utc > now:
                return key, cert, ""
            note = " (the previous one had expired)"
        else:
            note = ""
        try:
            os.fchmod(folder_fd, 0o700)  # the folder itself, through its descriptor
            key, cert = _create_development_key(folder_fd, now)
        except OSError as exc:
            raise SigningError(
                f"cannot create the development key in {folder}: {exc.strerror}",
                hint=f"check the folder's permissions, or configure a key with {ENV_KEY}",
            ) from None
        return key, cert, note
    finally:
        os.close(folder_fd)


def _development_signer(root: Path, now: datetime) -> LoadedSigner:
    folder = root / DEV_KEY_DIR
    key_path, cert_path = folder / DEV_KEY_FILE, folder / DEV_CERT_FILE
    check_development_folder(SigningConfig(), root)
    key, cert_data, created = _development_files(folder, now)
    private_key = _load_private_key(key, key_path, None, "nowhere")
    cert = _load_certs(cert_data, cert_path)[0]
    _check_pair(private_key, cert, key_path, cert_path)
    return LoadedSigner(
        signer=_simple_signer(private_key, cert, []),
        name=_common_name(cert),
        development=True,
        notice=DEV_NOTICE + created,
        cert_path=cert_path,
    )
