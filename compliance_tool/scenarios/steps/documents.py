"""Assertions that the files records link to (DPIAs, runbooks, reviews) exist in the
repository snapshot being read."""

from __future__ import annotations

from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Record
from compliance_tool.scenarios.steps.catalogue import ASSERTING
from compliance_tool.scenarios.steps.vocabulary import PATH
from compliance_tool.scenarios.steps.world import World, check_each, is_present


@ASSERTING.step("Then", "each has a DPIA on file", r"each has a DPIA on file")
def assert_dpia(scenario_world: World) -> None:
    """Each selected dataset (legal.dpia) or model (documentation.dpia) points to a data
    protection impact assessment that exists in the repository.
    Example: Then each has a DPIA on file
    """
    governance = scenario_world.governance

    def check(record: Record) -> tuple[str, str] | None:
        path = "legal.dpia" if record.kind is Kind.DATASET else "documentation.dpia"
        value = record.get(path)
        if not is_present(value):
            return path, f"{path} is missing"
        problem = governance.file_problem(str(value))
        return (path, f"{path} '{value}' {problem}") if problem else None

    check_each(scenario_world, check, (Kind.DATASET, Kind.MODEL))


@ASSERTING.step(
    "Then",
    "each has <path> pointing to a file in the repository",
    rf"each has {PATH} pointing to a file in the repository",
)
def assert_repo_file(scenario_world: World, path: str) -> None:
    """Each selected record names, at the field, a file that exists in the repository
    (a runbook, a post-incident review, a model card).
    Example: Then each has operations.runbook pointing to a file in the repository
    """
    governance = scenario_world.governance

    def check(record: Record) -> tuple[str, str] | None:
        value = record.get(path)
        if not is_present(value):
            return path, f"{path} is missing"
        problem = governance.file_problem(str(value))
        return (path, f"{path} '{value}' {problem}") if problem else None

    check_each(scenario_world, check)
