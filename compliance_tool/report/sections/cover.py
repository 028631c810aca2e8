"""The cover page, the running page header and the verdict: what was evaluated, when, by
whom it is signed, and the outcome in one sentence."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from compliance_tool import __version__
from compliance_tool.checks.coverage import Coverage
from compliance_tool.report.sections.common import Evaluated
from compliance_tool.report.sections.observed import sources_line
from compliance_tool.repository.kinds import Severity

if TYPE_CHECKING:
    from compliance_tool.report.document import ReportSettings


@dataclass(frozen=True, slots=True)
class PageHeader:
    """The running header and footer of every page but the cover, as CSS strings."""

    org_title: str
    as_of: str
    commit: str


@dataclass(frozen=True, slots=True)
class Cover:
    title: str
    organisation: str
    as_of: str
    commit: str | None
    tool_version: str
    signer: str
    development_key: bool
    meaning: str
    observed: str
    """The snapshots compared with the records and when each was observed, e.g.
    ``mlflow (MLflow registry, 2026-11-25 06:00 UTC)``, or ``no observations``."""
    verdict: str
    verdict_class: str
    """good, warn (unwaived findings) or bad (one of high severity or worse)."""
    header: PageHeader


def build_cover(evaluated: Evaluated, coverage: Coverage, settings: ReportSettings) -> Cover:
    check, failing = evaluated.check, evaluated.failing
    return Cover(
        title=settings.title,
        organisation=settings.organisation,
        as_of=check.as_of.isoformat(),
        commit=check.commit,
        tool_version=__version__,
        signer=settings.signer,
        development_key=settings.development_key,
        meaning=settings.meaning,
        observed=sources_line(evaluated.facts.reconciliation.snapshots),
        verdict=_verdict(evaluated, coverage),
        verdict_class="bad"
        if any(r.severity >= Severity.HIGH for r in failing)
        else ("warn" if failing else "good"),
        header=PageHeader(
            org_title=css_string(f"{settings.organisation} · {settings.title}"),
            as_of=css_string(f"As of {check.as_of.isoformat()}"),
            commit=css_string(f"Commit {(check.commit or 'working tree')[:12]}"),
        ),
    )


def _verdict(evaluated: Evaluated, coverage: Coverage) -> str:
    failing, waived = evaluated.failing, evaluated.waived
    if not failing:
        base = "No unwaived findings"
    else:
        worst = max(r.severity for r in failing)
        high = sum(r.severity >= Severity.HIGH for r in failing)
        base = f"{len(failing)} unwaived finding{'s' if len(failing) != 1 else ''}"
        if high:
            base += f", {high} of high severity or worse"
        elif worst:
            base += f", at most {worst.label} severity"
    extra = f"; {len(waived)} waived" if waived else ""
    return f"{base}{extra}; {coverage.share_passing:.0%} of controls pass."


def css_string(text: str) -> str:
    """``text`` as a quoted CSS string that cannot end the string or the style element."""
    escaped = text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ")
    return '"' + escaped.replace("<", "\\3c ").replace(">", "\\3e ") + '"'
