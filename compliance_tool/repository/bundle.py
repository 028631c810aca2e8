"""What the wheel carries besides code, and how each packaged file is made from the
project's top-level folders: the one source of truth stays ``schemas/``, ``policies/``,
``features/`` and the sample organisation (``inventory/``, ``evidence/``, ``runbooks/``,
``docs/pir/``, ``deploy/``, ``monitoring/``), and the package holds copies of them under
``compliance_tool/_data/``.

``setup.py`` runs :func:`produce` at build time to write those copies into the wheel; in
a source checkout (no ``_data/``), :mod:`~compliance_tool.repository.resources` calls the
same functions on the project's folders, so the tool reads the same bytes either way.
Standard library only: the build runs it before any dependency is installed.

The layout of ``_data/`` mirrors a governance repository:

- ``schemas/``: every JSON Schema, of the kinds and of the tool's own outputs;
- ``policies/``, ``features/`` and ``docs/fria/``: the starter catalogue, scenarios and
  the template of a fundamental-rights impact assessment (RISK-02 points at it). A control's
  ``evidence:`` is left out of its starter copy: attestations are one organisation's
  records (the sample's attestation names its people and files), not a starting point;
- ``example/``: the sample organisation that ``init --example`` adds, with the
  compliance-tool.yaml of the sample and every policy file whose sample version differs
  from its starter copy (the sample's attested INV-01).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

DATA_FOLDER = "_data"
"""The folder of ``compliance_tool/`` that holds the packaged files in a wheel."""

EXAMPLE = "example"
"""The folder of :data:`DATA_FOLDER` that holds the sample organisation."""

CONFIG_FILE = "compliance-tool.yaml"

_STARTER_TREES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("schemas", (".schema.json",)),
    ("policies", (".yaml", ".md")),
    ("features", (".feature", "README.md")),
    ("docs/fria", (".md",)),
)
"""Folders copied into the package, with the endings of the files taken from them (the
sample's expected scenario outcomes, features/expected-outcomes.yaml, stay behind: they
are the tests' record of the sample, not a scenario)."""

EXAMPLE_TREES = (
    "inventory",
    "evidence",
    "runbooks",
    "docs/pir",
    "deploy",
    "monitoring",
    "docs/model-cards",
    "catalog",
)
"""Folders of the sample organisation: its records, the files they name, the cluster
manifests and metrics its snapshots in inventory/observations/ were observed from, and
the files generated from it and committed (``export prometheus-rules``, ``export
alertmanager``, ``export model-cards``, ``export backstage``), so that their ``--check``
passes in a repository made by ``init --example``."""

_TOP_LEVEL_EVIDENCE = re.compile(rb"^evidence:[^\n]*\n(?:(?:[ \t]+[^\n]*|[ \t]*)(?:\n|$))*", re.M)
"""A top-level ``evidence:`` key of a YAML file and every indented or blank line after it."""


def starter_copy(path: str, data: bytes) -> bytes:
    """The starter copy of the project file ``path`` (repository-relative) whose bytes are
    ``data``: the same bytes, except that a control loses its top-level ``evidence:``."""
    if path.startswith("policies/controls/") and path.endswith(".yaml"):
        return _TOP_LEVEL_EVIDENCE.sub(b"", data)
    return data


def _files(project: Path, folder: str, endings: tuple[str, ...]) -> Iterator[str]:
    base = project / folder
    if not base.is_dir():
        return
    for file in sorted(base.rglob("*")):
        if file.is_file() and not file.is_symlink() and file.name.endswith(endings):
            yield file.relative_to(project).as_posix()


def starter_sources(project: Path) -> list[str]:
    """The repository-relative paths of the project files that have a starter copy."""
    return [p for folder, endings in _STARTER_TREES for p in _files(project, folder, endings)]


def example_sources(project: Path) -> list[str]:
    """The repository-relative paths of the sample organisation's files."""
    paths = [p for folder in EXAMPLE_TREES for p in _files(project, folder, ("",))]
    paths += [
        p for p in starter_sources(project) if p.startswith("policies/") and _differs(project, p)
    ]
    if (project / CONFIG_FILE).is_file():
        paths.append(CONFIG_FILE)
    return paths


def _differs(project: Path, path: str) -> bool:
    data = (project / path).read_bytes()
    return starter_copy(path, data) != data


def produce(project: Path) -> dict[str, bytes]:
    """Every file of ``_data/`` by its path there, made from the project at ``project``."""
    return {path: make(project, path) for path in listing(project)}


def listing(project: Path) -> list[str]:
    """The paths of every file of ``_data/`` (without making them)."""
    return starter_sources(project) + [f"{EXAMPLE}/{p}" for p in example_sources(project)]


def make(project: Path, data_path: str) -> bytes:
    """The bytes of the ``_data/`` file ``data_path``, from the project at ``project``."""
    if data_path.startswith(f"{EXAMPLE}/"):
        return (project / data_path.removeprefix(f"{EXAMPLE}/")).read_bytes()
    return starter_copy(data_path, (project / data_path).read_bytes())


def is_project(folder: Path) -> bool:
    """Whether ``folder`` is this project's source checkout (its pyproject.toml names
    compliance-tool and the top-level folders are there)."""
    pyproject = folder / "pyproject.toml"
    try:
        text = pyproject.read_text("utf-8")
    except OSError:
        return False
    return 'name = "compliance-tool"' in text and (folder / "schemas").is_dir()
