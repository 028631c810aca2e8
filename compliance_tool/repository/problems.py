"""A problem found while reading or validating a governance file."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True, order=True)
class Problem:
    """One problem at a file position, shown as ``file:line:col: kind.field: message (hint)``."""

    path: str
    line: int
    column: int
    kind: str
    """The record's kind (``Model``), or ``file`` when the file itself is unreadable."""
    field: str
    """Dotted path of the offending field (``ownership.operator``), empty for the whole file."""
    message: str
    hint: str
    code: str
    """A stable identifier of the problem class (``schema``, ``reference``, ``lineage-cycle``)."""

    @property
    def subject(self) -> str:
        return f"{self.kind}.{self.field}" if self.field else self.kind

    def format(self) -> str:
        text = f"{self.path}:{self.line}:{self.column}: {self.subject}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text
