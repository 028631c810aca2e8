"""Commands that evaluate the rules: check, coverage and the rule catalogue."""

from __future__ import annotations

import os
from collections import Counter
from typing import TYPE_CHECKING, Any

import click

from compliance_tool.cli.app import (
    STDERR,
    as_of_date,
    as_of_option,
    cli,
    emit,
    format_option,
    formats_option,
    parse_formats,
    ref_option,
    repo_relative,
    say,
    say_notes,
    scenario_outcomes,
    where_of,
)
from compliance_tool.errors import (
    EXIT_FINDINGS,
    EXIT_OK,
)
from compliance_tool.reporters import CHECK_REPORTERS, COVERAGE_REPORTERS
from compliance_tool.repository.session import (
    Where,
    changed_paths,
    open_inventory,
)

if TYPE_CHECKING:
    from compliance_tool.checks.engine import CheckResult

SEVERITY_CHOICES = ["info", "low", "medium", "high", "critical", "never"]


@cli.command()
@click.argument("paths", nargs=-1, type=str, metavar="[PATH]...")
@ref_option
@as_of_option
@formats_option(CHECK_REPORTERS, "Default: text (plus github under GitHub Actions).")
@click.option(
    "--fail-on",
    type=click.Choice(SEVERITY_CHOICES),
    default="info",
    show_default=True,
    help="Exit 1 when an unwaived failure at or above this severity exists.",
)
@click.option(
    "--changed-since",
    metavar="REF",
    default=None,
    help="Report only on the records of files changed since REF (and on changed rules).",
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
    paths: tuple[str, ...],
    ref: str | None,
    as_of: Any,
    formats: tuple[str, ...],
    fail_on: str,
    changed_since: str | None,
    timings: bool,
    no_cache: bool,
    jobs: int | None,
) -> None:
    """Evaluate every rule on the inventory and report failures and waivers.

    With PATHs (files or folders) or --changed-since, every rule still runs on the whole
    inventory, but only the results about the records in those files (and every result
    of a rule whose file is among them) are reported and decide the exit code: what a
    pre-commit hook or a pull request needs. Exit 0 when nothing at or above --fail-on
    fails, 1 otherwise, 2 on bad input. Waived failures never fail the run, and neither
    do upcoming ones: failures of a rule whose applies_from date (written in the rule or
    its controls, or a date of a framework file) is after --as-of, which every format
    reports in a section of its own.

    \b
    Example:
      compliance-tool check --fail-on high inventory/models/fraud-scoring.yaml
    """
    from compliance_tool.checks.pipeline import default_jobs, evaluate, rule_cache
    from compliance_tool.checks.scope import restrict
    from compliance_tool.repository.kinds import Kind, Severity

    choices = list(CHECK_REPORTERS)
    if not formats and os.environ.get("GITHUB_ACTIONS") == "true" and "github" in choices:
        formats = ("text", f"github={STDERR}")
    outputs = parse_formats(formats, choices)
    where = where_of(ctx, ref, not no_cache)
    scope = _scope(where, paths, changed_since)
    inventory = open_inventory(where)
    evaluation = evaluate(inventory, as_of_date(as_of), rule_cache(where), jobs or default_jobs())
    result = evaluation.check if scope is None else restrict(evaluation.check, scope)
    emit(outputs, lambda name: CHECK_REPORTERS[name](result))
    say_notes(inventory)
    if timings and not result.timings:
        say(
            "timings: none, the result was remembered from an identical earlier run "
            "(--no-cache evaluates afresh)"
        )
    if timings:
        for rule_id, seconds in sorted(result.timings.items(), key=lambda kv: -kv[1]):
            say(f"{seconds * 1000:9.2f} ms  {rule_id}")
    say(summary_line(result, _scope_label(scope)), fg="red" if result.failing() else "green")
    if not inventory.ids[Kind.MODEL]:
        say("no models yet: add one with 'compliance-tool new model ID'")
    threshold = None if fail_on == "never" else Severity.parse(fail_on)
    ctx.exit(EXIT_FINDINGS if threshold is not None and result.failing(threshold) else EXIT_OK)


def _scope(where: Where, paths: tuple[str, ...], changed_since: str | None) -> list[str] | None:
    """The repository paths whose records ``check`` reports on; None: every record."""
    if not paths and changed_since is None:
        return None
    from compliance_tool.checks.scope import is_within

    scope = repo_relative(where.root, paths, where.ref) if paths else None
    if changed_since is not None:
        changed = sorted(changed_paths(where, changed_since))
        scope = changed if scope is None else [p for p in changed if is_within(p, scope)]
    return scope


