"""Commands for risk officers and auditors: the signed PDF report and its verification."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from compliance_tool.cli.app import (
    as_of_date,
    as_of_option,
    cli,
    format_option,
    say,
)
from compliance_tool.errors import EXIT_FINDINGS, EXIT_OK
from compliance_tool.reporters import VERIFY_REPORTERS
from compliance_tool.repository.session import locate


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
@click.option(
    "--meaning",
    default=None,
    help="What the signature means (wins over COMPLIANCE_TOOL_SIGNING_MEANING and signing.meaning).",
)
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

    \b
    Example:
      compliance-tool report --as-of 2026-12-01 --output reports/2026-12.pdf
    """
    from compliance_tool.report.build import ReportRequest, build_report

    built = build_report(
        ReportRequest(
            root=locate(ctx.obj["repo"]),
            as_of=as_of_date(as_of),
            ref=ref,
            output=output,
            unsigned=unsigned,
            meaning=meaning,
            allow_without_tsa=allow_without_tsa,
        )
    )
    for notice in built.notices:
        say(notice, fg="yellow")
    signature = "unsigned" if built.signer is None else f"signed by {built.signer}"
    say(
        f"wrote {built.pdf} ({built.size // 1024} KiB, {signature}) and {built.manifest.name}: "
        f"{built.unwaived} unwaived findings as of {built.as_of}"
    )


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

    A file signed more than once also has each earlier signature checked, and each must
    sign the same manifest. With --repo, also check that the commit the manifest names
    holds exactly the input files and the snapshots of running systems it lists. Exit 0 when every check holds, 1 when one
    fails, 2 when the file is not a readable PDF (or not a regular file of at most 64 MiB).

    \b
    Example:
      compliance-tool verify reports/2026-12.pdf --repo . --format json
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
