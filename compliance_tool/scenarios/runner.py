"""Run the governance scenarios (Gherkin features) with pytest-bdd, in-process.

The feature files of the snapshot being read (``features/`` of the working tree or of a
commit, or the files given) are copied into a temporary folder beside a generated test
module that calls :func:`pytest_bdd.scenarios` for them. ``pytest.main`` then runs that
module alone, with the step library :mod:`compliance_tool.scenarios.steps` as a plugin and the
inventory (read once) handed over through the pytest configuration. Nothing of the
user's or the project's pytest setup applies: no ini file, no ``PYTEST_ADDOPTS``, no
auto-loaded plugins, no cache, no warning filters.

Each scenario becomes a :class:`ScenarioResult`; as a
:class:`~compliance_tool.checks.coverage.ScenarioOutcome` it is evidence for the controls it is
tagged with (``@CONT-01``).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import sys
import tempfile
import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from compliance_tool.checks.coverage import ScenarioOutcome
from compliance_tool.errors import NoFeaturesError, ScenarioError
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.session import Where, open_inventory
from compliance_tool.repository.sources import Source

FEATURES_DIR = "features"
CONTROL_TAG = re.compile(r"^[A-Z][A-Z0-9]*-\d+$")
"""What a tag naming a control looks like (@MON-01); other tags (@wip) are free."""

_ISOLATED_ENV = ("PYTEST_ADDOPTS", "PYTEST_PLUGINS", "PYTEST_DISABLE_PLUGIN_AUTOLOAD")


@dataclass(frozen=True, slots=True)
class ScenarioResult:
    """One scenario's result and, when it failed, the step and the records that broke it."""

    feature: str
    """The feature file, repository-relative (features/continuity.feature)."""
    feature_name: str
    name: str
    line: int
    tags: tuple[str, ...]
    controls: tuple[str, ...]
    passed: bool
    step: str = ""
    """The failing step as written (``Then each has a DPIA on file``)."""
    step_line: int = 0
    message: str = ""
    duration: float = 0.0

    def outcome(self) -> ScenarioOutcome:
        return ScenarioOutcome(self.name, self.feature, self.passed, self.controls)


@dataclass(frozen=True, slots=True)
class ScenarioRun:
    """Every scenario of one run, with what it ran on."""

    results: tuple[ScenarioResult, ...]
    as_of: dt.date
    source_label: str
    commit: str | None
    warnings: tuple[str, ...] = ()
    cucumber_json: bytes | None = field(default=None, repr=False)

    @property
    def failed(self) -> list[ScenarioResult]:
        return [r for r in self.results if not r.passed]

    @property
    def passed(self) -> bool:
        return not self.failed


# -- finding the feature files ----------------------------------------------------------


def _feature_files(source: Source, root: Path, given: Sequence[str]) -> dict[str, bytes]:
    """The feature files named by ``given`` (default: ``features/``), by the path the user
    knows them under. A name that is no file or folder of the working tree is bad input;
    at a commit a name may not exist yet, as long as another one does."""
    found: dict[str, bytes] = {}
    missing: list[str] = []
    for name in given or [FEATURES_DIR]:
        files = source.documents(source.locate(name) if given else name, ".feature")
        if files is None:
            missing.append(name)
        else:
            found.update(files)
    if missing and not given:
        raise NoFeaturesError(
            f"no {FEATURES_DIR}/ folder in {root} ({source.label})",
            hint="write scenarios in features/*.feature, or name feature files",
        )
    if missing and (source.commit is None or not found):
        raise ScenarioError(
            f"{', '.join(missing)}: no such file or folder ({source.label})",
            hint="check the path (with --ref, a repository path as 'git ls-tree' shows it)",
        )
    return found


def _control_tags(tags: set[str], controls: set[str]) -> tuple[tuple[str, ...], list[str]]:
    mine = tuple(sorted(t for t in tags if t in controls))
    unknown = sorted(t for t in tags if CONTROL_TAG.match(t) and t not in controls)
    return mine, unknown


# -- the pytest run ---------------------------------------------------------------------


@dataclass
class _Item:
    feature: str
    feature_name: str
    name: str
    line: int
    tags: set[str]
    passed: bool | None = None
    step: str = ""
    step_line: int = 0
    message: str = ""
    duration: float = 0.0


