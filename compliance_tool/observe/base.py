"""The interface every source of observations implements, and what it returns.

A source reads one system of record and answers with an :class:`Observed`: which system,
where (without credentials), and the entries it showed, already sorted so that an
unchanged system gives byte-identical entries. Adding a source (SageMaker, Vertex AI)
is one module with one class that has a ``system`` name and an ``observe()`` method.
"""

from __future__ import annotations

import urllib.parse
from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class Observed:
    """What one source showed."""

    system: str
    """The value of the snapshot's ``source.system`` (``mlflow``, ``kubernetes``, ...)."""
    address: str
    """Where it was read, without credentials (see :func:`public_address`)."""
    entries: list[dict[str, Any]]
    """The entries, sorted, in the shape ``schemas/observation.schema.json`` gives."""
    warnings: tuple[str, ...] = field(default=())
    """What the user should know but that does not stop the snapshot (``file:line: ...``)."""


class Source(Protocol):
    """A system of record that can be observed."""

    system: str

    def observe(self) -> Observed:
        """Read the system; raise :class:`~compliance_tool.errors.ObserveError` (and write
        nothing) when it cannot be read or answers with something it would not return."""
        ...


def public_address(url: str) -> str:
    """``url`` without user name, password, query or fragment: what a snapshot, a log or
    an error message may show of an address. A path is returned as it is."""
    parts = urllib.parse.urlsplit(url)
    if not parts.scheme or not parts.netloc:
        return url
    host = parts.hostname or ""
    if ":" in host:  # an IPv6 literal keeps its brackets
        host = f"[{host}]"
    netloc = f"{host}:{parts.port}" if parts.port is not None else host
    return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path.rstrip("/"), "", ""))
