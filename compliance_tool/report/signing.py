"""Sign rendered reports: PAdES baseline signatures with a visible, PDF/A-safe stamp.

Key material is loaded with ``cryptography`` (so every failure gets a precise message)
and handed to pyHanko's :class:`SimpleSigner`. Without a configured key, a self-signed
development key is created once in ``<root>/.compliance-keys/``; reports signed with it
are only self-consistent, and the CLI says so.

The passphrase of an encrypted key comes from an environment variable or a file, never
from the command line, and is never printed, logged or put into an error message.
"""

from __future__ import annotations

import dataclasses
import getpass
import io
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from compliance_tool.errors import SigningError

ENV_KEY = "COMPLIANCE_TOOL_SIGNING_KEY"
ENV_CERT = "COMPLIANCE_TOOL_SIGNING_CERT"
ENV_PASSPHRASE_FILE = "COMPLIANCE_TOOL_SIGNING_PASSPHRASE_FILE"
ENV_TSA_URL = "COMPLIANCE_TOOL_TSA_URL"
ENV_MEANING = "COMPLIANCE_TOOL_SIGNING_MEANING"
DEFAULT_PASSPHRASE_ENV = "COMPLIANCE_TOOL_KEY_PASSPHRASE"
DEFAULT_MEANING = "Compliance report of the AI portfolio"

CONFIG_FILE = "compliance-tool.yaml"

DEV_KEY_DIR = ".compliance-keys"
DEV_KEY_FILE = "development-key.pem"
DEV_CERT_FILE = "development-cert.pem"
DEV_VALIDITY = timedelta(days=730)
DEV_NOTICE = (
    f"signed with a development key created in {DEV_KEY_DIR}/: "
    "configure a real key for reports others rely on"
)

FIELD_NAME = "ComplianceSignature"
SIGNATURE_BOX = (42, 56, 342, 126)
"""The visible signature on the last page: (left, bottom, right, top) in PDF points.

A 300 x 70 pt box at the bottom left, above a footer of up to 56 pt; a report keeps
this area of its last page free (e.g. ``@page :last { margin-bottom: 130pt }``)."""

STAMP_TEXT = "Digitally signed by %(signer)s\nTime: %(ts)s\nMeaning: %(meaning)s"
STAMP_FONT_SIZE = 9
STAMP_LEADING = 12
STAMP_TIME_FORMAT = "%Y-%m-%d %H:%M:%S UTC"
DEJAVU_SANS = Path("/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf")


@dataclass(frozen=True, slots=True)
class SigningConfig:
    """Where the key is and what the signature says. Holds no secret."""

    key: Path | None = None
    """PEM private key, or PKCS#12 archive (``.p12``/``.pfx``); None: the development key."""
    cert: Path | None = None
    """PEM (or DER) certificate of ``key``; not used with PKCS#12."""
    chain: tuple[Path, ...] = ()
    """Further certificates (intermediates) to embed in the signature."""
    passphrase_env: str = DEFAULT_PASSPHRASE_ENV
    """Name of the environment variable holding the key's passphrase."""
    passphrase_file: Path | None = None
    """A file holding the key's passphrase (first line); wins over the variable."""
    meaning: str = DEFAULT_MEANING
    """What the signer vouches for: the signature's /Reason and the stamp's last line."""
    location: str | None = None
    tsa_url: str | None = None
    """RFC 3161 time-stamp authority: with it the signature is PAdES B-T, else B-B."""
    allow_without_tsa: bool = False
    """Sign without a time-stamp (and say so) when the TSA cannot be reached."""


@dataclass(frozen=True, slots=True)
class LoadedSigner:
    """A signer ready for :func:`sign_pdf`."""

    signer: Any
    """A ``pyhanko.sign.signers.SimpleSigner``."""
    name: str
    """The certificate subject's common name (or the whole subject without one)."""
    development: bool
    notice: str | None = None
    """Text for stderr, e.g. that a development key signed the report."""
    cert_path: Path | None = None
    """The signer's certificate file, when it is a file of its own."""


# -- configuration ------------------------------------------------------------------------


