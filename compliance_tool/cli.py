"""The command line. Only this module knows Click: it parses, builds, runs and prints.

Exit codes: 0 passed, 1 findings at or above the threshold, 2 usage or input error,
3 internal error, 130 interrupted.
"""

from __future__ import annotations

import gc
import os
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import click

from compliance_tool import __version__
from compliance_tool.errors import (
    EXIT_FINDINGS,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_OK,
    ComplianceToolError,
    InventoryError,
)
from compliance_tool.scaffold import SCAFFOLD_KINDS as SCAFFOLD_KINDS_CLI
from compliance_tool.session import (
    Where,
    changed_paths,
    default_jobs,
    locate,
    open_inventory,
    rule_cache,
)
from compliance_tool.writing import write_output

F = TypeVar("F", bound=Callable[..., Any])


def _color() -> bool | None:
    return False if os.environ.get("NO_COLOR") else None


def say(message: str, *, fg: str | None = None) -> None:
    """Human chatter goes to stderr, so stdout stays clean for machine formats."""
    click.echo(click.style(message, fg=fg) if fg else message, err=True, color=_color())


class ToolGroup(click.Group):
    """Maps the tool's errors to exit codes with a one-line message, never a traceback."""

    def invoke(self, ctx: click.Context) -> Any:
        debug = bool(ctx.params.get("debug"))
        try:
            return super().invoke(ctx)
        except ComplianceToolError as error:
            if debug:
                traceback.print_exc()
            say(f"error: {error.diagnostics()}", fg="red")
            ctx.exit(error.exit_code)
        except KeyboardInterrupt:
            say("interrupted")
            ctx.exit(EXIT_INTERRUPTED)
        except BrokenPipeError:  # the reader went away (| head): stop quietly
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
            ctx.exit(EXIT_OK)
        except (click.exceptions.Exit, click.ClickException, click.Abort):
            raise
        except Exception as error:  # the last line of defence: say what and how to report
            if debug:
                raise
            say(
                f"internal error: {type(error).__name__}: {error}\n"
                "This is a bug in compliance-tool. Re-run with --debug and report the output.",
                fg="red",
            )
            ctx.exit(EXIT_INTERNAL)


@click.group(
    cls=ToolGroup,
    context_settings={
        "auto_envvar_prefix": "COMPLIANCE_TOOL",
        "help_option_names": ["-h", "--help"],
    },
)
@click.option(
    "--repo",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Governance repository root (default: the one holding the current folder).",
)
@click.option("--debug", is_flag=True, help="Show tracebacks of errors.")
@click.version_option(__version__, prog_name="compliance-tool")
@click.pass_context
def cli(ctx: click.Context, repo: Path | None, debug: bool) -> None:
    """Governance as code for ML operations: validate, check, report, audit."""
    ctx.obj = {"repo": repo, "debug": debug}


def _where(ctx: click.Context, ref: str | None, use_cache: bool = True) -> Where:
    return Where(locate(ctx.obj["repo"]), ref, use_cache)


DATE = click.DateTime(formats=["%Y-%m-%d"])


def format_option(*choices: str, default: str = "text") -> Callable[[F], F]:
    """``--format`` with the given choices (stored as ``output_format``)."""
    return click.option(
        "--format",
        "output_format",
        type=click.Choice(list(choices)),
        default=default,
        show_default=True,
    )


def date_option(name: str, help_text: str, required: bool = False) -> Callable[[F], F]:
    """A ``YYYY-MM-DD`` option."""
    return click.option(
        name, type=DATE, default=None, required=required, help=help_text, metavar="YYYY-MM-DD"
    )


def ref_option(func: F) -> F:
    return click.option(
        "--ref", default=None, metavar="REF", help="Read the repository at this git commit."
    )(func)


def _repo_relative(root: Path, given: tuple[str, ...], ref: str | None) -> list[str]:
    """Turn PATH arguments into repository-relative paths of governance files."""
    result: list[str] = []
    for item in given:
        if ref is not None:
            result.append(item.strip("/"))
            continue
        path = Path(item).resolve()
        if not path.exists():
            raise InventoryError(f"{item}: no such file or folder", hint="check the path")
        try:
            relative = path.relative_to(root.resolve()).as_posix()
        except ValueError:
            raise InventoryError(
                f"{item} is outside the governance repository {root}",
                hint="pass files inside the repository, or --repo",
            ) from None
        result.append("" if relative == "." else relative)
    return result


