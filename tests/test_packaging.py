"""The wheel, as a new user gets it: built from this project, installed into a fresh
virtual environment, and run in a folder that cannot see the source tree.

The wheel must carry every file the tool reads at run time (the schemas, the starter
catalogue and scenarios, the sample organisation, the report's template and assets, the
files ``init`` copies), each equal to the project file it is made from. The installed
tool then makes the example repository and runs the commands a newcomer runs on it; none
may end in an internal error (exit 3), and the report names every production model.

Built and installed once per session (a session-scoped fixture): about a minute, most of
it pip resolving the dependencies into the new environment.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pytest
from support.git import identity, isolated_config
from support.pdf import flat, pdftotext
from support.repos import REPO_ROOT

from compliance_tool.repository import bundle
from compliance_tool.repository.yamlio import parse_document

EXIT_INTERNAL = 3
PACKAGE = "compliance_tool"
_COPY_IGNORED = shutil.ignore_patterns(
    ".git", ".venv", "build", "dist", "*.egg-info", "__pycache__", ".compliance-*", "reports",
    ".mypy_cache", ".ruff_cache", ".pytest_cache", ".import_linter_cache", "tests", "benchmarks",
)  # fmt: skip


def _run(command: list[str], cwd: Path, env: dict[str, str], timeout: int = 600) -> str:
    done = subprocess.run(
        command, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )
    assert done.returncode == 0, f"{' '.join(command)} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout


def _build_env() -> dict[str, str]:
    """This process's environment without the source tree on the import path."""
    drop = ("PYTHONPATH", "VIRTUAL_ENV", "PYTHONHOME", "PYTHONSTARTUP")
    return {
        k: v
        for k, v in os.environ.items()
        if k not in drop and not k.startswith("COMPLIANCE_TOOL_")
    }


@dataclass(frozen=True)
class Installed:
    wheel: Path
    venv: Path
    seconds: float
    """How long building the wheel and installing it took."""

    @property
    def tool(self) -> Path:
        return self.venv / "bin" / "compliance-tool"


@pytest.fixture(scope="session")
def installed(tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The wheel of a copy of this project, installed into a new virtual environment."""
    started = time.monotonic()
    scratch = tmp_path_factory.mktemp("wheel")
    source = scratch / "source"  # a copy: the build writes build/ and *.egg-info beside it
    shutil.copytree(REPO_ROOT, source, ignore=_COPY_IGNORED)
    env = _build_env()
    dist = scratch / "dist"
    _run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(dist), str(source)],
        scratch,
        env,
    )
    (wheel,) = dist.glob("compliance_tool-*.whl")
    venv = scratch / "venv"
    base = getattr(sys, "_base_executable", sys.executable)
    _run([base, "-m", "venv", str(venv)], scratch, env)
    _run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "-q", "--no-compile", str(wheel)],
        scratch,
        env,
    )
    return Installed(wheel, venv, time.monotonic() - started)


def _wheel_files(wheel: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(wheel) as archive:
        return {name: archive.read(name) for name in archive.namelist() if not name.endswith("/")}


def test_the_wheel_carries_the_packaged_copies_of_the_top_level_folders(
    installed: Installed,
) -> None:
    files = _wheel_files(installed.wheel)
    prefix = f"{PACKAGE}/{bundle.DATA_FOLDER}/"
    packaged = {n.removeprefix(prefix): d for n, d in files.items() if n.startswith(prefix)}
    assert packaged == bundle.produce(REPO_ROOT)
    # one source of truth: every copy is the project's file, a control without evidence
    for path, data in packaged.items():
        original = (REPO_ROOT / path.removeprefix(f"{bundle.EXAMPLE}/")).read_bytes()
        if data != original:
            assert path.startswith("policies/controls/"), path
            mine, theirs = parse_document(data).data, parse_document(original).data
            assert isinstance(theirs, dict) and "evidence" in theirs and "evidence" not in mine
            assert mine == {k: v for k, v in theirs.items() if k != "evidence"}, path
    for folder in ("schemas", "policies", "features"):
        assert any(p.startswith(f"{folder}/") for p in packaged), folder
    assert {"schemas/model.schema.json", "schemas/check-result.schema.json"} <= set(packaged)
    assert f"{bundle.EXAMPLE}/inventory/models/fraud-scoring.yaml" in packaged


def test_the_wheel_carries_every_other_file_the_tool_reads(installed: Installed) -> None:
    files = _wheel_files(installed.wheel)
    source = REPO_ROOT / PACKAGE
    expected = [
        p
        for p in source.rglob("*")
        if p.is_file() and p.suffix not in (".py", ".pyc") and "__pycache__" not in p.parts
    ]
    assert expected, "the package has data files"
    for path in expected:
        name = path.relative_to(REPO_ROOT).as_posix()
        assert files.get(name) == path.read_bytes(), f"{name} is missing from the wheel or differs"


@dataclass(frozen=True)
class Step:
    command: str
    returncode: int
    stdout: str
    stderr: str


@dataclass(frozen=True)
class ExampleRun:
    root: Path
    module: str
    """Where the installed tool's package was imported from."""
    steps: dict[str, Step]
    seconds: float


@pytest.fixture(scope="session")
def example_run(installed: Installed, tmp_path_factory: pytest.TempPathFactory) -> ExampleRun:
    """``init --example``, a commit, then every command a newcomer runs, by the installed
    tool in a folder outside the source tree, with nothing of the source on its path."""
    started = time.monotonic()
    home = tmp_path_factory.mktemp("newcomer")
    env = {
        **_build_env(),
        **isolated_config(home),
        **identity(("New User", "new.user@example.com")),
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / "cache"),
        "PYTHONNOUSERSITE": "1",
        "NO_COLOR": "1",
    }
    env.pop("GITHUB_ACTIONS", None)
    module = _run(
        [
            str(installed.venv / "bin" / "python"),
            "-c",
            "import compliance_tool; print(compliance_tool.__file__)",
        ],
        home,
        env,
    ).strip()
    steps: dict[str, Step] = {}

    def tool(name: str, *args: str) -> Step:
        done = subprocess.run(
            [str(installed.tool), *args], cwd=root, env=env, capture_output=True, text=True,
            timeout=300, check=False,
        )  # fmt: skip
        steps[name] = Step(" ".join(args), done.returncode, done.stdout, done.stderr)
        return steps[name]

    root = home
    tool("init", "init", "governance", "--example")
    root = home / "governance"
    _run(["git", "add", "-A"], root, env)
    _run(["git", "commit", "-q", "--no-gpg-sign", "-m", "Governance repository"], root, env)
    tool("validate", "validate")
    tool("check", "check", "--as-of", "2026-11-26")
    tool("report", "report", "--unsigned", "--as-of", "2026-11-26", "--output", "report.pdf")
    tool("verify", "verify", "report.pdf", "--repo", ".")
    if "codeowners" in tool("help", "--help").stdout:  # a command that arrives with CODEOWNERS
        tool("codeowners", "codeowners", "--check")
    return ExampleRun(root, module, steps, time.monotonic() - started)


