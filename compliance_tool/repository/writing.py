"""Write output files atomically: a temporary file beside the target, then a rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

from compliance_tool.errors import ComplianceToolError, InventoryError


def write_output(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` so that a reader never sees a partial file."""
    write_outputs({target: data})


def write_outputs(
    files: Mapping[Path, bytes], error: type[ComplianceToolError] = InventoryError
) -> None:
    """Write files that belong together (a report and its manifest): every one goes to a
    temporary file beside its target first and the renames come last, so a failure leaves
    no partial file and none of the new files without the others (a new file already
    renamed is removed again). Failures raise ``error``."""
    temps: dict[Path, str] = {}
    try:
        for target, data in files.items():
            temps[target] = _write_temp(target, data, error)
        renamed: list[Path] = []
        for target, temp in temps.items():
            try:
                os.replace(temp, target)
            except OSError as exc:
                for done in renamed:
                    done.unlink(missing_ok=True)
                raise error(
                    f"cannot write {target}: {exc.strerror}",
                    hint="check that the path is not a folder and that you may write there",
                ) from None
            renamed.append(target)
    finally:
        for temp in temps.values():
            Path(temp).unlink(missing_ok=True)


def _write_temp(target: Path, data: bytes, error: type[ComplianceToolError]) -> str:
    """A temporary file beside ``target`` holding ``data``, readable as outputs are."""
    folder = target.parent if str(target.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise error(
            f"cannot write {target}: {exc.strerror}", hint="check the folder and its permissions"
        ) from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are for readers
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise error(
            f"cannot write {target}: {exc.strerror}",
            hint="check that the path is not a folder and that you may write there",
        ) from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return temp


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current