FEW_FILES = 200
"""Below this many target files, validation skips the on-disk parse cache."""


def _select(paths: list[str], wanted: list[str]) -> list[str]:
    return [
        p
        for p in paths
        if any(not w or p == w or p.startswith(w.rstrip("/") + "/") for w in wanted)
    ]


@cli.command()
@click.argument("paths", nargs=-1, type=str)
@ref_option
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["auto", "text", "json", "github"]),
    default="auto",
    show_default=True,
    help="auto = text, plus GitHub annotations when GITHUB_ACTIONS is set.",
)
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Write the report to this file instead of stdout.",
)
@click.option(
    "--changed-since",
    metavar="REF",
    default=None,
    help="Validate only files changed since REF and the files they can break.",
)
@click.option("--no-cache", is_flag=True, help="Ignore the parse cache.")
@click.pass_context
def validate(
    ctx: click.Context,
    paths: tuple[str, ...],
    ref: str | None,
    output_format: str,
    output: Path | None,
    changed_since: str | None,
    no_cache: bool,
) -> None:
    """Check governance files: YAML, schema, ids, references, lineage, linked files.

    Prints one line per problem: file:line:col: kind.field: message (hint).
    Exit 0 when valid, 1 when problems were found, 2 on a usage or read error.
    """
    from compliance_tool.reporters import VALIDATION_REPORTERS
    from compliance_tool.validate import validate as run_validation

    where = _where(ctx, ref, not no_cache)
    changed = changed_paths(where, changed_since) if changed_since is not None else None
    if changed is not None and len(changed) < FEW_FILES:
        # a handful of files: parsing them beats loading the whole cache
        where = Where(where.root, where.ref, use_cache=False)
    inventory = open_inventory(where)
    targets: list[str] | None = None
    if paths:
        targets = _select(inventory.yaml_paths(), _repo_relative(where.root, paths, ref))
    if changed is not None:
        targets = sorted(changed & set(targets if targets is not None else inventory.yaml_paths()))
    result = run_validation(inventory, targets)
    formats = [output_format]
    if output_format == "auto":
        formats = ["text", "github"] if os.environ.get("GITHUB_ACTIONS") == "true" else ["text"]
    text = "".join(VALIDATION_REPORTERS[name](result) for name in formats)
    if output is not None:
        write_output(output, text.encode("utf-8"))
    else:
        click.echo(text, nl=False)
    files = {p.path for p in result.problems}
    if result.passed:
        say(f"ok: {result.files_checked} files valid ({result.source_label})", fg="green")
        ctx.exit(EXIT_OK)
    say(
        f"{len(result.problems)} problem(s) in {len(files)} of {result.files_checked} files "
        f"({result.source_label})",
        fg="red",
    )
    ctx.exit(EXIT_FINDINGS)


def main() -> None:
    """Console-script entry point."""
    # A run builds hundreds of thousands of long-lived objects and few cycles: collecting
    # rarely saves a quarter of a warm run, and nothing leaks in a short-lived process.
    gc.set_threshold(200_000, 50, 100)
    try:
        cli.main(prog_name="compliance-tool")
    except KeyboardInterrupt:  # pragma: no cover - raised outside a command
        sys.exit(EXIT_INTERRUPTED)


# -- rules, check, coverage ---------------------------------------------------------------

SEVERITY_CHOICES = ["info", "low", "medium", "high", "critical", "never"]


def as_of_option(func: F) -> F:
    return click.option(
        "--as-of",
        "as_of",
        type=DATE,
        default=None,
        metavar="YYYY-MM-DD",
        help="Evaluation date for every time-based check (default: today, UTC).",
    )(func)


def _as_of(value: Any) -> Any:
    from compliance_tool.pipeline import today

    return value.date() if value is not None else today()