class _Recorder:
    """A pytest plugin of one run: hands over the governance context, records results."""

    def __init__(self, governance: Any, shown: dict[str, str]) -> None:
        self.governance = governance
        self.shown = shown
        """Absolute path of each copied feature file -> how the user knows it."""
        self.items: dict[str, _Item] = {}
        self.collect_errors: list[str] = []

    def pytest_configure(self, config: Any) -> None:
        from compliance_tool.scenarios.steps import GOVERNANCE

        config.stash[GOVERNANCE] = self.governance

    def pytest_collection_modifyitems(self, items: list[Any]) -> None:
        from pytest_bdd.scenario import scenario_wrapper_template_registry
        from pytest_bdd.utils import registry_get_safe

        for item in items:
            template = registry_get_safe(
                scenario_wrapper_template_registry, getattr(item, "function", None)
            )
            if template is None:
                continue
            feature = template.feature
            tags = set(template.tags) | set(feature.tags)
            if template.rule is not None:
                tags |= set(template.rule.tags)
            self.items[item.nodeid] = _Item(
                self.shown.get(feature.filename, feature.filename),
                feature.name,
                template.name,
                template.line_number,
                tags,
            )

    def pytest_collectreport(self, report: Any) -> None:
        if report.failed:
            self.collect_errors.append(report.longreprtext)

    def pytest_bdd_before_scenario(self, request: Any, scenario: Any) -> None:
        item = self.items.get(request.node.nodeid)
        if item is not None:
            item.name = scenario.name  # an outline's name with its example values

    def pytest_bdd_step_error(self, request: Any, step: Any, exception: BaseException) -> None:
        item = self.items.get(request.node.nodeid)
        if item is None:
            return
        item.step, item.step_line = f"{step.keyword} {step.name}", step.line_number
        if isinstance(exception, pytest.fail.Exception):
            item.message = str(exception.msg)
        else:
            item.message = f"{type(exception).__name__}: {exception}"

    @pytest.hookimpl(tryfirst=True)
    def pytest_bdd_step_func_lookup_error(self, request: Any, step: Any) -> None:
        item = self.items.get(request.node.nodeid)
        if item is not None:
            item.step, item.step_line = f"{step.keyword} {step.name}", step.line_number

    def pytest_runtest_logreport(self, report: Any) -> None:
        item = self.items.get(report.nodeid)
        if item is None:
            return
        item.duration += float(report.duration)
        if report.failed:
            item.passed = False
            if not item.message:
                item.message = report.longreprtext.strip()
        elif report.when == "call" and item.passed is None:
            item.passed = True


@contextlib.contextmanager
def _isolated(buffer: io.StringIO) -> Iterator[None]:
    """No user pytest settings from the environment; pytest's chatter goes to ``buffer``."""
    saved = {name: os.environ.get(name) for name in (*_ISOLATED_ENV, "PYTEST_CURRENT_TEST")}
    for name in _ISOLATED_ENV:
        os.environ.pop(name, None)
    try:
        with contextlib.redirect_stdout(buffer), contextlib.redirect_stderr(buffer):
            yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def _parse_features(folder: Path, shown: dict[str, str]) -> int:
    """Check every copied feature file parses; the number of scenarios in them."""
    from pytest_bdd.exceptions import GherkinParseError
    from pytest_bdd.parser import FeatureParser

    total = 0
    for path, name in shown.items():
        file = Path(path)
        try:
            feature = FeatureParser(str(file.parent), file.name).parse()
        except GherkinParseError as error:
            raise ScenarioError(
                f"{error.message.splitlines()[0]}",
                where=f"{name}:{error.line}",
                hint="fix the Gherkin syntax",
            ) from None
        except UnicodeDecodeError:
            raise ScenarioError("not valid UTF-8", where=name, hint="save it as UTF-8") from None
        except AttributeError:  # the Gherkin parser found no 'Feature:' at all
            raise ScenarioError(
                "no 'Feature:' line", where=name, hint="start the file with 'Feature: <title>'"
            ) from None
        total += len(feature.scenarios)
    return total


def run_features(
    root: Path,
    ref: str | None,
    as_of: dt.date,
    features: Sequence[str] = (),
    *,
    cucumber_json: bool = False,
) -> ScenarioRun:
    """Run the scenarios of ``features`` (default: ``features/``) against the inventory.

    Without ``ref`` the working tree is read and FEATURE paths are files or folders on
    disk; with ``ref`` the inventory and the feature files come from that commit, and
    FEATURE paths are repository paths.
    """
    from compliance_tool.scenarios import steps

    inventory = open_inventory(Where(root, ref))
    contents = _feature_files(inventory.source, root, features)
    if not contents:
        raise NoFeaturesError(
            f"no .feature files in {', '.join(features) or FEATURES_DIR + '/'} "
            f"({inventory.source.label})",
            hint="write scenarios in features/*.feature",
        )
    governance = steps.Governance(inventory, as_of)
    with tempfile.TemporaryDirectory(prefix="compliance-scenarios-") as temp:
        folder = Path(temp).resolve()
        shown = _copy_features(contents, folder)
        if _parse_features(folder, shown) == 0:
            raise NoFeaturesError(
                f"the feature files hold no scenario: {', '.join(contents)}",
                hint="add 'Scenario:' blocks",
            )
        recorder = _Recorder(governance, shown)
        report = _run_pytest(folder, recorder, cucumber_json)
    results, warnings = _results(recorder.items.values(), set(inventory.ids[Kind.CONTROL]))
    return ScenarioRun(
        tuple(results),
        as_of,
        inventory.source.label,
        inventory.source.commit,
        tuple(dict.fromkeys(warnings)),
        report,
    )


