"""The tool's on-disk cache: one folder per repository, one marshal file per cache.

Every cache (parsed files, rule results, the remembered validation and check) reads and
writes through :class:`CacheFile`, so that each rule holds everywhere:

- an entry is stamped with the cache's name and format and the tool's version, and
  saved under a key; anything else on disk (another layout, another version, another
  key) is a miss, so an upgrade never reads an old layout;
- a missing, unreadable, truncated or corrupt file, a file that is not a regular file
  (a named pipe, a symlink) or one holding anything but plain data is a miss, never an
  error: marshal can load code objects, so what is loaded is checked to be made only of
  the types the caches write;
- a save writes a temporary file with a unique name in the same folder and renames it
  over the entry, so readers and concurrent writers never see a half-written file; a
  folder that cannot be written is silently skipped.

marshal, not pickle: it is the fastest way to read plain data back, and it never runs code.
"""

from __future__ import annotations

import marshal
import os
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance_tool import __version__

CACHE_DIR = ".compliance-cache"
"""The cache folder at the root of a governance repository (ignored by git: see below)."""

MAGIC = "compliance-tool cache"

_ATOMS = frozenset({str, int, float, bool, bytes, type(None)})
_COLLECTIONS = frozenset({tuple, list, set, frozenset})
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)


@dataclass(frozen=True, slots=True)
class CacheFile:
    """One cache of a cache folder: ``FOLDER/NAME.marshal``, holding one value under a key."""

    folder: Path
    name: str
    format: int
    """The layout of this cache's values: raise it whenever what is saved changes shape."""

    @property
    def path(self) -> Path:
        return self.folder / f"{self.name}.marshal"

    def _stamp(self, key: str) -> tuple[str, str, int, str, str]:
        return (MAGIC, self.name, self.format, __version__, key)

    def load(self, key: str) -> Any | None:
        """The value saved under ``key`` by this format and tool version, or None."""
        data = self._read()
        if data is None:
            return None
        try:
            stored = marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            return None
        if type(stored) is not tuple or len(stored) != 6 or stored[:5] != self._stamp(key):
            return None
        value = stored[5]
        return value if is_plain(value) else None

    def _read(self) -> bytes | None:
        """The file's bytes, when it is a regular file that can be read (never a link, and
        never waiting on a named pipe)."""
        try:
            handle = os.open(self.path, _READ_FLAGS)
        except OSError:
            return None
        try:
            if not stat.S_ISREG(os.fstat(handle).st_mode):
                return None
            with os.fdopen(handle, "rb", closefd=False) as stream:
                return stream.read()
        except OSError:
            return None
        finally:
            os.close(handle)

    def size(self) -> int:
        """The size of the file on disk in bytes (0 when there is none)."""
        try:
            return self.path.stat().st_size
        except OSError:
            return 0

    def save(self, key: str, value: Any) -> None:
        """Replace the entry atomically; a folder that cannot be written is skipped."""
        data = marshal.dumps((*self._stamp(key), value))
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _ignore_in_git(self.folder)
            handle, temp = tempfile.mkstemp(dir=self.folder, prefix=f".{self.name}-", suffix=".tmp")
        except OSError:
            return
        done = False
        try:
            with os.fdopen(handle, "wb") as out:
                out.write(data)
            os.replace(temp, self.path)
            done = True
        except OSError:
            pass
        finally:
            if not done:
                Path(temp).unlink(missing_ok=True)


def _ignore_in_git(folder: Path) -> None:
    """A ``.gitignore`` that ignores the whole folder, so the cache is not committed by
    accident (written only when missing, and never through a link)."""
    try:
        with open(folder / ".gitignore", "x", encoding="utf-8") as out:
            out.write("*\n")
    except FileExistsError:
        pass


def is_plain(value: object) -> bool:
    """Whether ``value`` is made only of the types the caches write: None, booleans,
    numbers, text, bytes, and tuples, lists, sets and dicts of them (no code objects)."""
    stack: list[Any] = [value]
    pop, push = stack.pop, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind in _ATOMS:
            continue
        if kind is dict:
            push(item.keys())
            push(item.values())
        elif kind in _COLLECTIONS:
            push(item)
        else:
            return False
    return True
