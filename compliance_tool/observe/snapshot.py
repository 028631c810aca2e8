"""Write what a source showed as an ``Observation`` record in ``inventory/observations/``.

One file per source, named by the source (``mlflow.yaml``): observing again replaces it,
so the file's git history is the system's history. The entries are written exactly as the
source sorted them, with a fixed key order, so that an unchanged source changes nothing
but ``observed_at`` (and ``tool_version`` after an upgrade). The file is written to a
temporary file and renamed; when observing fails nothing is written.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from compliance_tool import __version__
from compliance_tool.errors import ObserveError
from compliance_tool.observe.base import Observed
from compliance_tool.repository.kinds import API_VERSION, ID_PATTERN, ID_RULE, Kind
from compliance_tool.repository.writing import write_output

_NAME = re.compile(f"^{ID_PATTERN}$")

HEADER = (
    "# yaml-language-server: $schema=../../schemas/observation.schema.json\n"
    "# Written by 'compliance-tool observe {system}'. Do not edit: observe again.\n"
    "# The git history of this file is the history of what the source showed.\n"
)


@dataclass(frozen=True, slots=True)
class Written:
    """Where a snapshot went and whether its entries differ from the file it replaced."""

    path: Path
    relative: str
    entries: int
    changed: bool
    """False when the file held the same source and entries before (only the time moved)."""


_AMBIGUOUS = re.compile(
    r"^(?:[-+.]?[0-9]|\.(?:inf|nan)$|(?:y|n|yes|no|on|off|true|false|null|~)$)", re.IGNORECASE
)
"""Text that some YAML reader could take for a number, a boolean or null (``5e0``,
``0x1f``, ``1_000``, ``no``): always written in quotes, whatever PyYAML's own resolver
thinks, so that the tool's reader and any other read it back as text."""


class _Dumper(yaml.SafeDumper):
    """PyYAML's safe dumper, quoting every string that could read as something else."""


def _string(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "'" if _AMBIGUOUS.match(value) else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _string)


def snapshot_path(root: Path, name: str) -> Path:
    if not _NAME.match(name):
        raise ObserveError(
            f"'{name}' cannot name a snapshot",
            hint=f"use {ID_RULE} (--name)",
        )
    return root / Kind.OBSERVATION.folder / f"{name}.yaml"


def render(name: str, observed: Observed, observed_at: dt.datetime) -> bytes:
    """The snapshot file's bytes."""
    document: dict[str, Any] = {
        "apiVersion": API_VERSION,
        "kind": Kind.OBSERVATION.value,
        "id": name,
        "source": {"system": observed.system, "address": observed.address},
        "observed_at": observed_at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        "tool_version": __version__,
        "entries": observed.entries,
    }
    body = yaml.dump(
        document,
        Dumper=_Dumper,
        sort_keys=False,
        allow_unicode=True,
        default_flow_style=False,
        width=100,
    )
    return (HEADER.format(system=observed.system) + body).encode("utf-8")


def _previous(path: Path) -> dict[str, Any] | None:
    try:
        data = yaml.safe_load(path.read_bytes())
    except (OSError, yaml.YAMLError):
        return None
    return data if isinstance(data, dict) else None


def write_snapshot(
    root: Path, name: str, observed: Observed, observed_at: dt.datetime | None = None
) -> Written:
    """Write ``observed`` as the snapshot ``name`` of the repository at ``root``."""
    path = snapshot_path(root, name)
    previous = _previous(path) if path.is_file() else None
    if previous is not None:
        system = (previous.get("source") or {}).get("system")
        if system not in (None, observed.system):
            raise ObserveError(
                f"{path.relative_to(root).as_posix()} is the snapshot of a {system} source, "
                f"not of {observed.system}",
                hint="give this source another --name",
            )
    moment = observed_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    data = render(name, observed, moment)
    changed = previous is None or (
        previous.get("source") != {"system": observed.system, "address": observed.address}
        or previous.get("entries") != yaml.safe_load(data).get("entries")
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    write_output(path, data)
    return Written(path, path.relative_to(root).as_posix(), len(observed.entries), changed)