def _parse_formats(specs: tuple[str, ...], choices: list[str]) -> list[tuple[str, Path | None]]:
    parsed: list[tuple[str, Path | None]] = []
    for spec in specs or ("text",):
        name, _, target = spec.partition("=")
        if name not in choices:
            raise click.BadParameter(
                f"unknown format '{name}' (choose from {', '.join(choices)})", param_hint="--format"
            )
        parsed.append((name, Path(target) if target else None))
    to_stdout = [name for name, target in parsed if target is None]
    if len(to_stdout) > 1:
        raise click.BadParameter(
            f"only one format can go to stdout, got {', '.join(to_stdout)}: add =PATH to the others",
            param_hint="--format",
        )
    return parsed


STDERR = "-stderr-"
"""A format target meaning the error stream (GitHub annotations beside text on stdout)."""


def _emit(outputs: list[tuple[str, Path | None]], render: Callable[[str], str]) -> None:
    """Render every requested format; files are written atomically, one may go to stdout."""
    for name, target in outputs:
        text = render(name)
        if target is None:
            click.echo(text, nl=False)
        elif str(target) == STDERR:
            click.echo(text, nl=False, err=True)
        else:
            write_output(target, text.encode("utf-8"))
            say(f"wrote {name} to {target}")


@cli.command()
@ref_option
@as_of_option
@click.option(
    "--format",
    "formats",
    multiple=True,
    metavar="NAME[=PATH]",
    help="Output format, repeatable: text, json, sarif, junit, github, markdown. "
    "Without =PATH it goes to stdout. Default: text (plus github under GitHub Actions).",
)
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITY_CHOICES),
    default="info",
    show_default=True,
    help="Exit 1 when an unwaived failure at or above this severity exists.",
)
@click.option("--timings", is_flag=True, help="Print the time spent in each rule to stderr.")
@click.option("--no-cache", is_flag=True, help="Ignore the parse and rule-result caches.")
@click.option(
    "--jobs",
    type=click.IntRange(1, 64),
    default=None,
    help="Worker processes for large inventories (default: the cores, at most 4).",
)
@click.pass_context
def check(
    ctx: click.Context,
    ref: str | None,
    as_of: Any,
    formats: tuple[str, ...],
    fail_on: str,
    timings: bool,
    no_cache: bool,
    jobs: int | None,
) -> None:
    """Evaluate every rule on the inventory and report failures and waivers.

    Exit 0 when nothing at or above --fail-on fails, 1 otherwise, 2 on bad input.
    Waived failures never fail the run.
    """
    from compliance_tool.kinds import Severity
    from compliance_tool.pipeline import evaluate
    from compliance_tool.reporters import CHECK_REPORTERS

    choices = list(CHECK_REPORTERS)
    if not formats and os.environ.get("GITHUB_ACTIONS") == "true" and "github" in choices:
        formats = ("text", f"github={STDERR}")
    outputs = _parse_formats(formats, choices)
    where = _where(ctx, ref, not no_cache)
    inventory = open_inventory(where)
    evaluation = evaluate(inventory, _as_of(as_of), rule_cache(where), jobs or default_jobs())
    result = evaluation.check
    _emit(outputs, lambda name: CHECK_REPORTERS[name](result))
    if timings and not result.timings:
        say(
            "timings: none, the result was remembered from an identical earlier run "
            "(--no-cache evaluates afresh)"
        )
    if timings:
        for rule_id, seconds in sorted(result.timings.items(), key=lambda kv: -kv[1]):
            say(f"{seconds * 1000:9.2f} ms  {rule_id}")
    failing = result.failing()
    waived = [r for r in result.findings if r.status.value == "waived"]
    passed = len(result.results) - len(failing) - len(waived)
    say(
        f"{len(failing)} failing, {len(waived)} waived, {passed} passing results of "
        f"{len(result.rules)} rules ({result.source_label}, as of {result.as_of})",
        fg="red" if failing else "green",
    )
    threshold = None if fail_on == "never" else Severity.parse(fail_on)
    ctx.exit(EXIT_FINDINGS if threshold is not None and result.failing(threshold) else EXIT_OK)


