"""The layering of docs/architecture.md holds, and breaking it fails the build.

The contracts live in pyproject.toml and are checked by ``lint-imports`` in the test
command; these tests show that the contracts really bite, on a copy of the package with a
deliberately wrong import, and hold the size limits of modules and functions.
"""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

PROJECT = Path(__file__).resolve().parent.parent
PACKAGE = PROJECT / "compliance_tool"
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")

MODULE_LINES = 600
FUNCTION_LINES = 100


def _lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        env={**os.environ, "PYTHONPATH": str(root)},
        capture_output=True,
        text=True,
        timeout=120,
    )


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """The package and its contracts, copied where a test may break them."""
    shutil.copytree(
        PACKAGE, tmp_path / "compliance_tool", ignore=shutil.ignore_patterns("__pycache__")
    )
    shutil.copy(PROJECT / "pyproject.toml", tmp_path / "pyproject.toml")
    return tmp_path


def _append(path: Path, line: str) -> None:
    path.write_text(path.read_text("utf-8") + f"\n{line}\n", "utf-8")


def test_the_contracts_hold_on_the_package(package_copy: Path) -> None:
    result = _lint_imports(package_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Contracts: 2 kept, 0 broken." in result.stdout


def test_an_upward_import_breaks_the_layers(package_copy: Path) -> None:
    _append(package_copy / "compliance_tool/repository/kinds.py", "import compliance_tool.cli.app")
    result = _lint_imports(package_copy)
    assert result.returncode == 1
    assert (
        "compliance_tool.repository is not allowed to import compliance_tool.cli" in result.stdout
    )
    assert "compliance_tool.repository.kinds -> compliance_tool.cli.app" in result.stdout


def test_the_siblings_audit_and_scenarios_stay_apart(package_copy: Path) -> None:
    _append(
        package_copy / "compliance_tool/audit/trend.py", "import compliance_tool.scenarios.runner"
    )
    result = _lint_imports(package_copy)
    assert result.returncode == 1
    assert (
        "compliance_tool.audit is not allowed to import compliance_tool.scenarios" in result.stdout
    )


def test_click_outside_the_cli_breaks_the_build(package_copy: Path) -> None:
    _append(package_copy / "compliance_tool/checks/facts.py", "import click")
    result = _lint_imports(package_copy)
    assert result.returncode == 1
    assert "Only the CLI knows Click BROKEN" in result.stdout
    assert "compliance_tool.checks.facts -> click" in result.stdout


def _sources() -> list[Path]:
    return sorted(PACKAGE.rglob("*.py"))


@pytest.mark.parametrize("path", _sources(), ids=lambda p: str(p.relative_to(PROJECT)))
def test_modules_and_functions_stay_small(path: Path) -> None:
    text = path.read_text("utf-8")
    assert text.count("\n") <= MODULE_LINES, f"{path.name}: more than {MODULE_LINES} lines"
    long = [
        f"{node.name} (line {node.lineno}): {node.end_lineno - node.lineno + 1} lines"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno is not None
        and node.end_lineno - node.lineno + 1 > FUNCTION_LINES
    ]
    assert not long, f"functions over {FUNCTION_LINES} lines: {long}"
