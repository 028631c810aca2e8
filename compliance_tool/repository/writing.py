"""Write output files atomically: a temporary file beside the target, then a rename.

A write never follows a link out of where it means to write: the rename replaces a link
at the target with the new file (the link's target is untouched), temporary files are
created exclusively, and the files of a folder the tool owns (its development key) are
written through a descriptor of that folder opened without following links.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Mapping
from contextlib import suppress
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
        # mkstemp makes 0600; outputs are for readers. fchmod, not chmod: the descriptor
        # is the file mkstemp created, whatever may have replaced its name since.
        with os.fdopen(handle, "wb") as out:
            os.fchmod(out.fileno(), 0o666 & ~_umask())
            out.write(data)
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


def open_own_folder(folder: Path, mode: int = 0o700) -> int:
    """A descriptor of ``folder``, created with ``mode`` when missing, for
    :func:`replace_in_folder`. Opened with ``O_NOFOLLOW | O_DIRECTORY``: a link at
    ``folder``, or a file that is not a folder, fails with ``OSError`` (ENOTDIR or ELOOP)
    instead of leading the writes elsewhere. The caller closes the descriptor."""
    with suppress(FileExistsError):
        os.mkdir(folder, mode)
    return os.open(folder, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)


def replace_in_folder(folder_fd: int, name: str, data: bytes, mode: int) -> None:
    """Write ``data`` as ``name`` in the folder open as ``folder_fd``: a new temporary
    file created with ``O_CREAT | O_EXCL | O_NOFOLLOW`` and ``mode`` from its creation (no
    chmod after, so a private key is never readable by others, not even for a moment),
    then a rename over ``name``, which replaces whatever is there, a link included, and
    never follows one. ``OSError`` when it cannot; no temporary file is left behind."""
    import secrets  # only the writers of key material need it: not at start-up

    temp = f".{name}.{secrets.token_hex(8)}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
    handle = os.open(temp, flags, mode, dir_fd=folder_fd)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.rename(temp, name, src_dir_fd=folder_fd, dst_dir_fd=folder_fd)
    except BaseException:
        with suppress(OSError):
            os.unlink(temp, dir_fd=folder_fd)
        raise


def read_in_folder(folder_fd: int, name: str, limit: int) -> bytes | None:
    """The bytes of the regular file ``name`` in the folder open as ``folder_fd``; None
    when there is none. Never follows a link, never blocks on a named pipe (``OSError``
    ELOOP for a link; ``ValueError`` for anything that is not a regular file or holds
    more than ``limit`` bytes)."""
    flags = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC
    try:
        handle = os.open(name, flags, dir_fd=folder_fd)
    except FileNotFoundError:
        return None
    with os.fdopen(handle, "rb") as source:
        info = os.fstat(source.fileno())
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("not a regular file")
        if info.st_size > limit:
            raise ValueError(f"larger than {limit} bytes")
        return source.read(limit + 1)[:limit]
