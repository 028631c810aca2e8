"""Rendering the report: the sections through the Jinja2 template into HTML, and HTML
into PDF/A-3b with WeasyPrint.

Rendering is deterministic: every date the renderer would take from the clock is pinned
to the evaluation, so the same commit, rules and date give the same bytes before
signing. The renderer fetches nothing: styles and charts are inline, and any other URL
(an ``<img>`` smuggled into a description would be escaped anyway) is refused. No
control character reaches the PDF's metadata (the info dictionary and XMP), whatever the
text the title and author came from.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import TYPE_CHECKING, Any

from compliance_tool.errors import ReportError

if TYPE_CHECKING:
    from compliance_tool.report.document import ReportContext

_NOT_FOR_METADATA = re.compile(r"\s*[\x00-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]+\s*")
"""Control characters (C0, DEL, C1) and what XML 1.0 cannot hold at all (surrogates,
U+FFFE, U+FFFF): metadata fields are one line of text, and XMP is XML."""


def metadata_text(text: str) -> str:
    """``text`` fit for a PDF metadata field: each run of control characters, with the
    white space around it, becomes one space (words stay apart), none at either end. A control
    character in XMP makes it malformed XML: the PDF is then not PDF/A, and pyHanko cannot
    sign it."""
    return _NOT_FOR_METADATA.sub(" ", text).strip()


def _clean_metadata(metadata: Any) -> None:
    """Pass every text field of WeasyPrint's ``DocumentMetadata`` through
    :func:`metadata_text` (title, authors, description, keywords, generator)."""
    for name in ("title", "description", "generator"):
        value = getattr(metadata, name)
        if isinstance(value, str):
            setattr(metadata, name, metadata_text(value))
    for name in ("authors", "keywords"):
        setattr(metadata, name, [metadata_text(str(item)) for item in getattr(metadata, name)])


def render_html(context: ReportContext | Any, template: str = "report.html.j2") -> str:
    """The report (or another document of the package's templates, such as the review
    pack) as HTML, from its Jinja2 template (autoescaped); each field of ``context`` (a
    dataclass) is a variable of the template."""
    import jinja2

    environment = jinja2.Environment(
        loader=jinja2.PackageLoader("compliance_tool.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    css = resources.files("compliance_tool.report").joinpath("assets/report.css").read_text("utf-8")
    sections = {field.name: getattr(context, field.name) for field in dataclasses.fields(context)}
    return environment.get_template(template).render(css=css, **sections)


def data_only_fetcher() -> Any:
    """A URL fetcher for ``data:`` URLs only: nothing from the network or the file system."""
    from weasyprint.urls import URLFetcher

    return URLFetcher(allowed_protocols={"data"}, fail_on_errors=False, timeout=1)


@contextmanager
def _pinned_clock(moment: dt.datetime) -> Iterator[None]:
    """Font subsetting stamps fonts with the current time unless SOURCE_DATE_EPOCH is set."""
    previous = os.environ.get("SOURCE_DATE_EPOCH")
    os.environ["SOURCE_DATE_EPOCH"] = str(int(moment.timestamp()))
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("SOURCE_DATE_EPOCH", None)
        else:
            os.environ["SOURCE_DATE_EPOCH"] = previous


def render_pdf(
    html: str, attachments: dict[str, bytes], moment: dt.datetime, identifier: str
) -> bytes:
    """HTML to PDF/A-3b with attachments; every clock-derived value pinned to ``moment``;
    ReportError when WeasyPrint or its system libraries cannot render it."""
    try:
        return _render_pdf(html, attachments, moment, identifier)
    except (ImportError, OSError) as exc:  # WeasyPrint without Pango, an unreadable font
        raise ReportError(
            f"cannot render the PDF: {exc}",
            hint="install WeasyPrint's system libraries (Pango; scripts/bootstrap does)",
        ) from None


def _render_pdf(
    html: str, attachments: dict[str, bytes], moment: dt.datetime, identifier: str
) -> bytes:
    import logging

    import weasyprint

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    logging.getLogger("fontTools").setLevel(logging.ERROR)
    with _pinned_clock(moment):
        document = weasyprint.HTML(
            string=html, url_fetcher=data_only_fetcher(), base_url="about:blank"
        )
        files = [
            weasyprint.Attachment(
                string=data.decode("utf-8"),
                name=name,
                created=moment,
                modified=moment,
                relationship="Data",
                description=f"{name} of this report",
            )
            for name, data in sorted(attachments.items())
        ]
        options: dict[str, Any] = {
            "pdf_variant": "pdf/a-3b",
            "attachments": files,
            "pdf_identifier": hashlib.sha256(identifier.encode()).hexdigest()[:32].encode(),
        }
        rendered = document.render(**options)  # what HTML.write_pdf does, in two steps,
        _clean_metadata(rendered.metadata)  # so that the metadata is clean before writing
        return bytes(rendered.write_pdf(**options))