def _read_config_file(root: Path, config: Mapping[str, Any] | None) -> dict[str, Any]:
    """The ``signing:`` section of compliance-tool.yaml as SigningConfig values.

    The file is read (and checked against its schema, which has no place for a
    passphrase) by :func:`compliance_tool.repository.config.load_config`, unless the
    caller has read it already and passes it as ``config``.
    """
    if config is None:
        from compliance_tool.repository.config import load_config

        config = load_config(root)
    section = config.get("signing")
    if not isinstance(section, dict):
        return {}
    result: dict[str, Any] = {}
    for name in ("key", "cert", "passphrase_file"):
        if section.get(name) is not None:
            result[name] = root / str(section[name])
    if section.get("chain") is not None:
        chain = section["chain"]
        chain = [chain] if isinstance(chain, str) else chain
        if not isinstance(chain, list):
            raise SigningError("signing.chain must be a list of paths", where=CONFIG_FILE)
        result["chain"] = tuple(root / str(item) for item in chain)
    for name in ("meaning", "location", "tsa_url"):
        if section.get(name) is not None:
            result[name] = str(section[name])
    return result


def signing_config_from_env(
    root: Path,
    overrides: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
) -> SigningConfig:
    """The signing configuration: ``overrides``, then environment, then the config file
    (``config``, the file as already read, or else read from ``root``), then defaults.

    ``overrides`` maps :class:`SigningConfig` field names to values (None values are
    ignored), e.g. from command-line options. Relative paths, wherever they come from,
    are relative to the repository ``root``.
    """
    values = _read_config_file(root, config)
    env = os.environ
    if env.get(ENV_KEY):
        values["key"] = Path(env[ENV_KEY])
    if env.get(ENV_CERT):
        values["cert"] = Path(env[ENV_CERT])
    if env.get(ENV_PASSPHRASE_FILE):
        values["passphrase_file"] = Path(env[ENV_PASSPHRASE_FILE])
    if env.get(ENV_TSA_URL):
        values["tsa_url"] = env[ENV_TSA_URL]
    if env.get(ENV_MEANING):
        values["meaning"] = env[ENV_MEANING]
    fields = {f.name for f in dataclasses.fields(SigningConfig)}
    for name, value in (overrides or {}).items():
        if name not in fields:
            raise TypeError(f"unknown signing setting {name!r}")
        if value is not None:
            values[name] = value
    if isinstance(values.get("chain"), list):
        values["chain"] = tuple(values["chain"])
    return SigningConfig(**values)


# -- keys ---------------------------------------------------------------------------------


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


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
    os.chmod(path, 0o600)


def _create_development_key(folder: Path, now: datetime) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    (folder / ".gitignore").write_text("*\n", encoding="utf-8")
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
    _write_private(
        folder / DEV_KEY_FILE,
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ),
    )
    (folder / DEV_CERT_FILE).write_bytes(cert.public_bytes(serialization.Encoding.PEM))


def development_cert_path(root: Path) -> Path:
    """Where the development certificate of ``root`` is (or will be)."""
    return root / DEV_KEY_DIR / DEV_CERT_FILE


def _development_signer(root: Path, now: datetime) -> LoadedSigner:
    folder = root / DEV_KEY_DIR
    key_path, cert_path = folder / DEV_KEY_FILE, folder / DEV_CERT_FILE
    created = ""
    usable = key_path.is_file() and cert_path.is_file()
    if usable:
        cert = _load_certs(cert_path.read_bytes(), cert_path)[0]
        usable = cert.not_valid_after_utc > now
        created = "" if usable else " (the previous one had expired)"
    if not usable:
        try:
            _create_development_key(folder, now)
        except OSError as exc:
            raise SigningError(
                f"cannot create the development key in {folder}: {exc.strerror}",
                hint=f"check the folder's permissions, or configure a key with {ENV_KEY}",
            ) from None
    private_key = _load_private_key(key_path.read_bytes(), key_path, None, "nowhere")
    cert = _load_certs(cert_path.read_bytes(), cert_path)[0]
    _check_pair(private_key, cert, key_path, cert_path)
    return LoadedSigner(
        signer=_simple_signer(private_key, cert, []),
        name=_common_name(cert),
        development=True,
        notice=DEV_NOTICE + created,
        cert_path=cert_path,
    )


# -- signing ------------------------------------------------------------------------------


def stamp_font_path() -> Path:
    """DejaVu Sans: the system copy (fonts-dejavu-core), else matplotlib's bundled one."""
    if DEJAVU_SANS.is_file():
        return DEJAVU_SANS
    import matplotlib

    bundled = Path(matplotlib.get_data_path()) / "fonts" / "ttf" / "DejaVuSans.ttf"
    if bundled.is_file():
        return bundled
    raise SigningError(
        "no DejaVu Sans font to draw the signature stamp with",
        hint="install the Debian package fonts-dejavu-core",
    )