@cli.command()
@ref_option
@as_of_option
@format_option("text", "json")
@click.pass_context
def coverage(ctx: click.Context, ref: str | None, as_of: Any, output_format: str) -> None:
    """Show every framework clause, the controls mapped to it and their status."""
    from compliance_tool.coverage import compute_coverage
    from compliance_tool.pipeline import evaluate
    from compliance_tool.reporters import coverage_format

    inventory = open_inventory(_where(ctx, ref))
    evaluation = evaluate(inventory, _as_of(as_of))
    result = compute_coverage(inventory, evaluation.check, _scenario_outcomes(ctx, ref, as_of))
    render = coverage_format.render_json if output_format == "json" else coverage_format.render_text
    click.echo(render(result, evaluation.check), nl=False)


def _scenario_outcomes(ctx: click.Context, ref: str | None, as_of: Any) -> list[Any]:
    """Scenario results as control evidence, when the repository has features."""
    from compliance_tool.scenarios import NoFeaturesError, run_scenarios

    root = locate(ctx.obj["repo"])
    if not (root / "features").is_dir():
        return []
    try:
        return run_scenarios(root, ref, _as_of(as_of))
    except NoFeaturesError:  # the folder exists but holds no scenario (at that commit)
        return []


@cli.group()
def rules() -> None:
    """The rule catalogue: list, explain, test, and the custom Cerberus rules."""


@rules.command("list")
@click.pass_context
def rules_list(ctx: click.Context) -> None:
    """Every rule with its severity, kind and controls."""
    from compliance_tool.kinds import Kind

    inventory = open_inventory(_where(ctx, None))
    records = inventory.records(Kind.RULE)
    width = max((len(r.id) for r in records), default=10)
    for record in records:
        data = record.data
        click.echo(
            f"{record.id:<{width}}  {data.get('severity', ''):<8}  {data.get('applies_to', ''):<8}  "
            f"{','.join(data.get('controls') or []):<8}  {data.get('title', '')}"
        )


@rules.command("explain")
@click.argument("rule_id")
@click.pass_context
def rules_explain(ctx: click.Context, rule_id: str) -> None:
    """One rule in full: why, what it selects and requires, how to fix, examples."""
    from compliance_tool.explain import explain_rule

    inventory = open_inventory(_where(ctx, None))
    click.echo(explain_rule(inventory, rule_id), nl=False)


@rules.command("custom")
def rules_custom() -> None:
    """The custom Cerberus rules that any rule file may use, with examples."""
    from compliance_tool.custom_rules import CUSTOM_RULES, describe

    for name in sorted(CUSTOM_RULES):
        click.echo(f"{name}\n")
        for line in describe(name).splitlines():
            click.echo(f"    {line}".rstrip())
        click.echo("")


@rules.command("test")
@click.pass_context
def rules_test(ctx: click.Context) -> None:
    """Run every rule's pass and fail examples; rules without both kinds fail."""
    from compliance_tool.engine import Status
    from compliance_tool.examples import run_examples
    from compliance_tool.kinds import Kind

    inventory = open_inventory(_where(ctx, None))
    outcomes = run_examples(inventory)
    bad = [o for o in outcomes if not o.ok]
    for outcome in bad:
        got = outcome.actual.value if outcome.actual else "not selected by 'when'"
        click.echo(
            f"FAIL {outcome.rule}: {outcome.expected.value} example #{outcome.index + 1} gave {got}"
        )
    covered = {
        rule
        for rule in {o.rule for o in outcomes}
        if {o.expected for o in outcomes if o.rule == rule} == {Status.PASS, Status.FAIL}
    }
    missing = sorted(r.id for r in inventory.records(Kind.RULE) if r.id not in covered)
    for rule_id in missing:
        click.echo(f"FAIL {rule_id}: needs at least one pass and one fail example")
    total = len(inventory.records(Kind.RULE))
    say(
        f"{len(outcomes) - len(bad)}/{len(outcomes)} examples behave as stated; "
        f"{len(covered)}/{total} rules have pass and fail examples",
        fg="red" if bad or missing else "green",
    )
    ctx.exit(EXIT_FINDINGS if bad or missing else EXIT_OK)


