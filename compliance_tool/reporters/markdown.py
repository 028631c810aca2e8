"""A pull-request comment in GitHub-flavoured Markdown: verdict, counts, findings, waivers,
and what becomes mandatory, and when (the upcoming results, which do not fail the run).

Everything that comes from governance files (ids, messages, remediations, paths) is user
text: it is escaped so that it can neither break a table (``|``, line breaks), nor render
as markup or HTML (``*``, ``<b>``, links), nor notify people or link issues (``@name``,
``#12``) from the comment.
"""

from __future__ import annotations

import re

from compliance_tool.checks.engine import CheckResult, CompiledRule, Result, Status
from compliance_tool.repository.kinds import Severity

MARKER = "<!-- compliance-tool:check -->"
"""First line of the comment, so that a workflow can find and update its earlier comment."""

FOLD_AFTER = 20
"""Tables with more rows than this are folded into a ``<details>`` block."""

MAX_ROWS = 100
"""At most this many rows per table: GitHub refuses comments over 65,536 characters."""

_PUNCTUATION = re.compile(r"([\\`*_\[\]<>|~&$])")
"""Characters that are markup inside a line (line-start markup never applies: data is only
ever written after other text, in a table cell or a sentence)."""
_REFERENCE = re.compile(r"([@#])(?=\w)")
_BREAKS = re.compile(r"\r\n|\r|\n")


def escape(text: str) -> str:
    """``text`` as literal inline Markdown: safe in a table cell, shows exactly as written."""
    text = _PUNCTUATION.sub(r"\\\1", text)
    # A backslash does not stop GitHub's @mentions and #references: a zero-width space does.
    text = _REFERENCE.sub(r"\1&#8203;", text)
    return _BREAKS.sub("<br>", text)


def code(text: str) -> str:
    """``text`` as a code span that survives inside a table cell.

    Inside a code span nothing renders, but a table still splits on ``|``, which needs a
    backslash that a code span cannot otherwise contain: text with backslashes is escaped.
    """
    if not text or "\\" in text:
        return escape(text)
    longest = max((len(run) for run in re.findall(r"`+", text)), default=0)
    fence = "`" * (longest + 1)
    padded = f" {text} " if text.startswith("`") or text.endswith("`") else text
    return fence + _BREAKS.sub(" ", padded).replace("|", "\\|") + fence


def _row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def _table(header: list[str], rows: list[list[str]], what: str) -> list[str]:
    shown = rows[:MAX_ROWS]
    lines = [_row(header), _row(["---"] * len(header)), *(_row(r) for r in shown)]
    if len(rows) > len(shown):
        lines += ["", f"… and {len(rows) - len(shown)} more {what}: see the JSON or SARIF report."]
    if len(rows) > FOLD_AFTER:
        return [f"<details><summary>{len(rows)} {what}</summary>", "", *lines, "", "</details>"]
    return lines


def _location(result: Result) -> str:
    return code(f"{result.path}#L{result.line}")


def _subject(result: Result) -> str:
    return f"{escape(result.kind.value)} {code(result.subject)}"


def _problem(result: Result) -> str:
    parts = [escape(result.message)]
    parts += [f"{code(d.field)}: {escape(d.message)}" for d in result.details]
    return "<br>".join(parts)


def verdict(result: CheckResult) -> str:
    """One line: failing, waived (and upcoming, when any) counts, rules, evaluation date and
    what was checked."""
    failing = len(result.failing())
    waived = sum(r.status is Status.WAIVED for r in result.results)
    upcoming = len(result.upcoming)
    where = f"commit {code(result.commit[:12])}" if result.commit else escape(result.source_label)
    icon = "❌" if failing else "✅"
    later = f", {upcoming} upcoming" if upcoming else ""
    return (
        f"{icon} {failing} failing, {waived} waived{later} — {len(result.rules)} rules, "
        f"as of {result.as_of.isoformat()}, {where}"
    )


UPCOMING_HEADING = "What becomes mandatory, and when"


def upcoming_section(result: CheckResult) -> list[str]:
    """The upcoming results, soonest date first: the date, what it is, and what to fix
    before it (nothing when there are none)."""
    rules: dict[str, CompiledRule] = {rule.id: rule for rule in result.rules}
    rows = []
    for r in result.upcoming:
        source = r.applies_from
        rows.append(
            [
                f"**{source.date.isoformat()}**" if source else "?",
                escape(source.what or "a date of the policy file") if source else "",
                r.severity.label,
                code(r.rule),
                _subject(r),
                _location(r),
                _problem(r),
                escape(rules[r.rule].remediation) if r.rule in rules else "",
            ]
        )
    if not rows:
        return []
    header = [
        "From",
        "What the date is",
        "Severity",
        "Rule",
        "Subject",
        "Location",
        "Problem",
        "What to fix",
    ]
    return [
        "",
        f"### {UPCOMING_HEADING}",
        "",
        "Failures of rules not yet enforced: they do not fail this check, and each becomes "
        "an ordinary failure from its date (a proposed date: once it is law).",
        "",
        *_table(header, rows, "upcoming results"),
    ]


def render_check(result: CheckResult) -> str:
    rules: dict[str, CompiledRule] = {rule.id: rule for rule in result.rules}
    failing = sorted(result.failing(), key=lambda r: (-r.severity, r.rule, r.kind, r.subject))
    waived = sorted(
        (r for r in result.results if r.status is Status.WAIVED),
        key=lambda r: (r.waiver_expires or "", r.rule, r.kind, r.subject),
    )
    lines = [MARKER, "## Compliance check", "", verdict(result), ""]

    lines += ["| Severity | Failing | Waived |", "| --- | ---: | ---: |"]
    for severity in sorted(Severity, reverse=True):
        lines.append(
            _row(
                [
                    severity.label,
                    str(sum(r.severity is severity for r in failing)),
                    str(sum(r.severity is severity for r in waived)),
                ]
            )
        )

    if failing:
        rows = [
            [
                f"**{r.severity.label}**",
                code(r.rule),
                _subject(r),
                _location(r),
                _problem(r),
                escape(rules[r.rule].remediation) if r.rule in rules else "",
            ]
            for r in failing
        ]
        lines += ["", "### Failing", ""]
        lines += _table(
            ["Severity", "Rule", "Subject", "Location", "Problem", "What to fix"],
            rows,
            "failing findings",
        )

    if waived:
        rows = [
            [
                r.severity.label,
                code(r.rule),
                _subject(r),
                _location(r),
                code(r.waiver or "?"),
                escape(r.waiver_expires or "?"),
            ]
            for r in waived
        ]
        lines += ["", "### Waived", ""]
        lines += _table(
            ["Severity", "Rule", "Subject", "Location", "Waiver", "Expires"],
            rows,
            "waived findings",
        )
    lines += upcoming_section(result)
    return "\n".join(lines) + "\n"
