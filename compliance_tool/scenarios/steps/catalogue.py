"""The catalogue of steps: each step's shape, description and example, taken from its
docstring, in the order the step modules define them; what ``compliance-tool scenarios
steps`` prints, and what an unknown step is compared with.

A step module decorates each step with the ``step`` of its :class:`Section`; the
package's ``__init__`` then registers every entry with pytest-bdd.
"""

from __future__ import annotations

import difflib
import inspect
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


@dataclass(frozen=True, slots=True)
class CatalogueEntry:
    """One step as the catalogue shows it."""

    section: str
    keyword: str
    shape: str
    """The step with its parameters in angle brackets."""
    regex: re.Pattern[str]
    description: str
    example: str
    """One complete line of a feature file that uses the step."""
    function: Callable[..., Any]
    """The step's implementation."""

    @property
    def example_text(self) -> str:
        """The example without its leading Given/When/Then/And/But."""
        return self.example.split(" ", 1)[1] if " " in self.example else self.example


CATALOGUE: list[CatalogueEntry] = []
"""Every step of the library, in the order of the step modules."""


@dataclass(frozen=True, slots=True)
class Section:
    """A section of the catalogue; its :meth:`step` adds a step to it."""

    title: str

    def step(self, keyword: str, shape: str, regex: str) -> Callable[[F], F]:
        """Add a step to the catalogue: its docstring is the description, and its last
        line, ``Example: ...``, a line of a feature file that uses it."""

        def register(func: F) -> F:
            example = ""
            description: list[str] = []
            for line in (inspect.getdoc(func) or "").splitlines():
                if line.startswith("Example:"):
                    example = line.removeprefix("Example:").strip()
                else:
                    description.append(line)
            text = " ".join(" ".join(description).split())
            CATALOGUE.append(
                CatalogueEntry(self.title, keyword, shape, re.compile(regex), text, example, func)
            )
            return func

        return register


SELECTING = Section("Selecting records (Given)")
FOLLOWING = Section("Following references and lineage (And, after a selection)")
NARROWING = Section("Narrowing the selection (And)")
ASSERTING = Section("Asserting over the selection (Then, And)")
EXAMPLES = Section("Rules on an example record written in the scenario (Given, When, Then)")
OBSERVED = Section("Production as observed: the committed snapshots (Given, Then)")


def catalogue_text() -> str:
    """The catalogue as text: each step, what it does, and an example line."""
    lines: list[str] = []
    current = ""
    for entry in CATALOGUE:
        if entry.section != current:
            if lines:
                lines.append("")
            lines.append(f"{entry.section}:")
            current = entry.section
        lines.append("")
        lines.append(f"  {entry.keyword} {entry.shape}")
        for text in _wrap(entry.description, 84):
            lines.append(f"      {text}")
        lines.append(f"      e.g.  {entry.example}")
    return "\n".join(lines) + "\n"


def _wrap(text: str, width: int) -> list[str]:
    import textwrap

    return textwrap.wrap(text, width) or [""]


def closest_steps(text: str, count: int = 3) -> list[CatalogueEntry]:
    """The ``count`` catalogue entries whose example or shape reads most like ``text``."""

    def score(entry: CatalogueEntry) -> float:
        wanted = text.lower()
        return max(
            difflib.SequenceMatcher(None, wanted, entry.example_text.lower()).ratio(),
            difflib.SequenceMatcher(None, wanted, entry.shape.lower()).ratio(),
        )

    return sorted(CATALOGUE, key=score, reverse=True)[:count]


def unknown_step_message(step_type: str, text: str, where: str = "") -> str:
    """Why a step is unknown, the other keyword it exists under, and the closest steps."""
    keyword = step_type.capitalize()
    lines = [f'unknown step: {keyword} "{text}"' + (f" ({where})" if where else "")]
    elsewhere = [e for e in CATALOGUE if e.regex.fullmatch(text) and e.keyword != keyword]
    if elsewhere:
        lines.append(
            f"this is a '{elsewhere[0].keyword}' step: move it under '{elsewhere[0].keyword}'"
        )
    lines.append("the closest known steps are:")
    for entry in closest_steps(text):
        lines.append(f"  {entry.example}    ({entry.keyword} {entry.shape})")
    lines.append("every step: compliance-tool scenarios steps")
    return "\n".join(lines)
