"""Commands for risk officers and auditors: the signed PDF report and its verification."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from compliance_tool import __version__
from compliance_tool.cli.app import (
    as_of_date,
    as_of_option,
    cli,
    format_option,
    say,
    scenario_outcomes,
)
from compliance_tool.errors import (
    EXIT_FINDINGS,
    EXIT_OK,
    ComplianceToolError,
)
from compliance_tool.reporters import VERIFY_REPORTERS
from compliance_tool.repository.session import (
    Where,
    locate,
    open_inventory,
)
from compliance_tool.repository.writing import write_output


@cli.command()
@click.option(
    "--ref",
    default=None,
    metavar="REF",
    help="Commit to report on (default: HEAD in a git repository, else the working tree).",
)
@as_of_option
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="PDF to write (default: reports/compliance-report-DATE-COMMIT.pdf).",
)
@click.option("--unsigned", is_flag=True, help="Write the PDF without signing it.")
@click.option("--meaning", default=None, help="What the signature means (overrides configuration).")
@click.option(
    "--allow-without-tsa",
    is_flag=True,
    help="Sign without a trusted time-stamp when the time-stamp authority cannot be reached.",
)
@click.pass_context
def report(
    ctx: click.Context,
    ref: str | None,
    as_of: Any,
    output: Path | None,
    unsigned: bool,
    meaning: str | None,
    allow_without_tsa: bool,
) -> None:
    """Render the signed PDF compliance report and its manifest.

    The PDF (PDF/A-3b) embeds the findings and the provenance manifest; the manifest is
    also written beside it. Exit 0 when the report was written, whatever it finds.
    """
    import datetime as dt

    from compliance_tool.audit.verify import input_digests
    from compliance_tool.checks.coverage import compute_coverage
    from compliance_tool.checks.pipeline import evaluate
    from compliance_tool.report.document import ReportSettings, build_context
    from compliance_tool.report.manifest import findings_bytes, manifest_bytes, sha256_hex
    from compliance_tool.report.render import render_html, render_pdf
    from compliance_tool.repository.config import load_config

    root = locate(ctx.obj["repo"])
    config = load_config(root)
    if ref is None:
        ref = _default_ref(root)
    inventory = open_inventory(Where(root, ref))
    moment_date = as_of_date(as_of)
    evaluation = evaluate(inventory, moment_date)
    coverage_result = compute_coverage(
        inventory, evaluation.check, scenario_outcomes(ctx, ref, as_of)
    )
    report_config = config.get("report") or {}
    signing_section = config.get("signing") or {}
    signer_name, development, loaded, signing_config = "not signed", False, None, None
    if not unsigned:
        from compliance_tool.report.signing_config import signing_config_from_env
        from compliance_tool.report.signing_keys import load_signer

        overrides: dict[str, Any] = {"allow_without_tsa": allow_without_tsa}
        if meaning:
            overrides["meaning"] = meaning
        signing_config = signing_config_from_env(root, overrides)
        loaded = load_signer(signing_config, root)
        if loaded.notice:
            say(loaded.notice, fg="yellow")
        signer_name, development = loaded.name, loaded.development
    settings = ReportSettings(
        organisation=str(config.get("organisation", "Organisation")),
        title=str(report_config.get("title", "AI portfolio compliance report")),
        signer=signer_name,
        development_key=development,
        meaning=meaning
        or str(signing_section.get("meaning", "Compliance report of the AI portfolio")),
        detail_limit=int(report_config.get("detail_limit", 25)),
    )
    findings = findings_bytes(evaluation.check)
    commit = inventory.source.commit
    manifest: dict[str, Any] = {
        "version": 1,
        "tool": {"name": "compliance-tool", "version": __version__},
        "organisation": settings.organisation,
        "commit": commit,
        "tree": _tree_of(root, commit),
        "as_of": moment_date.isoformat(),
        **input_digests(inventory.source),
        "findings_sha256": sha256_hex(findings),
    }
    folder = root / str(report_config.get("output_dir", "reports"))
    context = build_context(
        inventory,
        evaluation.check,
        coverage_result,
        settings,
        manifest,
        _report_history(root, commit, moment_date, config, folder),
    )
    moment = dt.datetime(moment_date.year, moment_date.month, moment_date.day, tzinfo=dt.UTC)
    pdf = render_pdf(
        render_html(context),
        {"findings.json": findings, "manifest.json": manifest_bytes(manifest)},
        moment,
        f"{commit}:{moment_date}",
    )
    if loaded is not None and signing_config is not None:
        from compliance_tool.report.signing_pdf import sign_pdf

        notices: list[str] = []
        pdf = sign_pdf(pdf, loaded, signing_config, dt.datetime.now(dt.UTC), notices=notices)
        for notice in notices:
            say(notice, fg="yellow")
    target = output or folder / f"compliance-report-{moment_date}-{(commit or 'worktree')[:12]}.pdf"
    manifest_target = target.with_name(target.stem + ".manifest.json")
    write_output(target, pdf)
    try:
        write_output(manifest_target, manifest_bytes(manifest))
    except ComplianceToolError:
        target.unlink(missing_ok=True)  # a report without its manifest is not delivered
        raise
    failing = evaluation.check.failing()
    say(
        f"wrote {target} ({len(pdf) // 1024} KiB, {'unsigned' if unsigned else 'signed by ' + signer_name}) "
        f"and {manifest_target.name}: {len(failing)} unwaived findings as of {moment_date}"
    )


def _default_ref(root: Path) -> str | None:
    """HEAD when the repository is in git and has commits; the working tree otherwise."""
    import git

    try:
        repo = git.Repo(root, search_parent_directories=True)
        repo.head.commit  # noqa: B018 - raises when there is no commit yet
    except (git.InvalidGitRepositoryError, git.NoSuchPathError, ValueError):
        return None
    dirty = repo.git.status("--porcelain", "--", "inventory", "policies")
    if dirty.strip():
        say(
            "note: the report reads the last commit (HEAD); uncommitted changes under inventory/ "
            "or policies/ are not included",
            fg="yellow",
        )
    return "HEAD"


def _tree_of(root: Path, commit: str | None) -> str | None:
    if commit is None:
        return None
    from compliance_tool.repository.sources import open_repo

    return str(open_repo(root).git.rev_parse(f"{commit}^{{tree}}"))


def _report_history(
    root: Path, commit: str | None, as_of: Any, config: dict[str, Any], reports: Path
) -> Any:
    """Revisions since the previous report, their signatures and the recent trend."""
    if commit is None:
        return None
    from compliance_tool.audit.history import report_history

    return report_history(root, commit, as_of, config, reports)


@cli.command()
@click.argument("pdf", metavar="REPORT.pdf", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--trust",
    "trust_roots",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    metavar="CA.pem",
    help="Trusted root certificate (PEM or DER), repeatable. Without it, trust is not checked.",
)
@click.option(
    "--repo",
    "repo_path",
    type=click.Path(exists=True, file_okay=False, path_type=Path),
    default=None,
    help="Governance repository: check that the manifest's commit holds exactly its inputs.",
)
@format_option(VERIFY_REPORTERS)
@click.pass_context
def verify(
    ctx: click.Context,
    pdf: Path,
    trust_roots: tuple[Path, ...],
    repo_path: Path | None,
    output_format: str,
) -> None:
    """Verify a signed report: signature, coverage, later changes, signer, trust, manifest.

    With --repo, also check that the commit the manifest names holds exactly the input
    files it lists. Exit 0 when every check holds, 1 when one fails, 2 when the file is
    not a readable PDF.
    """
    import logging

    from compliance_tool.audit.verify import verify_report

    if not ctx.obj.get("debug"):  # pyHanko logs every failed path search with a traceback
        for name in ("pyhanko", "pyhanko_certvalidator"):
            logging.getLogger(name).addHandler(logging.NullHandler())
            logging.getLogger(name).propagate = False
    if repo_path is None and ctx.obj.get("repo") is not None:  # compliance-tool --repo X verify
        repo_path = ctx.obj["repo"]
    result = verify_report(pdf, list(trust_roots), repo_path)
    click.echo(VERIFY_REPORTERS[output_format](result), nl=False)
    failed = [c.name for c in result.checks if c.ok is False]
    if failed:
        say(f"{pdf}: {len(failed)} check(s) failed: {', '.join(failed)}", fg="red")
        ctx.exit(EXIT_FINDINGS)
    trusted = result.check("trusted")
    if trusted is not None and trusted.ok is None:
        say(
            f"{pdf}: signature intact, but trust was not checked: pass --trust CA.pem",
            fg="yellow",
        )
    else:
        say(f"{pdf}: every check holds", fg="green")
    ctx.exit(EXIT_OK)