@cli.command()
@click.argument("kind", type=click.Choice([k.value.lower() for k in SCAFFOLD_KINDS_CLI]))
@click.argument("record_id", metavar="ID")
@click.option(
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Where to write (default: the kind's folder, ID.yaml).",
)
@click.pass_context
def new(ctx: click.Context, kind: str, record_id: str, output: Path | None) -> None:
    """Scaffold a new governance file with every required field and a comment per field.

    Placeholders read TODO: 'compliance-tool validate' points at each until it is filled.
    """
    import re

    from compliance_tool.kinds import Kind
    from compliance_tool.pipeline import today
    from compliance_tool.scaffold import scaffold
    from compliance_tool.schemas import SchemaSet

    chosen = next(k for k in Kind if k.value.lower() == kind)
    if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9._-]{0,127}", record_id):
        raise click.BadParameter("use letters, digits, '.', '_' and '-'", param_hint="ID")
    root = locate(ctx.obj["repo"])
    target = output or root / chosen.folder / f"{record_id}.yaml"
    if target.exists():
        raise InventoryError(f"{target} already exists", hint="choose another id or edit the file")
    write_output(target, scaffold(chosen, record_id, SchemaSet(), today()).encode("utf-8"))
    say(f"wrote {target}: fill in every TODO, then run 'compliance-tool validate {target}'")


@cli.command()
@click.argument("record_id", metavar="ID")
@click.option(
    "--upstream",
    "direction",
    flag_value="upstream",
    default=True,
    help="What feeds ID, through lineage (default).",
)
@click.option(
    "--downstream",
    "direction",
    flag_value="downstream",
    help="What depends on dataset ID: derived datasets and models, production first.",
)
@format_option("text", "json", "dot", "mermaid")
@ref_option
@as_of_option
@click.pass_context
def lineage(
    ctx: click.Context,
    record_id: str,
    direction: str,
    output_format: str,
    ref: str | None,
    as_of: Any,
) -> None:
    """Lineage and impact of a model or dataset, with personal data marked."""
    from compliance_tool.facts import Facts
    from compliance_tool.lineage import LINEAGE_FORMATS, downstream, upstream

    inventory = open_inventory(_where(ctx, ref))
    facts = Facts(inventory, _as_of(as_of))
    graph = upstream(facts, record_id) if direction == "upstream" else downstream(facts, record_id)
    click.echo(LINEAGE_FORMATS[output_format](graph), nl=False)


# -- report ------------------------------------------------------------------------------


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

    from compliance_tool.config import load_config
    from compliance_tool.coverage import compute_coverage
    from compliance_tool.pipeline import evaluate
    from compliance_tool.report import (
        ReportSettings,
        build_context,
        findings_bytes,
        manifest_bytes,
        render_html,
        render_pdf,
        sha256_hex,
    )
    from compliance_tool.verify import input_digests

    root = locate(ctx.obj["repo"])
    config = load_config(root)
    if ref is None:
        ref = _default_ref(root)
    inventory = open_inventory(Where(root, ref))
    moment_date = _as_of(as_of)
    evaluation = evaluate(inventory, moment_date)
    coverage_result = compute_coverage(
        inventory, evaluation.check, _scenario_outcomes(ctx, ref, as_of)
    )
    report_config = config.get("report") or {}
    signing_section = config.get("signing") or {}
    signer_name, development, loaded, signing_config = "not signed", False, None, None
    if not unsigned:
        from compliance_tool.signing import load_signer, signing_config_from_env

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
        from compliance_tool.signing import sign_pdf

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
    from compliance_tool.sources import open_repo

    return str(open_repo(root).git.rev_parse(f"{commit}^{{tree}}"))


def _report_history(
    root: Path, commit: str | None, as_of: Any, config: dict[str, Any], reports: Path
) -> Any:
    """Revisions since the previous report, their signatures and the recent trend."""
    if commit is None:
        return None
    from compliance_tool.history import report_history

    return report_history(root, commit, as_of, config, reports)


# -- verify (signed reports) --------------------------------------------------------------


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
@format_option("text", "json")
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

    from compliance_tool.verify import verify_report

    if not ctx.obj.get("debug"):  # pyHanko logs every failed path search with a traceback
        for name in ("pyhanko", "pyhanko_certvalidator"):
            logging.getLogger(name).addHandler(logging.NullHandler())
            logging.getLogger(name).propagate = False
    if repo_path is None and ctx.obj.get("repo") is not None:  # compliance-tool --repo X verify
        repo_path = ctx.obj["repo"]
    result = verify_report(pdf, list(trust_roots), repo_path)
    click.echo(result.to_json() if output_format == "json" else result.to_text(), nl=False)
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