def test_the_installed_tool_reads_nothing_of_the_source_tree(
    installed: Installed, example_run: ExampleRun
) -> None:
    assert Path(example_run.module).is_relative_to(installed.venv), example_run.module
    assert not example_run.root.is_relative_to(REPO_ROOT)


def test_no_command_on_the_example_ends_in_an_internal_error(example_run: ExampleRun) -> None:
    for name, step in example_run.steps.items():
        assert step.returncode != EXIT_INTERNAL, f"{step.command}: {step.stderr}"
        assert "internal error" not in step.stderr, f"{name}: {step.stderr}"
    steps = example_run.steps
    assert steps["init"].returncode == 0, steps["init"].stderr
    assert steps["validate"].returncode == 0, steps["validate"].stderr
    assert "policies: this repository" in steps["validate"].stderr
    assert steps["check"].returncode == 1  # the sample's planted problems
    assert steps["report"].returncode == 0, steps["report"].stderr
    # an unsigned report is intact but not signed: verify says so, exit 1
    assert steps["verify"].returncode == 1
    assert "the PDF holds no signature" in steps["verify"].stdout
    assert "ok    manifest:" in steps["verify"].stdout
    assert "ok    repository: commit" in steps["verify"].stdout  # the inputs, recomputed


def _production_models() -> list[str]:
    names = []
    for file in sorted((REPO_ROOT / "inventory" / "models").glob("*.yaml")):
        data = parse_document(file.read_bytes()).data
        assert isinstance(data, dict)
        if data.get("lifecycle") == "production":
            names.append(str(data["name"]))
    return names


def test_the_report_of_the_example_names_every_production_model(example_run: ExampleRun) -> None:
    text = flat(pdftotext(example_run.root / "report.pdf", "-layout"))
    models = _production_models()
    assert len(models) >= 5
    missing = [name for name in models if name not in text]
    assert not missing, f"production models missing from the report: {missing}"


def test_the_issue_as_reported_new_validate_check_and_report_on_a_bare_repository(
    installed: Installed, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """An empty git repository with inventory/ and policies/ folders, as the issue has it."""
    home = tmp_path_factory.mktemp("bare")
    env = {**_build_env(), **isolated_config(home), **identity(("U", "u@example.com"))}
    env |= {"HOME": str(home), "XDG_CACHE_HOME": str(home / "cache"), "NO_COLOR": "1"}
    root = home / "repo"
    (root / "inventory").mkdir(parents=True)
    (root / "policies").mkdir()
    _run(["git", "init", "-q"], root, env)
    codes = {}
    for args in (["new", "model", "my-model"], ["validate"], ["check"], ["report", "--unsigned"]):
        if args[0] == "report":
            _run(["git", "add", "-A"], root, env)
            _run(["git", "commit", "-q", "--no-gpg-sign", "-m", "first model"], root, env)
        done = subprocess.run(
            [str(installed.tool), *args], cwd=root, env=env, capture_output=True, text=True,
            timeout=300, check=False,
        )  # fmt: skip
        codes[args[0]] = (done.returncode, done.stderr)
    # the new model's TODO placeholders are problems: validate finds them (1), check and
    # report refuse to evaluate rules on an invalid inventory (2); nothing is a crash (3)
    assert {name: code for name, (code, _) in codes.items()} == {
        "new": 0,
        "validate": 1,
        "check": 2,
        "report": 2,
    }
    assert "policies: packaged (compliance-tool" in codes["validate"][1]
    assert "schemas: packaged (compliance-tool" in codes["validate"][1]
