"""Markdown checked as rendered: the tables of the HTML a CommonMark parser makes of it."""

from __future__ import annotations

from html.parser import HTMLParser


class Tables(HTMLParser):
    """Cells of every table, as text (``<br>`` as a line break), and every tag used."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[list[list[str]]] = []
        self.tags: set[str] = set()
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.add(tag)
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self.tables[-1].append([])
        elif tag in ("td", "th"):
            self._cell = []
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th") and self._cell is not None:
            self.tables[-1][-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> Tables:
    """The tables (and tags) of ``html``."""
    parsed = Tables()
    parsed.feed(html)
    return parsed
