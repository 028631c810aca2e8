"""Rule results remembered by (rule, record content), each with the facts it read.

The engine asks this cache before it evaluates a rule on a record, and fills it after;
it lives in memory for history and trend (many commits, one process) and in the cache
folder for check.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from compliance_tool.repository.cache import ANY, CacheFile, Many, OneOf, fits

Packed = tuple[str, int, int, tuple[tuple[str, str, int, int], ...]] | None
"""One rule on one record, compactly: None when 'when' did not select the record, else
(status, line, column, details) — what the cache stores and workers send back."""

Reads = tuple[tuple[str, str, Any], ...]
"""The facts an evaluation read, with their values: (name, key, value)."""


class RuleCache:
    """Rule results by (rule, record content), each with the facts it read.

    A result is reused only when the rule files and tool are the same, the record's
    content is the same, and every fact the evaluation read (a person's status and roles,
    a rotation's members, whether a dataset carries personal data, whether a file exists,
    the evaluation date for time-based checks) still has the value it had. So a change
    of one person re-evaluates only what looked at that person, and a cache cannot give a
    wrong answer. In memory for history and trend, on disk for check.
    """

    FORMAT = 2

    def __init__(self, folder: Path | None) -> None:
        self.file = CacheFile(folder, "rules", self.FORMAT) if folder is not None else None
        self.context = ""
        self.entries: dict[str, tuple[Reads, Packed]] = {}
        self.dirty = False

    @property
    def folder(self) -> Path | None:
        """The cache folder, or None for a cache kept in memory only."""
        return self.file.folder if self.file is not None else None

    def open(self, context: str) -> None:
        """Use the results saved for ``context`` (the tool and the rule files): read on
        first use, since a remembered whole check never needs them."""
        if context == self.context:
            return
        self.context = context
        stored = self.file.load(context) if self.file is not None else None
        self.entries = stored if type(stored) is dict else {}

    def lookup(self, key: str, fact: Callable[[str, str], Any]) -> tuple[bool, Packed, Reads]:
        """Whether a result for ``key`` whose facts all still hold is known, that result
        and its reads. An entry of another shape is a miss."""
        found = self.entries.get(key)
        if found is None or not fits(found, _ENTRY_SHAPE):
            return False, None, ()
        reads, packed = found
        if packed is not None and packed[0] not in _STATUSES:
            return False, None, ()
        try:
            if all(fact(name, arg) == value for name, arg, value in reads):
                return True, packed, reads
        except (TypeError, ValueError, KeyError):
            pass  # a fact of a name or argument this tool does not know: a miss
        return False, None, ()

    def store(self, key: str, reads: Reads, packed: Packed) -> None:
        self.entries[key] = (reads, packed)
        self.dirty = True

    def save(self) -> None:
        """Write the results once a run added some (atomically; skipped when impossible)."""
        if self.file is not None and self.dirty:
            self.file.save(self.context, self.entries)
            self.dirty = False


_STATUSES = ("pass", "fail")
_READ = (str, str, ANY)
_PACKED = OneOf((type(None), (str, int, int, Many((str, str, int, int), tuple))))
_ENTRY_SHAPE = (OneOf((Many(_READ, tuple), Many(_READ, list))), _PACKED)
"""An entry: the facts read (:data:`Reads`) and the result (:data:`Packed`)."""
