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
- a cache is the tool's own, never the repository's: a cache folder that git tracks
  anything in, that is a link or that belongs to another user is not used at all
  (:func:`distrust`), and a file in it that is not a regular file owned by the running
  user is a miss; each is said once as a warning (:func:`take_warnings`), since a cache
  that a pull request or a restored artefact brought could otherwise turn a failing
  gate green;
- every key is bound to this user on this machine: the stamp holds a keyed hash of the
  key under a random secret kept outside the repository (:func:`user_secret`), so a file
  made anywhere else (committed, copied, restored) never matches, whoever owns it;
- a save writes a temporary file with a unique name in the same folder and renames it
  over the entry, so readers and concurrent writers never see a half-written file; a
  folder that cannot be written is silently skipped.

marshal, not pickle: it is the fastest way to read plain data back, and it never runs code.
"""

from __future__ import annotations

import errno
import functools
import hashlib
import marshal
import os
import stat
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance_tool import __version__
from compliance_tool.errors import GitError, InventoryError
from compliance_tool.repository.sources import tracked_files
from compliance_tool.repository.writing import write_output

CACHE_DIR = ".compliance-cache"
"""The cache folder at the root of a governance repository (ignored by git: see below)."""

MAGIC = "compliance-tool cache"

_ATOMS = frozenset({str, int, float, bool, bytes, type(None)})
_COLLECTIONS = frozenset({tuple, list, set, frozenset})
_READ_FLAGS = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
_USER = os.geteuid()
"""Who owns what this process writes (the effective user), and so every trusted cache file."""

_WARNINGS: dict[str, None] = {}
"""Warnings about cache files not yet shown, in order, each once."""


def warn(message: str) -> None:
    """Keep ``message`` for the CLI to show after the command (once, however often)."""
    _WARNINGS.setdefault(message)


def take_warnings() -> list[str]:
    """The warnings about cache files since the last call (each once), for the CLI to show."""
    found = list(_WARNINGS)
    _WARNINGS.clear()
    return found


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

    def stamp(self, key: str) -> tuple[str, str, int, str, str] | None:
        """What a file of this cache holding an entry under ``key`` starts with: the
        cache's name, format and tool version, and the key hashed under this user's secret
        (None when there is no secret: then nothing is read or written)."""
        secret = user_secret()
        if secret is None:
            return None
        tag = f"{self.name}\0{self.format}\0{__version__}\0{key}".encode()
        return (MAGIC, self.name, self.format, __version__, _keyed(tag, secret))

    def load(self, key: str) -> Any | None:
        """The value saved under ``key`` by this format and tool version, or None."""
        stamp = self.stamp(key)
        data = self._read() if stamp is not None else None
        if data is None:
            return None
        try:
            stored = marshal.loads(data)
        except (EOFError, ValueError, TypeError):
            return None
        if type(stored) is not tuple or len(stored) != 6 or stored[:5] != stamp:
            return None
        value = stored[5]
        return value if is_plain(value) else None

    def _read(self) -> bytes | None:
        """The file's bytes, when it is a regular file that can be read (never a link, and
        never waiting on a named pipe)."""
        try:
            handle = os.open(self.path, _READ_FLAGS)
        except OSError as error:
            if error.errno == errno.ELOOP:
                _ignored(self.path, "is a symbolic link")
            return None
        try:
            info = os.fstat(handle)
            if not stat.S_ISREG(info.st_mode):
                _ignored(self.path, "is not a regular file")
                return None
            if info.st_uid != _USER:
                _ignored(self.path, f"belongs to another user (uid {info.st_uid})")
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
        stamp = self.stamp(key)
        if stamp is None:
            return
        data = marshal.dumps((*stamp, value))
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            _ignore_in_git(self.folder)
            write_output(self.path, data)  # a temporary file, then a rename
        except (OSError, InventoryError):
            return


def _keyed(data: bytes, secret: bytes) -> str:
    return hashlib.blake2b(data, key=secret, digest_size=20).hexdigest()


SECRET_NAME = "cache-secret"
_SECRET_SIZE = 32
_SECRETS: dict[Path, bytes | str] = {}
"""This process's answer for each secret file: its bytes, or why there is none."""


