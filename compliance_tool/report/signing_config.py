"""Where the signing key is and what a signature says: :class:`SigningConfig`, read from
command-line overrides, then ``COMPLIANCE_TOOL_SIGNING_*`` variables, then the ``signing:``
section of compliance-tool.yaml.

The configuration names the passphrase's source (a variable or a file), never its value.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass
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
