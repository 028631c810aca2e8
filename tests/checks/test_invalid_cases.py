"""Every folder in cases/invalid/ is one broken repository and the exact report it must give.

A case folder holds the files that differ from the minimal repository (copied over it),
optionally a ``make.py`` whose ``make(root)`` writes what cannot be stored as text (binary,
BOM, oversized files, symlinks), and ``expected.txt``: the exact stdout of
``compliance-tool validate``. Cases named ``input-*`` are unreadable files: each must give
one line for the bad file and still report an independent problem in another file.

A ``known-issue.txt`` marks a case whose current output is wrong or unclear: expected.txt
then holds the output it should give, and the test is an expected failure (still checking
exit code, tracebacks and the other file) that fails loudly once the tool is fixed.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from support.cli import Invoke
from support.repos import CASES, overlay

CASE_NAMES = sorted(p.name for p in CASES.iterdir() if p.is_dir())

LINE = re.compile(
    r"^(?P<path>(?:inventory|policies)/[^:]+\.ya?ml):(?P<line>[1-9]\d*):(?P<col>[1-9]\d*): "
    r"(?P<subject>[A-Za-z]+(?:\.[A-Za-z_][\w]*(?:\[\d+\])*)*(?:\[\d+\])*): "
    r"(?P<message>.+) \((?P<hint>.+)\)$"
)
SECOND_FILE = "inventory/teams/ml-platform.yaml"


def expected_lines(name: str) -> list[str]:
    return (CASES / name / "expected.txt").read_text(encoding="utf-8").splitlines()


@pytest.mark.parametrize("name", CASE_NAMES)
def test_case_folder_is_well_formed(name: str) -> None:
    folder = CASES / name
    content = [p for p in folder.rglob("*") if p.is_file() and p.name != "expected.txt"]
    assert content, f"{name}: nothing to overlay"
    lines = expected_lines(name)
    assert lines, f"{name}: expected.txt is empty"
    for line in lines:
        assert LINE.match(line), f"{name}: not 'file:line:col: subject: message (hint)': {line}"


@pytest.mark.parametrize("name", CASE_NAMES)
def test_invalid_case(name: str, minirepo: Path, run_cli: Invoke) -> None:
    overlay(CASES / name, minirepo)
    result = run_cli("--repo", minirepo, "validate", "--format", "text")

    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert "internal error" not in result.stderr
    expected = expected_lines(name)
    actual = result.stdout.splitlines()
    files = {line.split(":", 1)[0] for line in actual}
    assert re.fullmatch(
        rf"{len(actual)} problem\(s\) in {len(files)} of \d+ files \(working tree\)\n",
        result.stderr,
    ), result.stderr

    if name.startswith("input-"):
        # one clear line for the unreadable file, and the rest of the repository still checked
        bad = [line for line in actual if not line.startswith(SECOND_FILE + ":")]
        assert len(bad) == 1, actual
        assert bad[0].startswith("inventory/people/dkim.yaml:"), bad
        assert [line for line in actual if line.startswith(SECOND_FILE + ":")] == [
            line for line in expected if line.startswith(SECOND_FILE + ":")
        ]
        assert len(files) == 2

    known_issue = CASES / name / "known-issue.txt"
    if known_issue.exists():
        if actual == expected:
            pytest.fail(f"{name} is fixed: delete {known_issue.relative_to(CASES.parents[2])}")
        pytest.xfail(" ".join(known_issue.read_text(encoding="utf-8").split()))
    assert actual == expected
    assert result.stdout == "".join(line + "\n" for line in expected)
