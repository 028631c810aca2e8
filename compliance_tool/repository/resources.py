"""The files the tool carries, read through :mod:`importlib.resources`: the one module
every run-time read of packaged data goes through.

An installed wheel holds them in ``compliance_tool/_data/`` (made at build time by
``setup.py`` from the project's top-level folders, see
:mod:`~compliance_tool.repository.bundle`) and ``compliance_tool/init_templates/``. A
source checkout has no ``_data/``: there the same bytes are made from the project's own
folders on first use, so a test run and an installed tool read the same files.
"""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable
from pathlib import Path
from typing import Any

from compliance_tool import __version__
from compliance_tool.errors import InventoryError
from compliance_tool.repository import bundle

TEMPLATES = "init_templates"
"""The package folder of the files ``init`` copies into a new repository as they are."""

STARTER_FOLDERS = ("policies/", "features/", "docs/fria/")
"""Where the starter files besides the kinds' schemas are (repository paths)."""

MANIFEST = "starter-manifest.json"
"""The digests of every released version of each starter file (in ``repository/``)."""


def tool_version() -> str:
    """The installed compliance-tool's version."""
    return __version__


def packaged_label() -> str:
    """How messages name the packaged files: ``packaged (compliance-tool 0.1.0)``."""
    return f"packaged (compliance-tool {__version__})"


def _walk(folder: Traversable, prefix: str = "") -> dict[str, bytes]:
    """Every file below ``folder`` by its POSIX path from there, dot-files included."""
    found: dict[str, bytes] = {}
    for item in sorted(folder.iterdir(), key=lambda t: t.name):
        if item.name == "__pycache__":
            continue
        if item.is_dir():
            found.update(_walk(item, f"{prefix}{item.name}/"))
        elif item.is_file():
            found[prefix + item.name] = item.read_bytes()
    return found


class _Data:
    """The files of ``_data/`` by path: packaged, or made from a source checkout."""

    def __init__(self, packaged: Traversable | None, project: Path | None) -> None:
        self.packaged = packaged
        self.project = project
        self._listing: list[str] | None = None

    def listing(self) -> list[str]:
        if self._listing is None:
            if self.packaged is not None:
                self._listing = sorted(_walk(self.packaged))
            else:
                assert self.project is not None
                self._listing = bundle.listing(self.project)
        return self._listing

    def read(self, path: str) -> bytes | None:
        if self.packaged is not None:
            item = self.packaged.joinpath(*path.split("/"))
            return item.read_bytes() if item.is_file() else None
        assert self.project is not None
        return bundle.make(self.project, path) if path in self.listing() else None


@cache
def _data() -> _Data:
    package = resources.files("compliance_tool")
    packaged = package / bundle.DATA_FOLDER
    if packaged.is_dir():
        return _Data(packaged, None)
    project = Path(str(package)).parent  # a source checkout: the package's own project
    if bundle.is_project(project):
        return _Data(None, project)
    raise InventoryError(
        f"compliance-tool {__version__} is installed without its data files "
        f"(compliance_tool/{bundle.DATA_FOLDER}/ is missing)",
        hint="reinstall it from a wheel: pip install --force-reinstall compliance-tool",
    )


def data_file(path: str) -> bytes:
    """The packaged file ``path`` (a path under ``_data/``, e.g. ``schemas/model.schema.json``)."""
    data = _data().read(path)
    if data is None:
        raise InventoryError(
            f"compliance-tool {__version__} has no packaged file {path}",
            hint="reinstall compliance-tool: its installation is incomplete",
        )
    return data


def data_tree(prefix: str) -> dict[str, bytes]:
    """Every packaged file under the folder ``prefix`` of ``_data/``, by its path there."""
    top = prefix.rstrip("/") + "/"
    return {p: data_file(p) for p in _data().listing() if p.startswith(top)}


def schema_bytes(name: str) -> bytes:
    """A packaged JSON Schema by file name (``model.schema.json``)."""
    return data_file(f"schemas/{name}")


def starter_paths() -> list[str]:
    """The repository paths of the starter files of this version: the kinds' schemas, the
    policy catalogue (frameworks, controls, rules), the scenarios and document templates."""
    from compliance_tool.repository.kinds import Kind

    kind_schemas = {f"schemas/{kind.schema_name}" for kind in Kind}
    return [p for p in _data().listing() if p in kind_schemas or p.startswith(STARTER_FOLDERS)]


def starter_files() -> dict[str, bytes]:
    """Every starter file of this version by its repository path."""
    return {p: data_file(p) for p in starter_paths()}


def packaged_policies() -> dict[str, bytes]:
    """The starter policy catalogue (YAML files of ``policies/``) by repository path."""
    return {p: b for p, b in data_tree("policies").items() if p.endswith((".yaml", ".yml"))}


def example_files() -> dict[str, bytes]:
    """The sample organisation's files by repository path (what ``init --example`` adds
    to the starter files; a policy file here replaces its starter copy)."""
    top = f"{bundle.EXAMPLE}/"
    return {p.removeprefix(top): b for p, b in data_tree(bundle.EXAMPLE).items()}


def init_templates() -> dict[str, bytes]:
    """The files ``init`` copies as they are (CI workflows, pre-commit, CODEOWNERS,
    README), by their path in the new repository; none when the package has none."""
    folder = resources.files("compliance_tool") / TEMPLATES
    return _walk(folder) if folder.is_dir() else {}


def config_schema() -> dict[str, Any]:
    """The JSON Schema of ``compliance-tool.yaml``."""
    raw = resources.files("compliance_tool.repository").joinpath("config.schema.json")
    parsed: dict[str, Any] = json.loads(raw.read_bytes())
    return parsed


def starter_manifest() -> dict[str, Any]:
    """The digests of every released version of each starter file (see
    ``scripts/starter_manifest.py``)."""
    raw = resources.files("compliance_tool.repository").joinpath(MANIFEST)
    parsed: dict[str, Any] = json.loads(raw.read_bytes())
    return parsed
