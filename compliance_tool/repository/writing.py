"""Write output files atomically: a temporary file beside the target, then a rename."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from compliance_tool.errors import InventoryError


def write_output(target: Path, data: bytes) -> None:
    """Write ``data`` to ``target`` so that a reader never sees a partial file."""
    folder = target.parent if str(target.parent) else Path(".")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=folder, prefix=f".{target.name}.", suffix=".tmp")
    except OSError as exc:
        raise InventoryError(
            f"cannot write {target}: {exc.strerror}", hint="check the folder and its permissions"
        ) from None
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.chmod(temp, 0o666 & ~_umask())  # mkstemp makes 0600; outputs are for readers
        os.replace(temp, target)
    except OSError as exc:
        Path(temp).unlink(missing_ok=True)
        raise InventoryError(
            f"cannot write {target}: {exc.strerror}",
            hint="check that the path is not a folder and that you may write there",
        ) from None
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    current = os.umask(0o022)
    os.umask(current)
    return current
