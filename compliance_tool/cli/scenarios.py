"""The governance scenarios written in Gherkin."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from compliance_tool.cli.app import (
    as_of_date,
    as_of_option,
    cli,
    ref_option,
    say,
)
from compliance_tool.errors import (
    EXIT_FINDINGS,
    EXIT_OK,
)
from compliance_tool.reporters import SCENARIO_REPORTERS
from compliance_tool.repository.session import (
    locate,
)
from compliance_tool.repository.writing import write_output


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

    \b
    Example:
      compliance-tool scenarios features/waivers-and-exceptions.feature --junit scenarios.xml
    """
    if features == ("steps",):
        from compliance_tool.scenarios.steps import catalogue_text

        click.echo(catalogue_text(), nl=False)
        ctx.exit(EXIT_OK)
    from compliance_tool.scenarios.runner import run_features

    root = locate(ctx.obj["repo"])
    run = run_features(
        root, ref, as_of_date(as_of), features, cucumber_json=cucumber_json is not None
    )
    click.echo(SCENARIO_REPORTERS["text"](run), nl=False)
    for warning in run.warnings:
        say(f"warning: {warning}", fg="yellow")
    if cucumber_json is not None:
        write_output(cucumber_json, run.cucumber_json or b"[]")
        say(f"wrote Cucumber JSON to {cucumber_json}")
    if junit is not None:
        write_output(junit, SCENARIO_REPORTERS["junit"](run).encode("utf-8"))
        say(f"wrote JUnit XML to {junit}")
    failed, total = len(run.failed), len(run.results)
    say(
        f"{total} scenario{'' if total == 1 else 's'}: {total - failed} passed, {failed} failed "
        f"({run.source_label}, as of {run.as_of})",
        fg="red" if failed else "green",
    )
    ctx.exit(EXIT_FINDINGS if failed else EXIT_OK)
