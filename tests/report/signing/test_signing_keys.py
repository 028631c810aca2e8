"""Loading keys: the development key, configured PEM and PKCS#12 keys, clear errors."""

from __future__ import annotations

import re
import stat
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.serialization import pkcs12
from support.cli import Invoke
from support.signing import (
    EMPTY_DIGESTS,
    ec_key,
    key_pem,
    make_cert,
    make_manifest,
    pem,
    render_pdf,
)

from compliance_tool.errors import EXIT_OK, ComplianceToolError, SigningError
from compliance_tool.report.signing_config import (
    DEFAULT_MEANING,
    SigningConfig,
    signing_config_from_env,
)
from compliance_tool.report.signing_keys import DEV_NOTICE, load_signer
from compliance_tool.report.signing_pdf import sign_pdf

PASSPHRASE = "correct horse battery staple"
WRONG = "Tr0ub4dor&3-wrong"


def test_the_development_key_is_made_once_and_kept_private(signing_root: Path) -> None:
    loaded = load_signer(SigningConfig(), signing_root)
    folder = signing_root / ".compliance-keys"
    assert loaded.development
    assert loaded.name.startswith("compliance-tool development key (")
    assert loaded.notice == DEV_NOTICE
    assert loaded.notice.startswith("signed with a development key created in .compliance-keys/")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE((folder / "development-key.pem").stat().st_mode) == 0o600
    assert (folder / ".gitignore").read_text(encoding="utf-8") == "*\n"
    cert = x509.load_pem_x509_certificate((folder / "development-cert.pem").read_bytes())
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert timedelta(days=729) < lifetime < timedelta(days=731)

    again = load_signer(SigningConfig(), signing_root)
    assert again.signer.signing_cert.dump() == loaded.signer.signing_cert.dump()


def _write(path: Path, data: bytes) -> Path:
    path.write_bytes(data)
    return path


@pytest.fixture
def encrypted_key(tmp_path: Path) -> SigningConfig:
    key = ec_key()
    return SigningConfig(
        key=_write(tmp_path / "signer.key", key_pem(key, PASSPHRASE.encode())),
        cert=_write(tmp_path / "signer.pem", pem(make_cert("Jane Doe, Model Risk", key))),
    )


def test_encrypted_key_with_the_passphrase_from_the_environment(
    encrypted_key: SigningConfig,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    run_cli: Invoke,
) -> None:
    monkeypatch.setenv("COMPLIANCE_TOOL_KEY_PASSPHRASE", PASSPHRASE)
    loaded = load_signer(encrypted_key, tmp_path)
    assert (loaded.name, loaded.development, loaded.notice) == ("Jane Doe, Model Risk", False, None)
    report = tmp_path / "report.pdf"
    report.write_bytes(
        sign_pdf(
            render_pdf(make_manifest(EMPTY_DIGESTS)),
            loaded,
            encrypted_key,
            datetime(2026, 3, 2, 12, 0, tzinfo=UTC),
        )
    )
    result = run_cli("verify", report, "--trust", encrypted_key.cert)
    assert result.exit_code == EXIT_OK, result.output
    assert "ok    signer: Jane Doe, Model Risk, issued by Jane Doe, Model Risk" in result.stdout
    assert "ok    trusted: the certificate chains to Jane Doe, Model Risk" in result.stdout