def stamp_font(path: Path, text: str) -> bytes:
    """The stamp font, made ready for pyHanko: the glyphs of ``text``, 1000 units per em.

    pyHanko writes a TrueType font's advance widths into /W (and its TJ adjustments) in
    font units, where PDF expects thousandths of an em; DejaVu Sans has 2048 units per
    em, so its text would be drawn twice as wide, and /W would disagree with the
    embedded program (a PDF/A violation). Subsetting to the stamp's characters first
    keeps the rescaling fast; hinting is dropped (its programs assume the old grid), as
    are the FontForge and MATH tables the subsetter cannot handle.
    """
    from fontTools import subset, ttLib
    from fontTools.ttLib.scaleUpem import scale_upem

    font = ttLib.TTFont(io.BytesIO(path.read_bytes()))
    options = subset.Options()
    options.hinting = False
    options.drop_tables += ["FFTM", "MATH"]
    subsetter = subset.Subsetter(options=options)
    subsetter.populate(text=text)
    subsetter.subset(font)
    if font["head"].unitsPerEm != 1000:
        scale_upem(font, 1000)
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _font_factory(font_bytes: bytes) -> Any:
    """A GlyphAccumulatorFactory over font bytes in memory.

    pyHanko's own factory opens the font file and never closes it (a ResourceWarning
    when it is collected).
    """
    try:
        from pyhanko.pdf_utils.font.opentype import GlyphAccumulator, GlyphAccumulatorFactory
    except ImportError:
        raise SigningError(
            "the signature stamp needs pyHanko's OpenType support (uharfbuzz)",
            hint="pip install 'pyHanko[opentype]'",
        ) from None

    @dataclass(frozen=True)
    class InMemoryGlyphAccumulatorFactory(GlyphAccumulatorFactory):
        def create_font_engine(self, writer: Any, obj_stream: Any = None) -> GlyphAccumulator:
            if obj_stream is None and writer.stream_xrefs and self.create_objstream_if_needed:
                obj_stream = writer.prepare_object_stream()
            return GlyphAccumulator(
                writer=writer,
                font_handle=io.BytesIO(font_bytes),
                font_size=self.font_size,
                ot_script_tag=self.ot_script_tag,
                ot_language_tag=self.ot_language_tag,
                writing_direction=self.writing_direction,
                bcp47_lang_code=self.bcp47_lang_code,
                obj_stream=obj_stream,
            )

    # the engine's size must equal the text box's, or lines drift (pyHanko issue #733)
    return InMemoryGlyphAccumulatorFactory(font_file="<memory>", font_size=STAMP_FONT_SIZE)


def _stamp_text_params(loaded: LoadedSigner, config: SigningConfig, when: datetime) -> dict:
    return {
        "signer": loaded.name,
        "ts": when.strftime(STAMP_TIME_FORMAT),
        "meaning": config.meaning,
    }


def _stamp_style(text: str) -> Any:
    from pyhanko.pdf_utils.text import TextBoxStyle
    from pyhanko.stamp import TextStampStyle

    return TextStampStyle(
        stamp_text=STAMP_TEXT,
        timestamp_format=STAMP_TIME_FORMAT,
        text_box_style=TextBoxStyle(
            font=_font_factory(stamp_font(stamp_font_path(), text)),
            font_size=STAMP_FONT_SIZE,
            leading=STAMP_LEADING,
        ),
        border_width=1,
        background=None,
    )


def _pdf_signer(
    loaded: LoadedSigner, config: SigningConfig, signing_time: datetime, timestamper: Any
) -> Any:
    from pyhanko.sign import fields, signers
    from pyhanko.sign.signers import constants

    class TimedPdfSigner(signers.PdfSigner):
        """PdfSigner that signs at the given time and keeps the PDF version at 1.7.

        pyHanko declares ECDSA P-256/P-384 signatures through the ISO/TS 32002 extension,
        which raises the document to PDF 2.0; PDF/A-3 is based on PDF 1.7, so only the
        PAdES (ESIC) extension is declared, as PAdES on PDF 1.7 does.
        """

        def register_extensions(self, pdf_out: Any, *, md_algorithm: str) -> None:
            pdf_out.ensure_output_version(version=(1, 7))
            if pdf_out.output_version < (2, 0):
                pdf_out.register_extension(constants.ESIC_EXTENSION_1)

        def init_signing_session(self, pdf_out: Any, existing_fields_only: bool = False) -> Any:
            session = super().init_signing_session(
                pdf_out, existing_fields_only=existing_fields_only
            )
            session.system_time = signing_time
            return session

    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason=config.meaning,
        location=config.location,
        name=loaded.name,
    )
    return TimedPdfSigner(
        meta,
        signer=loaded.signer,
        timestamper=timestamper,
        stamp_style=_stamp_style(STAMP_TEXT % _stamp_text_params(loaded, config, signing_time)),
        new_field_spec=fields.SigFieldSpec(
            sig_field_name=FIELD_NAME, on_page=-1, box=SIGNATURE_BOX
        ),
    )