def _copy_features(contents: dict[str, bytes], folder: Path) -> dict[str, str]:
    """Write the feature files into ``folder``; absolute path of each copy -> its name.

    A file from outside the repository (a path on disk) goes under ``outside/``, so that
    no name can place a copy outside the folder."""
    shown: dict[str, str] = {}
    for index, (name, data) in enumerate(contents.items()):
        inside = not name.startswith("/") and ".." not in name.split("/")
        outside = Path(name)
        target = folder / (
            name if inside else f"outside/{index}/{outside.parent.name}/{outside.name}"
        )
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        shown[str(target)] = name
    return shown


def _pytest_args(folder: Path, module: str, cucumber: Path | None) -> list[str]:
    """pytest on the generated module alone, with none of the user's settings."""
    args = [
        str(folder / f"{module}.py"),
        "-c",
        str(folder / "pytest.ini"),
        "--rootdir",
        str(folder),
        "--disable-plugin-autoload",
        "-p",
        "no:cacheprovider",
        "-p",
        "no:faulthandler",
        "--import-mode=importlib",
        "--assert=plain",
        "-W",
        "default",
        "-s",
        "-q",
        "--tb=short",
    ]
    if cucumber is not None:
        args.append(f"--cucumberjson={cucumber}")
    return args


def _run_pytest(folder: Path, recorder: _Recorder, cucumber_json: bool) -> bytes | None:
    """Run the copied features in-process; the Cucumber JSON report when asked for."""
    import pytest_bdd.plugin
    from pytest_bdd import feature as bdd_feature

    from compliance_tool.scenarios import steps

    module = f"test_governance_scenarios_{uuid.uuid4().hex}"
    paths = ", ".join(repr(p) for p in recorder.shown)
    (folder / f"{module}.py").write_text(
        f'"""Generated by compliance-tool scenarios."""\n\n'
        f"from pytest_bdd import scenarios\n\nscenarios({paths})\n",
        encoding="utf-8",
    )
    (folder / "pytest.ini").write_text("[pytest]\n", encoding="utf-8")
    cucumber = folder / "cucumber.json" if cucumber_json else None
    buffer = io.StringIO()
    try:
        with _isolated(buffer):
            code = pytest.main(
                _pytest_args(folder, module, cucumber),
                plugins=[pytest_bdd.plugin, steps, recorder],
            )
    finally:
        for name in [m for m in sys.modules if m.startswith(module)]:
            del sys.modules[name]
        for path in recorder.shown:
            bdd_feature.features.pop(path, None)
    if recorder.collect_errors:
        raise ScenarioError(
            "the scenarios could not be collected",
            hint="see below",
            details=[e.strip() for e in recorder.collect_errors],
        )
    if int(code) == int(pytest.ExitCode.INTERRUPTED):
        raise KeyboardInterrupt
    if int(code) not in (0, 1):
        raise RuntimeError(f"pytest stopped with exit code {int(code)}:\n{buffer.getvalue()}")
    return cucumber.read_bytes() if cucumber is not None and cucumber.exists() else None


def _results(items: Iterable[_Item], controls: set[str]) -> tuple[list[ScenarioResult], list[str]]:
    """Each recorded scenario as a result, in file order; a warning per tag that looks
    like a control id but names none."""
    results: list[ScenarioResult] = []
    warnings: list[str] = []
    for item in items:
        mine, unknown = _control_tags(item.tags, controls)
        for tag in unknown:
            warnings.append(
                f"{item.feature}:{item.line}: tag @{tag} names no control of policies/controls/"
            )
        results.append(
            ScenarioResult(
                item.feature,
                item.feature_name,
                item.name,
                item.line,
                tuple(sorted(item.tags)),
                mine,
                bool(item.passed),
                item.step,
                item.step_line,
                item.message,
                item.duration,
            )
        )
    results.sort(key=lambda r: (r.feature, r.line, r.name))
    return results, warnings


def run_scenarios(root: Path, ref: str | None, as_of: dt.date) -> list[ScenarioOutcome]:
    """The outcome of every scenario in ``features/``, as evidence for control coverage."""
    return [r.outcome() for r in run_features(root, ref, as_of).results]


def scenario_outcomes(root: Path, ref: str | None, as_of: dt.date) -> list[ScenarioOutcome]:
    """Scenario results as control evidence, when the repository has features (none
    otherwise: coverage and the report work without scenarios)."""
    if not (root / FEATURES_DIR).is_dir():
        return []
    try:
        return run_scenarios(root, ref, as_of)
    except NoFeaturesError:  # the folder exists but holds no scenario (at that commit)
        return []
