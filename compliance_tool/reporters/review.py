"""The weekly review pack as Markdown: an agenda for the meeting notes or a pull request,
most urgent first. Text from the records is escaped (``reporters.markdown``)."""

from __future__ import annotations

from collections.abc import Sequence

from compliance_tool.audit.metric_series import MetricSeries
from compliance_tool.audit.review import Headline, ReviewPack
from compliance_tool.checks.due import Obligation
from compliance_tool.reporters.markdown import code, escape

_BARS = "▁▂▃▄▅▆▇█"

DIRECTION_WORDS = {
    "worse": "worse",
    "better": "better",
    "steady": "steady",
    "breached": "beyond threshold",
    "no-previous": "no earlier figure",
    "missing": "no figure",
}
ARROWS = {
    "worse": "▲",
    "better": "▼",
    "steady": "▶",
    "breached": "⚠",
    "no-previous": "·",
    "missing": "·",
}


def sparkline(values: Sequence[float | None]) -> str:
    """The series in eight block heights; a gap (no figure) is a space."""
    known = [v for v in values if v is not None]
    if not known:
        return ""
    values = values[next(i for i, v in enumerate(values) if v is not None) :]
    low, high = min(known), max(known)
    span = (high - low) or 1.0
    return "".join(
        " " if v is None else _BARS[round((v - low) / span * (len(_BARS) - 1))] for v in values
    )


def figure(series: MetricSeries, value: float | None) -> str:
    """A figure as a reader writes it: counts without decimals, money with two."""
    if value is None:
        return "missing"
    if series.metric.startswith("cost"):  # to a tenth of a cent, which small budgets need
        text = f"{value:,.3f}"
        return "$" + (text[:-1] if text.endswith("0") else text)
    return f"{value:,.0f}" if float(value).is_integer() else f"{value:,.2f}"


def change_text(series: MetricSeries) -> str:
    """The change since the previous review, signed, with its direction in words."""
    words = DIRECTION_WORDS.get(series.direction, series.direction)
    if series.change is None:
        return words
    since = f" since {series.previous_end}" if series.previous_end else ""
    sign = "+" if series.change > 0 else ("−" if series.change < 0 else "±")
    amount = figure(series, abs(series.change)).lstrip("$")
    money = "$" if series.metric.startswith("cost") else ""
    return f"{sign}{money}{amount}{since}, {words}"


def headline_cell(headline: Headline) -> str:
    series = headline.series
    arrow = ARROWS.get(series.direction, "")
    line = sparkline([p.value for p in series.points])
    spark = f" `{line}`" if line.strip() else ""
    return f"**{figure(series, series.latest)}** {arrow} ({change_text(series)}){spark}"


