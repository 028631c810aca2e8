"""Build the PDF report from one request: every report and signing setting resolved once,
the evaluation, the provenance manifest, the history, rendering, signing, and delivery of
the PDF together with its manifest.

The CLI fills a :class:`ReportRequest` from its flags, calls :func:`build_report` and
prints the :class:`BuiltReport` it returns; nothing here prints or exits.
"""

from __future__ import annotations

import datetime as dt
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from compliance_tool import __version__
from compliance_tool.audit.history import GovernanceScope, governance_scope, report_history
from compliance_tool.audit.observations import observation_list
from compliance_tool.audit.verify import input_digests
from compliance_tool.checks.coverage import compute_coverage
from compliance_tool.checks.pipeline import evaluate
from compliance_tool.errors import ReportError
from compliance_tool.report.document import (
    DEFAULT_DETAIL_LIMIT,
    ReportContext,
    ReportSettings,
    build_context,
)
from compliance_tool.report.manifest import findings_bytes, manifest_bytes, sha256_hex
from compliance_tool.report.render import render_html, render_pdf
from compliance_tool.report.signing_config import SigningConfig, signing_config_from_env
from compliance_tool.report.signing_keys import check_development_folder, load_signer
from compliance_tool.report.signing_pdf import sign_pdf
from compliance_tool.repository.config import CONFIG_FILE, load_config
from compliance_tool.repository.kinds import linked_files
from compliance_tool.repository.loader import Inventory
from compliance_tool.repository.session import Where, default_ref, open_inventory
from compliance_tool.repository.sources import open_repo, repo_prefix
from compliance_tool.repository.writing import write_outputs
from compliance_tool.scenarios.runner import scenario_outcomes

DEFAULT_ORGANISATION = "Organisation"
DEFAULT_TITLE = "AI portfolio compliance report"
DEFAULT_OUTPUT_DIR = "reports"
NOT_SIGNED = "not signed"


@dataclass(frozen=True, slots=True)
class ReportRequest:
    """What the command line asks for; None where a flag was not given."""

    root: Path
    as_of: dt.date
    ref: str | None = None
    """The commit to report on; None: HEAD in a git repository, else the working tree."""
    output: Path | None = None
    """The PDF to write; None: ``<output_dir>/compliance-report-DATE-COMMIT.pdf``."""
    unsigned: bool = False
    meaning: str | None = None
    """What the signature means; wins over the environment and the configuration file."""
    allow_without_tsa: bool = False


@dataclass(frozen=True, slots=True)
class ResolvedSettings:
    """Every setting of one report, each resolved once, with the precedence flag >
    ``COMPLIANCE_TOOL_*`` variable > compliance-tool.yaml > default; the cover, the
    signature and the manifest all read them from here."""

    organisation: str
    title: str
    output_dir: Path
    detail_limit: int
    signing: SigningConfig
    """Resolved also for an unsigned report: the cover states the meaning."""
    sign: bool
    config: dict[str, Any]
    """compliance-tool.yaml as read (history.allowed_signers checks commit signatures)."""


@dataclass(frozen=True, slots=True)
class BuiltReport:
    """What :func:`build_report` wrote, and what the user should be told."""

    pdf: Path
    manifest: Path
    size: int
    """Bytes of the PDF."""
    signer: str | None
    """The signer's name; None when the report is not signed."""
    development_key: bool
    commit: str | None
    as_of: dt.date
    unwaived: int
    """Findings that fail and are not waived."""
    governance_commits: int | None
    """Commits the history section lists; None without git history."""
    notices: tuple[str, ...]
    """Warnings for the user (uncommitted changes, development key, no time-stamp)."""


def resolve_settings(request: ReportRequest, config: dict[str, Any]) -> ResolvedSettings:
    """The settings of the report ``request`` asks for, given compliance-tool.yaml."""
    section = config.get("report") or {}
    signing = signing_config_from_env(
        request.root,
        {"meaning": request.meaning or None, "allow_without_tsa": request.allow_without_tsa},
        config,
    )
    return ResolvedSettings(
        organisation=str(config.get("organisation", DEFAULT_ORGANISATION)),
        title=str(section.get("title", DEFAULT_TITLE)),
        output_dir=request.root / str(section.get("output_dir", DEFAULT_OUTPUT_DIR)),
        detail_limit=int(section.get("detail_limit", DEFAULT_DETAIL_LIMIT)),
        signing=signing,
        sign=not request.unsigned,
        config=config,
    )


