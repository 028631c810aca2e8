"""JUnit XML, for CI systems that show test reports (GitLab, Jenkins, Azure DevOps, ...).

One test suite per rule, named by the rule id; one test case per subject the rule
applies to, passes included, so the report also shows what was checked. A failure
carries the message, the problems with their lines, the fix and the file position; a
waived failure is a skipped test case naming the waiver and its expiry.

An upcoming result (a failure of a rule whose ``applies_from`` date has not come) is a
skipped test case too, of type ``upcoming``, its message naming the date from which it will
be a failure and its text holding the problems and the fix. Skipped is what CI systems
show as "not run, not failed": the pipeline stays green, the report counts and lists the
case, and on the date the same test case (same suite and name) turns into a failure.
"""

from __future__ import annotations

import re
from collections import defaultdict
from xml.dom.minidom import parseString

from junitparser import Failure, JUnitXml, Skipped, TestCase, TestSuite

from compliance_tool.checks.engine import CheckResult, Result, Status

_NOT_XML = re.compile("[^\t\n\r\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


def xml_text(text: str) -> str:
    """``text`` without the characters XML 1.0 cannot hold (they would make the file unreadable)."""
    return _NOT_XML.sub("\ufffd", text)


def _text(result: Result, remediation: str) -> str:
    """The message, the problems with their lines, the fix and the file position."""
    lines = [f"{result.kind.value} {result.subject}: {result.message}"]
    lines += [f"line {d.line}: {d.field}: {d.message}" for d in result.details]
    if remediation:
        lines.append(f"fix: {remediation}")
    lines.append(f"at {result.path}:{result.line}:{result.column}")
    return xml_text("\n".join(lines))


def _case(result: Result, name: str, remediation: str) -> TestCase:
    case = TestCase(xml_text(name), xml_text(result.rule))
    if result.status is Status.FAIL:
        failure = Failure(xml_text(result.message), result.severity.label)
        failure.text = _text(result, remediation)
        case.result = [failure]
    elif result.status is Status.UPCOMING:
        when = result.applies_from.describe() if result.applies_from else "from a later date"
        skipped = Skipped(xml_text(f"upcoming: not yet mandatory, a failure {when}"), "upcoming")
        skipped.text = _text(result, remediation)
        case.result = [skipped]
    elif result.status is Status.WAIVED:
        case.result = [
            Skipped(xml_text(f"waived by {result.waiver} until {result.waiver_expires}"))
        ]
    return case


def junit_document(result: CheckResult) -> JUnitXml:
    by_rule: dict[str, list[Result]] = defaultdict(list)
    for entry in result.results:
        by_rule[entry.rule].append(entry)
    document = JUnitXml("compliance-tool check")
    for rule in sorted(result.rules, key=lambda r: r.id):
        suite = TestSuite(xml_text(rule.id))
        suite.add_property("title", xml_text(rule.title))
        suite.add_property("severity", rule.severity.label)
        suite.add_property("controls", xml_text(",".join(rule.controls)))
        suite.add_property("as_of", result.as_of.isoformat())
        cases: list[TestCase] = []
        seen: set[str] = set()
        for entry in sorted(by_rule.get(rule.id, ()), key=lambda r: (r.kind, r.subject, r.path)):
            name = f"{entry.kind.value} {entry.subject}"
            if name in seen:  # the same id in two files: tell them apart by path
                name = f"{name} ({entry.path})"
            seen.add(name)
            cases.append(_case(entry, name, rule.remediation))
        suite.add_testcases(cases)
        document.add_testsuite(suite)
    document.update_statistics()
    return document


def render_check(result: CheckResult) -> str:
    # Indented like junitparser's own pretty output; ``tostring`` exists in every
    # supported junitparser, while ``write`` to a stream does not.
    tree = parseString(junit_document(result).tostring())  # our own XML, not untrusted input
    return str(tree.toprettyxml(indent="  ", encoding="utf-8").decode("utf-8"))
