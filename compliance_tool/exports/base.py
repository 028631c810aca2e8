"""What an export is given and what it gives back."""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from compliance_tool.checks.validate import validate
from compliance_tool.errors import InventoryError
from compliance_tool.repository.config import config_of
from compliance_tool.repository.loader import Inventory
from compliance_tool.repository.session import Where, open_inventory

if TYPE_CHECKING:
    from compliance_tool.exports import Exporter


@dataclass(frozen=True, slots=True)
class ExportRequest:
    """One export: the validated inventory at one commit (or the working tree), the date
    every time-based value is taken at, and compliance-tool.yaml as read at that commit."""

    root: Path
    inventory: Inventory
    as_of: dt.date
    config: Mapping[str, Any]
    as_of_given: bool = False
    """Whether the date was asked for (``--as-of``), not today's by default: an export
    that pins its own date in the configuration yields to an explicit one."""

    def settings(self, name: str) -> Mapping[str, Any]:
        """The ``export.<name>`` section of compliance-tool.yaml (empty when absent)."""
        section = (self.config.get("export") or {}).get(name) or {}
        return section if isinstance(section, Mapping) else {}


@dataclass(frozen=True, slots=True)
class Exported:
    """The files of one export: name (relative to the output; a single-file export has one
    name, which only matters for a folder) to bytes; and notes for the user's stderr."""

    files: Mapping[str, bytes]
    notes: tuple[str, ...] = field(default=())


def export(
    exporter: Exporter, root: Path, ref: str | None, as_of: dt.date, as_of_given: bool = False
) -> tuple[ExportRequest, Exported]:
    """The files of ``exporter`` for the repository at ``ref`` (the working tree when
    None), with the request they were made from; InventoryError, before anything is
    made, when the inventory does not validate."""
    inventory = open_inventory(Where(root, ref))
    result = validate(inventory)
    if result.problems:
        raise InventoryError(
            f"{len(result.problems)} validation problem(s) in {result.source_label}: "
            f"the {exporter.name} export was not written",
            hint="run 'compliance-tool validate' and fix them first",
            details=[p.format() for p in result.problems],
        )
    request = ExportRequest(root, inventory, as_of, config_of(inventory.source), as_of_given)
    return request, exporter.load()(request)


def destination(
    exporter: Exporter, root: Path, config: Mapping[str, Any], output: Path | None
) -> Path:
    """Where the export goes: ``--output``, else ``export.<name>.path`` of the configuration,
    else the exporter's default, both relative to the repository root."""
    if output is not None:
        return output
    section = (config.get("export") or {}).get(exporter.name) or {}
    return root / str(section.get("path") or exporter.default_path)


def targets(exporter: Exporter, exported: Exported, target: Path) -> dict[Path, bytes]:
    """Every file to write: the one file at ``target``, or each file of a folder export
    inside the folder ``target``."""
    if not exporter.folder:
        (data,) = exported.files.values()
        return {target: data}
    return {target / name: data for name, data in sorted(exported.files.items())}


def check_target(target: Path, folder: bool, given: bool) -> None:
    """InventoryError when the output cannot be written: its folder, given with --output,
    does not exist (the default location is created), a file stands where a folder is
    needed, or a folder where the file goes."""
    if folder != target.is_dir() and target.exists():
        what = "a file" if folder else "a folder"
        raise InventoryError(f"cannot write {target}: it is {what}", hint="give another --output")
    parents = target.parents
    blocking = next((p for p in parents if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise InventoryError(
            f"cannot write {target}: {blocking} is a file", hint="give another --output"
        )
    if given and not target.parent.is_dir():
        raise InventoryError(
            f"cannot write {target}: the folder {target.parent} does not exist",
            hint="create it, or give --output in an existing folder",
        )


def stale(files: Mapping[Path, bytes], folder: Path | None, label: Path) -> str:
    """A unified diff from what is on disk to what the inventory makes, for ``--check``
    (empty when every file is current); with ``folder``, a file there that the export no
    longer makes counts as stale too."""
    wanted = {path: data.decode("utf-8") for path, data in files.items()}
    if folder is not None and folder.is_dir():
        for extra in sorted(folder.iterdir()):
            if extra.is_file() and extra not in wanted:
                wanted[extra] = ""
    diffs: list[str] = []
    for path, text in sorted(wanted.items()):
        current = path.read_text(encoding="utf-8", errors="replace") if path.is_file() else ""
        if current != text:
            name = _shown(path, label)
            diffs += difflib.unified_diff(
                current.splitlines(keepends=True),
                text.splitlines(keepends=True),
                fromfile=f"{name} (on disk)",
                tofile=f"{name} (from the inventory)",
            )
    return "".join(diffs)


def _shown(path: Path, root: Path) -> str:
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)