def build_report(request: ReportRequest) -> BuiltReport:
    """Evaluate, render, sign and write the report and its manifest; ReportError (or the
    error of the subsystem that failed) when it cannot, with no file left behind."""
    root, as_of = request.root, request.as_of
    settings = resolve_settings(request, load_config(root))
    ref = request.ref if request.ref is not None else default_ref(root)
    inventory = open_inventory(Where(root, ref))
    commit = inventory.source.commit
    if settings.sign:  # a planted key folder is refused before any file is created
        check_development_folder(settings.signing, root)
    pdf_target, manifest_target = _targets(request, settings, commit)  # before reading files
    scope = governance_scope(
        f for record in inventory for f in linked_files(record.kind, record.data)
    )
    notices = [f"warning: {note}" for note in inventory.source.notes]  # a skipped submodule
    if request.ref is None and ref is not None:
        notices += _uncommitted_notice(root, scope)
    loaded = load_signer(settings.signing, root) if settings.sign else None
    if loaded is not None and loaded.notice:
        notices.append(loaded.notice)
    evaluation = evaluate(inventory, as_of)
    coverage = compute_coverage(inventory, evaluation.check, scenario_outcomes(root, ref, as_of))
    findings = findings_bytes(evaluation.check)
    manifest = report_manifest(root, inventory, settings.organisation, as_of, findings)
    history = None
    if commit is not None:
        history = report_history(
            root, commit, as_of, settings.config, settings.output_dir, scope=scope
        )
    context = build_context(
        inventory,
        evaluation.check,
        coverage,
        ReportSettings(
            organisation=settings.organisation,
            title=settings.title,
            signer=loaded.name if loaded is not None else NOT_SIGNED,
            development_key=loaded is not None and loaded.development,
            meaning=settings.signing.meaning,
            detail_limit=settings.detail_limit,
        ),
        manifest,
        history,
    )
    pdf = _render(context, findings, manifest, commit, as_of)
    if loaded is not None:
        pdf = sign_pdf(pdf, loaded, settings.signing, dt.datetime.now(dt.UTC), notices=notices)
    write_outputs({pdf_target: pdf, manifest_target: manifest_bytes(manifest)}, ReportError)
    return BuiltReport(
        pdf=pdf_target,
        manifest=manifest_target,
        size=len(pdf),
        signer=loaded.name if loaded is not None else None,
        development_key=loaded is not None and loaded.development,
        commit=commit,
        as_of=as_of,
        unwaived=len(evaluation.check.failing()),
        governance_commits=len(history["revisions"]) if history is not None else None,
        notices=tuple(notices),
    )


def report_manifest(
    root: Path, inventory: Inventory, organisation: str, as_of: dt.date, findings: bytes
) -> dict[str, Any]:
    """The provenance manifest, attached to the PDF and written beside it: the tool, the
    commit and its tree, the date, the digest of every input file, the snapshots of the
    running systems it read and the digest of the findings."""
    commit = inventory.source.commit
    return {
        "version": 1,
        "tool": {"name": "compliance-tool", "version": __version__},
        "organisation": organisation,
        "commit": commit,
        "tree": str(open_repo(root).git.rev_parse(f"{commit}^{{tree}}")) if commit else None,
        "as_of": as_of.isoformat(),
        **input_digests(inventory.source),
        "observations": observation_list(inventory.source),
        "findings_sha256": sha256_hex(findings),
    }


def _uncommitted_notice(root: Path, scope: GovernanceScope) -> list[str]:
    """A note that the report reads HEAD, when governance files have uncommitted changes."""
    repo = open_repo(root)
    prefix = repo_prefix(repo, root)
    output = repo.git.status("--porcelain", "-z", "--no-renames", "--", *scope.pathspecs(prefix))
    changed = [entry[3:].removeprefix(prefix) for entry in output.split("\0") if entry]
    if not changed:
        return []
    shown = ", ".join(changed[:3]) + (f" and {len(changed) - 3} more" if len(changed) > 3 else "")
    return [
        "note: the report reads the last commit (HEAD); uncommitted changes to governance "
        f"files are not included ({shown})"
    ]


def _targets(
    request: ReportRequest, settings: ResolvedSettings, commit: str | None
) -> tuple[Path, Path]:
    """The PDF and the manifest beside it, checked before any file is read or rendered:
    their folder exists (or is created) and may be written, and neither is a folder."""
    name = f"compliance-report-{request.as_of}-{(commit or 'worktree')[:12]}.pdf"
    pdf = request.output or settings.output_dir / name
    manifest = pdf.with_name(pdf.stem + ".manifest.json")
    fix = (
        "give another --output"
        if request.output is not None
        else f"set report.output_dir in {CONFIG_FILE} or give --output"
    )
    for target in (pdf, manifest):
        if target.is_dir():
            raise ReportError(f"the report path {target} is a folder", hint=f"remove it, or {fix}")
    folder = pdf.parent
    blocking = next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)
    if blocking is not None:
        raise ReportError(
            f"cannot create the report folder {folder}: {blocking} is a file",
            hint=f"move the file away, or {fix}",
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ReportError(
            f"cannot create the report folder {folder}: {exc.strerror}",
            hint=f"check the permissions of its parent, or {fix}",
        ) from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise ReportError(
            f"cannot write into the report folder {folder}: permission denied",
            hint=f"check the folder's permissions, or {fix}",
        )
    return pdf, manifest


def _render(
    context: ReportContext,
    findings: bytes,
    manifest: dict[str, Any],
    commit: str | None,
    as_of: dt.date,
) -> bytes:
    """The unsigned PDF/A-3b, every clock-derived value pinned to midnight UTC of
    ``as_of``; ReportError when WeasyPrint or its system libraries cannot render it."""
    moment = dt.datetime(as_of.year, as_of.month, as_of.day, tzinfo=dt.UTC)
    return render_pdf(
        render_html(context),
        {"findings.json": findings, "manifest.json": manifest_bytes(manifest)},
        moment,
        f"{commit}:{as_of}",
    )