def _row(cells: Sequence[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> list[str]:
    return [_row(header), _row(["---"] * len(header)), *(_row(r) for r in rows)]


def _people(obligation: Obligation) -> str:
    return escape(", ".join(f"{r.name} ({r.id})" for r in obligation.responsible)) or "nobody named"


def render_markdown(pack: ReviewPack) -> str:
    """The pack as one Markdown document."""
    scope = f" · team {escape(pack.team)}" if pack.team else ""
    lines = [
        f"# Operating review, {pack.as_of}",
        "",
        f"Period {pack.previous} – {pack.as_of} ({pack.period}){scope} · commit "
        f"{code((pack.commit or 'working tree')[:12])} · next review {pack.until}",
        "",
    ]
    lines += _decisions(pack)
    lines += _figures(pack)
    lines += _incidents(pack)
    lines += _findings(pack)
    lines += _due(pack)
    lines += _handovers(pack)
    if pack.notes:
        lines += ["## Notes", "", *(f"- {escape(note)}" for note in pack.notes), ""]
    return "\n".join(lines).rstrip() + "\n"


def _decisions(pack: ReviewPack) -> list[str]:
    lines = [f"## 1. Decisions needed ({len(pack.decisions)})", ""]
    if not pack.decisions:
        return [*lines, "Nothing needs a decision this week.", ""]
    for number, decision in enumerate(pack.decisions, 1):
        owner = f" — {escape(decision.owner)}" if decision.owner else ""
        lines.append(f"{number}. {escape(decision.text)}{owner} ({code(decision.where)})")
    return [*lines, ""]


def _figures(pack: ReviewPack) -> list[str]:
    lines = ["## 2. Headline figures", ""]
    if not pack.teams:
        return [*lines, "No production model in scope.", ""]
    lines += [
        "Latest figure, its change since the previous review and direction against its"
        " threshold (▲ worse, ▼ better, ⚠ beyond threshold), then the weekly series.",
        "",
    ]
    for team in pack.teams:
        lines += [f"### {escape(team.name)}", ""]
        labels = [h.label[:1].upper() + h.label[1:] for h in team.models[0].headlines]
        header = ["Model", *labels] if labels else ["Model", "Figures"]
        rows = [
            [code(m.id), *(headline_cell(h) for h in m.headlines)]
            if m.headlines
            else [code(m.id), "no operating figures recorded"]
            for m in team.models
        ]
        lines += [*_table(header, rows), ""]
    return lines


def _incidents(pack: ReviewPack) -> list[str]:
    lines = ["## 3. Incidents", ""]
    if not pack.incidents:
        return [*lines, "No incident was opened or closed in the period, and none is open.", ""]
    rows = [
        [
            code(i.id),
            escape(i.severity),
            escape(i.title),
            escape(", ".join(i.models)),
            "opened" * i.opened + (" and " if i.opened and i.closed else "") + "closed" * i.closed
            or ("open" if i.resolved_at is None else ""),
            ("**" + escape(i.review) + "**") if i.review_late else escape(i.review),
        ]
        for i in pack.incidents
    ]
    header = ["Incident", "Severity", "Title", "Models", "In the period", "Post-incident review"]
    return [*lines, *_table(header, rows), ""]


def _findings(pack: ReviewPack) -> list[str]:
    lines = [
        f"## 4. Findings since the previous review ({pack.previous})",
        "",
        f"{len(pack.new_findings)} new, {len(pack.resolved_findings)} resolved;"
        f" {pack.open_findings} open in all.",
        "",
    ]
    for title, changes in (("New", pack.new_findings), ("Resolved", pack.resolved_findings)):
        if not changes:
            continue
        rows = [
            [
                escape(c.severity),
                code(c.rule),
                code(c.subject),
                escape(c.message),
                code(f"{c.path}#L{c.line}"),
            ]
            for c in changes
        ]
        lines += [
            f"**{title}**",
            "",
            *_table(["Severity", "Rule", "Subject", "Finding", "Where"], rows),
            "",
        ]
    return lines


def _due(pack: ReviewPack) -> list[str]:
    lines = [
        f"## 5. Falling due (overdue, and up to {max((o.date for o in pack.due), default=pack.until)})",
        "",
    ]
    if not pack.due:
        return [*lines, "Nothing falls due.", ""]
    rows = [
        [
            ("**overdue** " if o.overdue else "") + str(o.date),
            escape(o.kind),
            escape(o.title),
            _people(o),
            code(f"{o.path}#L{o.line}"),
        ]
        for o in pack.due
    ]
    return [*lines, *_table(["Date", "Kind", "What", "Responsible", "Record"], rows), ""]


def _handovers(pack: ReviewPack) -> list[str]:
    lines = [f"## 6. On-call hand-overs, {pack.as_of} – {pack.until}", ""]
    for gap in pack.cover_gaps:
        lines += [
            f"**Nobody on call** on {code(gap.rotation)} {gap.count} time(s) in the period,"
            f" first {escape(gap.first)}.",
            "",
        ]
    if not pack.handovers:
        return [
            *lines,
            "No hand-over in the coming period (or no rotation states its schedule).",
            "",
        ]
    rows = [
        [
            escape(h.at.replace("T", " ")),
            code(h.rotation),
            escape(h.from_person or "nobody (after a gap)"),
            f"{escape(h.to_name)} ({code(h.to_person)})",
            f"external · {escape(h.organisation or 'unknown')}" if h.to_external else "staff",
        ]
        for h in pack.handovers
    ]
    return [*lines, *_table(["When", "Rotation", "From", "To", "Staff or external"], rows), ""]