def _align_producer(writer: Any) -> None:
    """Keep the info dictionary equal to the XMP metadata, as PDF/A requires.

    pyHanko appends itself to the info dictionary's /Producer but writes only itself to
    XMP pdf:Producer; so /Producer becomes pyHanko's name, and the original producer
    (WeasyPrint) moves to xmp:CreatorTool unless the document names a creator already.
    """
    from pyhanko.pdf_utils import generic
    from pyhanko.pdf_utils.metadata.model import VENDOR

    try:
        info = writer.trailer["/Info"]
    except KeyError:
        return
    producer = str(info.get("/Producer", ""))
    if producer == VENDOR:
        return
    if producer and "/Creator" not in info and VENDOR not in producer:
        writer.document_meta.creator = producer
    info["/Producer"] = generic.TextStringObject(VENDOR)
    writer.update_container(info)


def _sign_once(
    pdf: bytes,
    loaded: LoadedSigner,
    config: SigningConfig,
    signing_time: datetime,
    timestamper: Any,
) -> bytes:
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.pdf_utils.misc import PdfError

    try:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf))
    except (PdfError, ValueError, KeyError, IndexError) as exc:
        raise SigningError(f"cannot read the PDF to sign: {exc}") from None
    _align_producer(writer)
    signer = _pdf_signer(loaded, config, signing_time, timestamper)
    out = io.BytesIO()
    signer.sign_pdf(writer, appearance_text_params={"meaning": config.meaning}, output=out)
    return out.getvalue()


def _reason(exc: BaseException) -> str:
    """The root cause of a failed request, e.g. "Connection refused"."""
    chain: list[BaseException] = []
    current: BaseException | None = exc
    while current is not None and current not in chain:
        chain.append(current)
        current = current.__cause__ or current.__context__
    for item in reversed(chain):
        if isinstance(item, OSError) and item.strerror:
            return str(item.strerror)
    return str(chain[-1]) or type(chain[-1]).__name__


def sign_pdf(
    pdf: bytes,
    loaded: LoadedSigner,
    config: SigningConfig,
    signing_time: datetime,
    *,
    notices: list[str] | None = None,
) -> bytes:
    """Sign ``pdf`` as one incremental update and return the signed bytes.

    PAdES baseline B-B (B-T with ``config.tsa_url``), SHA-256, ``config.meaning`` as the
    reason, and a visible stamp (signer, UTC signing time, meaning) in
    :data:`SIGNATURE_BOX` of the last page, drawn with an embedded DejaVu Sans subset.
    When the TSA cannot be reached and ``config.allow_without_tsa`` holds, the PDF is
    signed without a time-stamp and a sentence saying so is appended to ``notices``.
    """
    from pyhanko.sign.general import SigningError as PyHankoSigningError
    from pyhanko.sign.timestamps import TimestampRequestError

    if signing_time.tzinfo is None:
        signing_time = signing_time.replace(tzinfo=UTC)
    signing_time = signing_time.astimezone(UTC)
    timestamper = None
    if config.tsa_url:
        from pyhanko.sign.timestamps.requests_client import RequestsHTTPTimeStamper

        timestamper = RequestsHTTPTimeStamper(config.tsa_url, timeout=10)
    try:
        return _sign_once(pdf, loaded, config, signing_time, timestamper)
    except (TimestampRequestError, OSError) as exc:
        if timestamper is None:
            raise
        if not config.allow_without_tsa:
            raise SigningError(
                f"the time-stamp authority {config.tsa_url} cannot be reached: {_reason(exc)}",
                hint="check COMPLIANCE_TOOL_TSA_URL / signing.tsa_url, or allow signing "
                "without a time-stamp",
            ) from None
    except PyHankoSigningError as exc:
        raise SigningError(f"pyHanko cannot sign the PDF: {exc}") from None
    if notices is not None:
        notices.append(
            f"the time-stamp authority {config.tsa_url} cannot be reached: signed without a "
            "time-stamp (PAdES B-B; the signing time is the signer's claim)"
        )
    return _sign_once(pdf, loaded, config, signing_time, None)