def test_wrong_passphrase_names_its_source_never_its_value(
    encrypted_key: SigningConfig, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("COMPLIANCE_TOOL_KEY_PASSPHRASE", WRONG)
    with pytest.raises(SigningError) as caught:
        load_signer(encrypted_key, tmp_path)
    text = caught.value.diagnostics()
    assert text == (
        f"cannot decrypt the signing key {encrypted_key.key} with the passphrase from the "
        "environment variable COMPLIANCE_TOOL_KEY_PASSPHRASE "
        "(the passphrase is wrong (its value is never shown))"
    )
    assert WRONG not in text and WRONG not in repr(caught.value.__context__)
    assert caught.value.__cause__ is None


def test_wrong_passphrase_from_a_file(encrypted_key: SigningConfig, tmp_path: Path) -> None:
    secret = _write(tmp_path / "passphrase.txt", f"{WRONG}\n".encode())
    config = SigningConfig(key=encrypted_key.key, cert=encrypted_key.cert, passphrase_file=secret)
    with pytest.raises(
        SigningError, match=re.escape(f"from the passphrase file {secret}")
    ) as caught:
        load_signer(config, tmp_path)
    assert WRONG not in caught.value.diagnostics()
    right = _write(tmp_path / "right.txt", f"{PASSPHRASE}\n".encode())
    config = SigningConfig(key=encrypted_key.key, cert=encrypted_key.cert, passphrase_file=right)
    assert load_signer(config, tmp_path).name == "Jane Doe, Model Risk"


def test_encrypted_key_without_a_passphrase(encrypted_key: SigningConfig, tmp_path: Path) -> None:
    with pytest.raises(SigningError, match="is encrypted and no passphrase was given") as caught:
        load_signer(encrypted_key, tmp_path)
    assert "COMPLIANCE_TOOL_KEY_PASSPHRASE" in caught.value.diagnostics()


def test_missing_key_file(tmp_path: Path) -> None:
    config = SigningConfig(key=tmp_path / "nowhere.key", cert=tmp_path / "nowhere.pem")
    with pytest.raises(SigningError, match=r"the signing key .*nowhere\.key does not exist"):
        load_signer(config, tmp_path)


def test_certificate_of_another_key(tmp_path: Path) -> None:
    config = SigningConfig(
        key=_write(tmp_path / "a.key", key_pem(ec_key())),
        cert=_write(tmp_path / "b.pem", pem(make_cert("Someone Else", ec_key()))),
    )
    with pytest.raises(SigningError) as caught:
        load_signer(config, tmp_path)
    assert caught.value.message == (
        f"the certificate {config.cert} does not match the signing key {config.key}"
    )


def test_expired_certificate(tmp_path: Path) -> None:
    key = ec_key()
    now = datetime.now(UTC)
    cert = make_cert(
        "Old Signer", key, not_before=now - timedelta(days=800), not_after=now - timedelta(days=70)
    )
    config = SigningConfig(
        key=_write(tmp_path / "old.key", key_pem(key)), cert=_write(tmp_path / "old.pem", pem(cert))
    )
    with pytest.raises(SigningError) as caught:
        load_signer(config, tmp_path)
    assert caught.value.message == (
        f"the signing certificate 'Old Signer' ({config.cert}) expired on "
        f"{cert.not_valid_after_utc:%Y-%m-%d}"
    )


def _p12(tmp_path: Path, passphrase: str) -> Path:
    key = ec_key()
    data = pkcs12.serialize_key_and_certificates(
        b"signer",
        key,
        make_cert("PKCS12 Signer", key),
        None,
        serialization.BestAvailableEncryption(passphrase.encode()),
    )
    return _write(tmp_path / "signer.p12", data)


def test_pkcs12_key(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    config = SigningConfig(key=_p12(tmp_path, PASSPHRASE))
    monkeypatch.setenv("COMPLIANCE_TOOL_KEY_PASSPHRASE", PASSPHRASE)
    assert load_signer(config, tmp_path).name == "PKCS12 Signer"
    monkeypatch.setenv("COMPLIANCE_TOOL_KEY_PASSPHRASE", WRONG)
    with pytest.raises(SigningError) as caught:
        load_signer(config, tmp_path)
    text = caught.value.diagnostics()
    assert text.startswith(
        f"cannot open the PKCS#12 file {config.key} with the passphrase from the environment "
        "variable COMPLIANCE_TOOL_KEY_PASSPHRASE"
    )
    assert WRONG not in text


def test_configuration_from_file_environment_and_overrides(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "compliance-tool.yaml").write_text(
        "signing:\n"
        "  key: keys/signer.key\n"
        "  cert: keys/signer.pem\n"
        "  chain: [keys/intermediate.pem]\n"
        "  passphrase_file: /run/secrets/passphrase\n"
        "  meaning: Submitted to the Model Risk Committee\n"
        "  location: Frankfurt\n"
        "  tsa_url: https://tsa.example.com/\n",
        encoding="utf-8",
    )
    config = signing_config_from_env(tmp_path)
    assert config == SigningConfig(
        key=tmp_path / "keys/signer.key",
        cert=tmp_path / "keys/signer.pem",
        chain=(tmp_path / "keys/intermediate.pem",),
        passphrase_file=Path("/run/secrets/passphrase"),
        meaning="Submitted to the Model Risk Committee",
        location="Frankfurt",
        tsa_url="https://tsa.example.com/",
    )
    monkeypatch.setenv("COMPLIANCE_TOOL_SIGNING_KEY", "/etc/keys/ci.p12")
    monkeypatch.setenv("COMPLIANCE_TOOL_TSA_URL", "http://tsa.internal/")
    monkeypatch.setenv("COMPLIANCE_TOOL_SIGNING_MEANING", "Approved")
    config = signing_config_from_env(tmp_path, {"meaning": "Draft", "allow_without_tsa": True})
    assert config.key == Path("/etc/keys/ci.p12")
    assert config.tsa_url == "http://tsa.internal/"
    assert config.meaning == "Draft"
    assert config.allow_without_tsa


def test_default_configuration_uses_the_development_key(tmp_path: Path) -> None:
    config = signing_config_from_env(tmp_path)
    assert config == SigningConfig()
    assert config.meaning == DEFAULT_MEANING
    assert config.passphrase_env == "COMPLIANCE_TOOL_KEY_PASSPHRASE"


def test_a_passphrase_in_the_configuration_file_is_refused(tmp_path: Path) -> None:
    (tmp_path / "compliance-tool.yaml").write_text(
        "signing:\n  key: k.pem\n  passphrase: hunter2\n", encoding="utf-8"
    )
    with pytest.raises(ComplianceToolError, match=r"compliance-tool\.yaml is not valid") as caught:
        signing_config_from_env(tmp_path)
    details = "\n".join(caught.value.details)
    assert "passphrase" in details and "hunter2" not in details


def test_signing_reuses_the_loaded_key(sign_dev: Callable[..., bytes]) -> None:
    pdf = render_pdf(make_manifest(EMPTY_DIGESTS))
    assert sign_dev(pdf)[: len(pdf)] == pdf  # signing is an incremental update
