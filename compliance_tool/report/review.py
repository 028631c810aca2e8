"""The weekly review pack as a PDF: the pack of ``audit.review`` through the report's
renderer, stylesheet and signing, with a small chart per headline figure and the pack's
Markdown attached."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from compliance_tool.audit.review import ReviewPack
from compliance_tool.errors import ReportError
from compliance_tool.report.charts import sparkline
from compliance_tool.report.render import render_html, render_pdf
from compliance_tool.report.sections.common import svg_data
from compliance_tool.report.sections.cover import css_string
from compliance_tool.report.signing_config import signing_config_from_env
from compliance_tool.report.signing_keys import check_development_folder, load_signer
from compliance_tool.report.signing_pdf import sign_pdf
from compliance_tool.reporters.review import (
    ARROWS,
    DIRECTION_WORDS,
    change_text,
    figure,
    render_markdown,
)
from compliance_tool.repository.config import load_config
from compliance_tool.repository.writing import write_outputs

DEFAULT_MEANING = "Prepared for the weekly operating review"

_CLASS = {
    "worse": "warn",
    "better": "good",
    "steady": "none",
    "breached": "bad",
    "no-previous": "none",
}


@dataclass(frozen=True, slots=True)
class Figure:
    """One headline figure as the page shows it."""

    label: str
    value: str
    change: str
    arrow: str
    css: str
    threshold: str
    chart: str | None
    """A ``data:`` URL of the series' sparkline; None without two figures to draw."""


@dataclass(frozen=True, slots=True)
class ReviewDocument:
    """What the review template reads."""

    title: str
    organisation: str
    pack: ReviewPack
    figures: dict[str, tuple[Figure, ...]]
    """By model id."""
    signer: str
    legend: dict[str, str]
    header: dict[str, str]
    """The running header and footer as CSS strings."""


@dataclass(frozen=True, slots=True)
class BuiltReview:
    path: Path
    size: int
    signer: str | None
    notices: tuple[str, ...]


def _figures(pack: ReviewPack) -> dict[str, tuple[Figure, ...]]:
    shown: dict[str, tuple[Figure, ...]] = {}
    for team in pack.teams:
        for model in team.models:
            rows = []
            for headline in model.headlines:
                series = headline.series
                values = [p.value for p in series.points]
                known = [i for i, v in enumerate(values) if v is not None]
                values = values[known[0] :] if known else []  # from the first figure on
                drawn = len(known) >= 2
                rows.append(
                    Figure(
                        label=headline.label[:1].upper() + headline.label[1:],
                        value=figure(series, series.latest),
                        change=change_text(series),
                        arrow=ARROWS.get(series.direction, ""),
                        css=_CLASS.get(series.direction, "none"),
                        threshold=series.threshold or "no threshold",
                        chart=svg_data(sparkline(values, series.limit)) if drawn else None,
                    )
                )
            shown[model.id] = tuple(rows)
    return shown


def build_review_pdf(
    pack: ReviewPack,
    root: Path,
    output: Path | None = None,
    *,
    sign: bool = False,
    meaning: str | None = None,
    allow_without_tsa: bool = False,
) -> BuiltReview:
    """Render ``pack`` to a PDF/A-3b at ``output`` (written atomically), signed as the
    report is when ``sign`` holds; ReportError or SigningError with nothing written.
    Without ``output``: ``<report.output_dir>/review-DATE-COMMIT.pdf``, beside the reports."""
    config = load_config(root)
    if output is None:
        folder = root / str((config.get("report") or {}).get("output_dir", "reports"))
        output = folder / f"review-{pack.as_of}-{(pack.commit or 'worktree')[:12]}.pdf"
        if not folder.exists():  # the reports' own place is made, as report makes it
            try:
                folder.mkdir(parents=True)
            except OSError as exc:
                raise ReportError(
                    f"cannot create the report folder {folder}: {exc.strerror}",
                    hint="check the permissions of its parent, or give --output",
                ) from None
    signing = signing_config_from_env(
        root,
        {"meaning": meaning or DEFAULT_MEANING, "allow_without_tsa": allow_without_tsa},
        config,
    )
    if sign:
        check_development_folder(signing, root)
    if output.is_dir():
        raise ReportError(f"the output path {output} is a folder", hint="give a file name")
    if not output.parent.is_dir():
        raise ReportError(
            f"the folder {output.parent} does not exist", hint="create it or give another --output"
        )
    loaded = load_signer(signing, root) if sign else None
    notices: list[str] = [loaded.notice] if loaded is not None and loaded.notice else []
    document = ReviewDocument(
        title="Operating review",
        organisation=str(config.get("organisation", "Organisation")),
        pack=pack,
        figures=_figures(pack),
        signer=loaded.name if loaded is not None else "not signed",
        legend={ARROWS[k]: v for k, v in DIRECTION_WORDS.items()},
        header={
            "title": css_string(f"{config.get('organisation', 'Organisation')} · Operating review"),
            "as_of": css_string(f"As of {pack.as_of}"),
            "commit": css_string(f"Commit {(pack.commit or 'working tree')[:12]}"),
        },
    )
    moment = dt.datetime(pack.as_of.year, pack.as_of.month, pack.as_of.day, tzinfo=dt.UTC)
    pdf = render_pdf(
        render_html(document, "review.html.j2"),
        {"review.md": render_markdown(pack).encode("utf-8")},
        moment,
        f"review:{pack.commit}:{pack.as_of}:{pack.period}:{pack.team}",
    )
    if loaded is not None:
        pdf = sign_pdf(pdf, loaded, signing, dt.datetime.now(dt.UTC), notices=notices)
    write_outputs({output: pdf}, ReportError)
    return BuiltReview(output, len(pdf), loaded.name if loaded else None, tuple(notices))
