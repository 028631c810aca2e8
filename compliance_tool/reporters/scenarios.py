"""A scenario run as the summary printed at a terminal and as JUnit XML."""

from __future__ import annotations

import io

from junitparser import Failure, JUnitXml, TestCase, TestSuite

from compliance_tool.reporters.junit import xml_text
from compliance_tool.scenarios.runner import ScenarioRun


def render_text(run: ScenarioRun) -> str:
    """Each scenario with ✓ or ✗ and its tags, grouped by feature; for a failure, the step
    and the records that broke it."""
    lines: list[str] = []
    current = None
    for result in run.results:
        if result.feature != current:
            if lines:
                lines.append("")
            title = f" — {result.feature_name}" if result.feature_name else ""
            lines.append(f"{result.feature}{title}")
            current = result.feature
        tags = "  " + " ".join(f"@{t}" for t in result.tags) if result.tags else ""
        lines.append(f"  {'✓' if result.passed else '✗'} {result.name}{tags}")
        if not result.passed:
            if result.step:
                lines.append(f"      {result.feature}:{result.step_line}: {result.step}")
            for text in result.message.splitlines():
                lines.append(f"      {text}")
    return "\n".join(lines) + "\n"


def render_junit(run: ScenarioRun) -> str:
    """JUnit XML: one test suite per feature file, one test case per scenario."""
    document = JUnitXml("compliance-tool scenarios")
    suites: dict[str, TestSuite] = {}
    for result in run.results:
        suite = suites.get(result.feature)
        if suite is None:
            suite = suites[result.feature] = TestSuite(xml_text(result.feature))
            suite.add_property("feature", xml_text(result.feature_name))
            suite.add_property("as_of", run.as_of.isoformat())
            suite.add_property("source", xml_text(run.source_label))
            document.add_testsuite(suite)
        case = TestCase(xml_text(result.name), xml_text(result.feature), result.duration)
        if not result.passed:
            first = result.message.splitlines()[0] if result.message else "failed"
            failure = Failure(xml_text(first), "scenario")
            where = f"{result.feature}:{result.step_line or result.line}"
            failure.text = xml_text(f"{where}: {result.step}\n{result.message}")
            case.result = [failure]
        suite.add_testcase(case)
    for suite in suites.values():
        suite.update_statistics()
    document.update_statistics()
    buffer = io.BytesIO()
    document.write(buffer, pretty=True)
    return buffer.getvalue().decode("utf-8")