def secret_path() -> Path:
    """Where this user's cache secret is kept: ``$XDG_CACHE_HOME/compliance-tool/`` or
    ``~/.cache/compliance-tool/`` (outside every repository, so no clone brings one)."""
    base = os.environ.get("XDG_CACHE_HOME", "")
    folder = Path(base) if os.path.isabs(base) else Path.home() / ".cache"
    return folder / "compliance-tool" / SECRET_NAME


def user_secret() -> bytes | None:
    """This user's random cache secret, made on first use (None when it cannot be kept:
    :func:`distrust` says why)."""
    try:
        path = secret_path()
    except RuntimeError:  # no home folder
        return None
    found = _SECRETS.get(path)
    if found is None:
        found = _SECRETS[path] = _read_secret(path) or _make_secret(path)
    return found if isinstance(found, bytes) else None


def _read_secret(path: Path) -> bytes | None:
    """The secret in ``path`` when it is a regular file of this user of the right size
    (opened without following a link or waiting on a pipe)."""
    try:
        handle = os.open(path, _READ_FLAGS)
    except OSError:
        return None
    try:
        info = os.fstat(handle)
        if not stat.S_ISREG(info.st_mode) or info.st_uid != _USER:
            return None
        data = os.read(handle, _SECRET_SIZE + 1)
    except OSError:
        return None
    finally:
        os.close(handle)
    return data if len(data) == _SECRET_SIZE else None


def _make_secret(path: Path) -> bytes | str:
    """A new secret in ``path`` (folder 0700, file 0600), written whole to a temporary
    file and linked into place, so a concurrent run reads a whole secret or makes none;
    an existing file that is not a usable secret is refused, never replaced."""
    try:
        path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{SECRET_NAME}-")
    except OSError as error:
        return f"{path.parent} cannot be written ({error.strerror})"
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(os.urandom(_SECRET_SIZE))
        os.link(temp, path, follow_symlinks=False)
    except FileExistsError:
        pass  # another run made it first, or something else is in the way
    except OSError as error:
        return f"{path} cannot be written ({error.strerror})"
    finally:
        Path(temp).unlink(missing_ok=True)
    found = _read_secret(path)
    if found is None:
        return f"{path} is not a {_SECRET_SIZE}-byte regular file of this user"
    return found


def _ignored(path: Path, why: str) -> None:
    warn(f"warning: cache file {path} {why}: ignored; delete it and the tool writes its own")


def distrust(folder: Path) -> str | None:
    """Why the cache folder ``folder`` must not be used (a warning saying what, where and
    how to fix it), or None when it is the tool's own: a real folder of the running user
    of which git tracks nothing, or no folder yet, and a secret to bind its keys to."""
    if user_secret() is None:
        try:
            found = _SECRETS.get(secret_path())
        except RuntimeError:
            found = "there is no home folder"
        why = found if isinstance(found, str) else "unreadable"
        return (
            f"warning: no cache secret can be kept ({why}): caching is off; "
            "set XDG_CACHE_HOME to a folder of yours"
        )
    try:
        info = os.lstat(folder)
    except FileNotFoundError:
        return None
    except OSError as error:
        return _refused(folder, f"cannot be examined ({error.strerror})")
    if stat.S_ISLNK(info.st_mode):
        return _refused(folder, "is a symbolic link")
    if not stat.S_ISDIR(info.st_mode):
        return _refused(folder, "is not a folder")
    if info.st_uid != _USER:
        return _refused(folder, f"belongs to another user (uid {info.st_uid})")
    try:
        tracked = tracked_files(folder)
    except GitError as error:
        return _refused(folder, f"cannot be checked against git ({error.message})")
    if not tracked:
        return None
    named = ", ".join(tracked[:5]) + (f" and {len(tracked) - 5} more" if len(tracked) > 5 else "")
    return (
        f"warning: git tracks {named} in {folder.parent}: a cache is the tool's own and is "
        f"never read from a repository, so caching is off; remove them from git with "
        f"'git rm --cached -r {folder.name}' and commit"
    )


def _refused(folder: Path, why: str) -> str:
    return (
        f"warning: the cache folder {folder} {why}: caching is off; "
        "delete it and the tool makes its own"
    )


def _ignore_in_git(folder: Path) -> None:
    """A ``.gitignore`` that ignores the whole folder, so the cache is not committed by
    accident (written only when missing, and never through a link)."""
    try:
        with open(folder / ".gitignore", "x", encoding="utf-8") as out:
            out.write("*\n")
    except FileExistsError:
        pass