def _scope_label(scope: list[str] | None) -> str:
    if scope is None:
        return ""
    if "" in scope:
        return " about every file"
    return f" about {len(scope)} path(s)"


def summary_line(result: CheckResult, about: str = "") -> str:
    """``N failing, M waived, K upcoming, P passing results of R rules (...)``; the
    upcoming count is left out when there are none. ``about`` follows the rules: what
    the results were narrowed to (:func:`_scope_label`)."""
    counts = Counter(r.status.value for r in result.results)
    upcoming = f"{counts['upcoming']} upcoming, " if counts["upcoming"] else ""
    return (
        f"{counts['fail']} failing, {counts['waived']} waived, {upcoming}{counts['pass']} "
        f"passing results of {len(result.rules)} rules{about} "
        f"({result.source_label}, as of {result.as_of})"
    )


@cli.command()
@ref_option
@as_of_option
@format_option(COVERAGE_REPORTERS)
@click.pass_context
def coverage(ctx: click.Context, ref: str | None, as_of: Any, output_format: str) -> None:
    """Show every framework clause, the controls mapped to it and their status.

    \b
    Example:
      compliance-tool coverage --as-of 2026-12-01 --format json
    """
    from compliance_tool.checks.coverage import CoverageResult, compute_coverage
    from compliance_tool.checks.pipeline import evaluate

    inventory = open_inventory(where_of(ctx, ref))
    evaluation = evaluate(inventory, as_of_date(as_of))
    result = compute_coverage(inventory, evaluation.check, scenario_outcomes(ctx, ref, as_of))
    report = CoverageResult(result, evaluation.check)
    click.echo(COVERAGE_REPORTERS[output_format](report), nl=False)
    say_notes(inventory)


@cli.group()
def rules() -> None:
    """The rule catalogue: list, explain, test, and the custom Cerberus rules.

    \b
    Example:
      compliance-tool rules explain MON-01-drift-thresholds
    """


@rules.command("list")
@click.pass_context
def rules_list(ctx: click.Context) -> None:
    """Every rule with its severity, kind, controls and title, and the date it is enforced
    from when it has one: "(from 2027-12-02, eu-ai-act-2024-1689#annex-iii-high-risk)".

    \b
    Example:
      compliance-tool rules list
    """
    from compliance_tool.checks.frameworks import frameworks, rule_date
    from compliance_tool.repository.kinds import Kind

    inventory = open_inventory(where_of(ctx, None))
    records = inventory.records(Kind.RULE)
    known = frameworks(inventory)
    width = max((len(r.id) for r in records), default=10)
    for record in records:
        data = record.data
        date = rule_date(inventory, record, known)
        when = ""
        if date.applies_from is not None:
            source = date.applies_from
            named = f", {source.reference}" if source.framework else ""
            adopted = " if adopted" if source.legal_status == "proposal" else ""
            when = f"  (from {source.date.isoformat()}{adopted}{named})"
        elif date.problem:
            when = f"  (applies_from in {date.origin}: {date.problem})"
        click.echo(
            f"{record.id:<{width}}  {data.get('severity', ''):<8}  {data.get('applies_to', ''):<8}  "
            f"{','.join(data.get('controls') or []):<8}  {data.get('title', '')}{when}"
        )


@rules.command("explain")
@click.argument("rule_id")
@click.pass_context
def rules_explain(ctx: click.Context, rule_id: str) -> None:
    """One rule in full: why, what it selects and requires, how to fix, examples.

    \b
    Example:
      compliance-tool rules explain MON-01-drift-thresholds
    """
    from compliance_tool.checks.explain import explain_rule

    inventory = open_inventory(where_of(ctx, None))
    click.echo(explain_rule(inventory, rule_id), nl=False)


@rules.command("custom")
def rules_custom() -> None:
    """The custom Cerberus rules that any rule file may use, with examples.

    \b
    Example:
      compliance-tool rules custom
    """
    from compliance_tool.checks.custom_rules import CUSTOM_RULES, describe

    for name in sorted(CUSTOM_RULES):
        click.echo(f"{name}\n")
        for line in describe(name).splitlines():
            click.echo(f"    {line}".rstrip())
        click.echo("")


@rules.command("test")
@click.pass_context
def rules_test(ctx: click.Context) -> None:
    """Run every rule's pass and fail examples; rules without both kinds fail.

    \b
    Example:
      compliance-tool rules test
    """
    from compliance_tool.checks.engine import Status
    from compliance_tool.checks.examples import run_examples
    from compliance_tool.repository.kinds import Kind

    inventory = open_inventory(where_of(ctx, None))
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