# -- audit trail --------------------------------------------------------------------------


@cli.command()
@click.argument("base", metavar="BASE")
@click.argument("head", metavar="[HEAD]", required=False)
@format_option("text", "markdown", "json")
@as_of_option
@click.option("--no-rules", is_flag=True, help="Compare records only, not rule results.")
@click.pass_context
def diff(
    ctx: click.Context, base: str, head: str | None, output_format: str, as_of: Any, no_rules: bool
) -> None:
    """Semantic diff of inventory, policies and rule results between BASE and HEAD.

    HEAD defaults to the working tree. Both sides are evaluated at the same date.
    """
    from compliance_tool.pipeline import evaluate
    from compliance_tool.reporters.diff_format import DIFF_FORMATS
    from compliance_tool.semantic_diff import SemanticDiff, diff_inventories, diff_results
    from compliance_tool.session import changed_between

    root = locate(ctx.obj["repo"])
    base_inventory = open_inventory(Where(root, base))
    head_inventory = open_inventory(Where(root, head))
    changed = changed_between(root, base, head)
    entities = diff_inventories(base_inventory, head_inventory, changed)
    results: list[Any] = []
    if not no_rules:
        date = _as_of(as_of)
        results = diff_results(
            evaluate(base_inventory, date).check, evaluate(head_inventory, date).check
        )
    head_label = head or "working tree"
    result = SemanticDiff(base, head_label, tuple(entities), tuple(results), not no_rules)
    click.echo(DIFF_FORMATS[output_format](result), nl=False)


@cli.command()
@click.argument("record", metavar="FOLDER/ID")
@date_option("--since", "Only commits on or after this date.")
@date_option("--until", "Only commits on or before this date.")
@format_option("text", "json")
@click.pass_context
def history(ctx: click.Context, record: str, since: Any, until: Any, output_format: str) -> None:
    """Every commit that changed a record (e.g. models/fraud-scoring), newest first, with
    author, date, signature status and the field-level change; follows moves."""
    import json

    from compliance_tool.config import load_config
    from compliance_tool.history import record_history
    from compliance_tool.reporters.diff_format import show

    root = locate(ctx.obj["repo"])
    kind, record_id, revisions = record_history(
        root,
        record,
        since.date() if since else None,
        until.date() if until else None,
        load_config(root),
    )
    if output_format == "json":
        click.echo(
            json.dumps(
                {
                    "version": 1,
                    "kind": kind.value,
                    "id": record_id,
                    "revisions": [
                        {
                            "commit": r.commit,
                            "author": r.author,
                            "email": r.email,
                            "date": r.date,
                            "signature": r.signature,
                            "signer": r.signer or None,
                            "summary": r.summary,
                            "change": r.change,
                            "path": r.path,
                            "old_path": r.old_path,
                            "fields": [
                                {"path": f.path, "old": f.old, "new": f.new} for f in r.fields
                            ],
                        }
                        for r in revisions
                    ],
                },
                indent=2,
                sort_keys=True,
                ensure_ascii=False,
            )
        )
        return
    if not revisions:
        say(f"no commit changed {kind.value.lower()} {record_id}")
        return
    click.echo(
        f"History of {kind.value.lower()} {record_id}, newest first ({len(revisions)} commits)"
    )
    for r in revisions:
        signed = f"signature {r.signature}" + (f" by {r.signer}" if r.signer else "")
        click.echo(f"\n{r.commit[:12]}  {r.date}  {r.author} <{r.email}>  {signed}")
        click.echo(f"    {r.summary}")
        if r.change == "moved":
            click.echo(f"    moved {r.old_path} -> {r.path}")
        elif r.change != "modified":
            click.echo(f"    {r.change} {r.path}")
        for f in r.fields:
            click.echo(f"    {f.path}: {show(f.old)} -> {show(f.new)}")


