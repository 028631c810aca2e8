"""Rendering the report: the sections through the Jinja2 template into HTML, and HTML
into PDF/A-3b with WeasyPrint.

Rendering is deterministic: every date the renderer would take from the clock is pinned
to the evaluation, so the same commit, rules and date give the same bytes before
signing. The renderer fetches nothing: styles and charts are inline, and any other URL
(an ``<img>`` smuggled into a description would be escaped anyway) is refused.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
from collections.abc import Iterator
from contextlib import contextmanager
from importlib import resources
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from compliance_tool.report.document import ReportContext


def render_html(context: ReportContext) -> str:
    """The report as HTML, from the package's Jinja2 template (autoescaped); each section
    of ``context`` is a variable of the template."""
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
    return environment.get_template("report.html.j2").render(css=css, **sections)


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
    """HTML to PDF/A-3b with attachments; every clock-derived value pinned to ``moment``."""
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
        return bytes(
            document.write_pdf(
                pdf_variant="pdf/a-3b",
                attachments=files,
                pdf_identifier=hashlib.sha256(identifier.encode()).hexdigest()[:32].encode(),
            )
        )
