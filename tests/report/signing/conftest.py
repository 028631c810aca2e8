"""Fixtures for signing and verifying reports: a root for the development key, signed
reports, a test CA, a local time-stamp authority, a git repository with two commits."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from cryptography import x509
from support.git import commit_all, git
from support.repos import write_minirepo
from support.signing import (
    EMPTY_DIGESTS,
    SIGNED_AT,
    LocalTsa,
    ec_key,
    make_cert,
    make_manifest,
    render_pdf,
)

from compliance_tool.report.signing_config import SigningConfig
from compliance_tool.report.signing_keys import load_signer
from compliance_tool.report.signing_pdf import sign_pdf


@pytest.fixture
def signing_root(tmp_path: Path) -> Path:
    """A repository root without a configured key: signing makes a development key."""
    root = tmp_path / "root"
    root.mkdir()
    return root


@pytest.fixture
def sign_dev(signing_root: Path) -> Callable[..., bytes]:
    """``sign_dev(pdf, config=None)``: sign with the development key of signing_root."""

    def sign(pdf: bytes, config: SigningConfig | None = None) -> bytes:
        config = config or SigningConfig()
        return sign_pdf(pdf, load_signer(config, signing_root), config, SIGNED_AT)

    return sign


@pytest.fixture
def signed_report(tmp_path: Path, sign_dev: Callable[..., bytes]) -> Path:
    """A signed report whose manifest lists no files."""
    path = tmp_path / "report.pdf"
    path.write_bytes(sign_dev(render_pdf(make_manifest(EMPTY_DIGESTS))))
    return path


@pytest.fixture
def test_ca() -> tuple[x509.Certificate, Any]:
    """A root CA: (certificate, private key)."""
    key = ec_key()
    return make_cert("Test Root CA", key, ca=True), key


@pytest.fixture
def local_tsa(test_ca: tuple[x509.Certificate, Any]) -> Iterator[LocalTsa]:
    """A running time-stamp authority whose certificate test_ca issued."""
    tsa = LocalTsa(test_ca)
    tsa.start()
    try:
        yield tsa
    finally:
        tsa.stop()


@pytest.fixture
def two_commits(tmp_path: Path, git_env: None) -> tuple[Path, str, str]:
    """A governance repository with two commits: the second changes a model, adds a file
    under policies/rules/ and removes an incident. Returns (root, first, second)."""
    root = write_minirepo(tmp_path / "governance")
    (root / "policies" / "rules" / "README.txt").write_text("rules live here\n", encoding="utf-8")
    git(root, "init", "-q")
    first = commit_all(root, "first")
    model = root / "inventory" / "models" / "m1.yaml"
    model.write_text(model.read_text(encoding="utf-8") + "# reviewed\n", encoding="utf-8")
    (root / "policies" / "rules" / "notes.md").write_text("# notes\n", encoding="utf-8")
    (root / "inventory" / "incidents" / "inc-001.yaml").unlink()
    second = commit_all(root, "second")
    return root, first, second