@cli.command()
@date_option("--since", "First period end.", required=True)
@date_option("--until", "Last period end (default: today).")
@click.option(
    "--every",
    default="P1M",
    show_default=True,
    help="Period as an ISO 8601 duration: P1M (calendar month), P7D, P14D...",
)
@format_option("text", "json")
@click.pass_context
def trend(ctx: click.Context, since: Any, until: Any, every: str, output_format: str) -> None:
    """Compliance at the last commit of each period: share of controls passing, findings by
    severity, production models."""
    import json

    from compliance_tool.pipeline import today
    from compliance_tool.trend import compute_trend

    root = locate(ctx.obj["repo"])
    try:
        points = compute_trend(root, since.date(), until.date() if until else today(), every)
    except ValueError as error:
        raise click.BadParameter(str(error), param_hint="--every") from None
    if output_format == "json":
        click.echo(
            json.dumps(
                {
                    "version": 1,
                    "every": every,
                    "points": [
                        {
                            "end": p.end.isoformat(),
                            "commit": p.commit,
                            "share_passing": round(p.share_passing, 4),
                            "failing": p.failing,
                            "waived": p.waived,
                            "production_models": p.production_models,
                            "invalid": p.invalid,
                        }
                        for p in points
                    ],
                },
                indent=2,
                sort_keys=True,
            )
        )
        return
    click.echo(
        f"{'period end':<11} {'commit':<12} {'controls':>8} {'crit':>5} {'high':>5} "
        f"{'med':>5} {'low':>5} {'info':>5} {'waived':>6} {'prod':>5}"
    )
    for p in points:
        if p.invalid:
            click.echo(
                f"{p.end.isoformat():<11} {p.commit[:12]:<12} not evaluated: "
                f"{p.invalid} validation problem(s) at this commit"
            )
            continue
        f = p.failing
        click.echo(
            f"{p.end.isoformat():<11} {p.commit[:12]:<12} {p.share_passing:>8.0%} "
            f"{f['critical']:>5} {f['high']:>5} {f['medium']:>5} {f['low']:>5} "
            f"{f['info']:>5} {p.waived:>6} {p.production_models:>5}"
        )


# -- scenarios ---------------------------------------------------------------------------
# Governance scenarios in Gherkin (features/*.feature), run with pytest-bdd.


@cli.command("scenarios")
@click.argument("features", nargs=-1, metavar="[FEATURE...]")
@ref_option
@as_of_option
@click.option(
    "--cucumber-json",
    "cucumber_json",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the results as Cucumber JSON to this file.",
)
@click.option(
    "--junit",
    type=click.Path(dir_okay=False, path_type=Path),
    default=None,
    help="Also write the results as JUnit XML to this file.",
)
@click.pass_context
def scenarios_command(
    ctx: click.Context,
    features: tuple[str, ...],
    ref: str | None,
    as_of: Any,
    cucumber_json: Path | None,
    junit: Path | None,
) -> None:
    """Run the governance scenarios (features/*.feature, or FEATURE files and folders).

    Prints each scenario with its tags and, for a failure, the step and every record that
    broke it. With --ref, the inventory and the feature files are read from that commit
    (FEATURE paths are then repository paths). 'compliance-tool scenarios steps' prints
    the catalogue of steps that scenarios can use. Exit 0 when every scenario passes, 1
    when one fails, 2 on bad input (no feature files, an unknown --ref, invalid Gherkin).
    """
    if features == ("steps",):
        from compliance_tool.steps import catalogue_text

        click.echo(catalogue_text(), nl=False)
        ctx.exit(EXIT_OK)
    from compliance_tool.scenarios import format_summary, junit_xml, run_features

    root = locate(ctx.obj["repo"])
    run = run_features(root, ref, _as_of(as_of), features, cucumber_json=cucumber_json is not None)
    click.echo(format_summary(run), nl=False)
    for warning in run.warnings:
        say(f"warning: {warning}", fg="yellow")
    if cucumber_json is not None:
        write_output(cucumber_json, run.cucumber_json or b"[]")
        say(f"wrote Cucumber JSON to {cucumber_json}")
    if junit is not None:
        write_output(junit, junit_xml(run).encode("utf-8"))
        say(f"wrote JUnit XML to {junit}")
    failed, total = len(run.failed), len(run.results)
    say(
        f"{total} scenario{'' if total == 1 else 's'}: {total - failed} passed, {failed} failed "
        f"({run.source_label}, as of {run.as_of})",
        fg="red" if failed else "green",
    )
    ctx.exit(EXIT_FINDINGS if failed else EXIT_OK)