# Shapes are plain classes, not dataclasses: they are made at import by every command,
# and three frozen dataclasses would add some 5 ms to each start.


class Many:
    """A shape: a list (or tuple) whose every item has the shape ``item``."""

    __slots__ = ("item", "kind")

    def __init__(self, item: Shape, kind: type = list) -> None:
        self.item, self.kind = item, kind


class OneOf:
    """A shape: any of ``options``."""

    __slots__ = ("options",)

    def __init__(self, options: tuple[Shape, ...]) -> None:
        self.options = options


class MapOf:
    """A shape: a dict whose keys and values have the shapes ``key`` and ``value``."""

    __slots__ = ("key", "value")

    def __init__(self, key: Shape, value: Shape) -> None:
        self.key, self.value = key, value


ANY = object()
"""A shape: anything plain (already checked by :meth:`CacheFile.load`)."""

JSON = object()
"""A shape: what YAML or JSON data can be (None, booleans, numbers, text, and lists and
dicts with text keys of them), so that a parsed document is never of another type."""

Shape = object
"""What a cache reader expects: a type (``int`` is never ``bool``), a tuple of shapes (a
tuple of exactly that length), :class:`Many`, :class:`OneOf`, :class:`MapOf`, ANY or JSON."""

_JSON_ATOMS = frozenset({str, int, float, bool, type(None)})


def fits(value: object, shape: Shape) -> bool:
    """Whether ``value`` has ``shape``: each reader checks what it loaded, so an entry of
    another shape (a layout bug, a hand-made file) is a miss, never an error."""
    return _checker(shape)(value)


Checker = Callable[[object], bool]


@functools.cache
def _checker(shape: Shape) -> Checker:
    """A function that checks ``shape``, made once per shape: a warm check tests every
    remembered result, so the common cases (a type, a tuple of types) are one C-level
    comparison per value."""
    if shape is ANY:
        return lambda value: True
    if shape is JSON:
        return _is_json
    if isinstance(shape, type):
        return lambda value: type(value) is shape
    types = _types(shape)
    if types is not None:
        return lambda value: type(value) in types
    if isinstance(shape, tuple):
        return _tuple_checker(shape)
    if isinstance(shape, Many):
        kind, item = shape.kind, _checker(shape.item)
        return lambda value: type(value) is kind and all(map(item, value))  # type: ignore[call-overload]
    if isinstance(shape, OneOf):
        options = [_checker(option) for option in shape.options]
        return lambda value: any(option(value) for option in options)
    if isinstance(shape, MapOf):
        key, item = _checker(shape.key), _checker(shape.value)
        return lambda value: (
            type(value) is dict and all(map(key, value)) and all(map(item, value.values()))
        )
    raise TypeError(f"not a cache shape: {shape!r}")


def _types(shape: Shape) -> frozenset[type] | None:
    """The types ``shape`` allows when it is only a choice of types, else None."""
    if isinstance(shape, type):
        return frozenset({shape})
    if isinstance(shape, OneOf) and all(isinstance(option, type) for option in shape.options):
        return frozenset(shape.options)  # type: ignore[arg-type]
    return None


def _tuple_checker(shape: tuple[Shape, ...]) -> Checker:
    size = len(shape)
    simple = tuple(_types(part) for part in shape)
    if all(types is not None and len(types) == 1 for types in simple):
        exact = tuple(next(iter(types)) for types in simple if types is not None)
        return lambda value: type(value) is tuple and tuple(map(type, value)) == exact
    parts = [(i, _checker(part)) for i, part in enumerate(shape) if simple[i] is None]
    allowed = [(i, types) for i, types in enumerate(simple) if types is not None]

    def check(value: object) -> bool:
        return (
            type(value) is tuple
            and len(value) == size
            and all(type(value[i]) in types for i, types in allowed)
            and all(part(value[i]) for i, part in parts)
        )

    return check


def _is_json(value: object) -> bool:
    stack: list[Any] = [value]
    pop, push = stack.pop, stack.extend
    while stack:
        item = pop()
        kind = type(item)
        if kind in _JSON_ATOMS:
            continue
        if kind is dict:
            if not all(type(key) is str for key in item):
                return False
            push(item.values())
        elif kind is list:
            push(item)
        else:
            return False
    return True


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
