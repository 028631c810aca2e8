"""The hooks of ``.pre-commit-hooks.yaml`` with the real pre-commit framework: ``pre-commit
try-repo`` of this project in a scratch governance repository, and a configuration that
names this project's hooks at a ``rev`` with arguments, as a governance repository would.

pre-commit installs the hooks (``language: python``) by pip-installing this project into
an environment of its own, and that installation is the point: the hooks must work from
what a wheel carries. ``try-repo`` installs afresh on every run, in a store of its own (so
only the two validate tests use it); a configuration naming the hook repository at a rev,
as a governance repository's does, uses the session's store and installs once. Every
installation is offline, from a wheelhouse built once per session (:mod:`support.precommit`):
about half a minute each instead of a minute or more against the index.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from support.precommit import (
    HOOKS_MANIFEST,
    TEMPLATES,
    governance_repo,
    hook_env,
    pre_commit,
    project_snapshot,
    stage,
    wheelhouse,
)

from compliance_tool.repository import schemas

PACKAGE = Path(schemas.__file__).resolve().parents[1]

M1 = "inventory/models/m1.yaml"
CVENDOR = "inventory/people/cvendor.yaml"
ROTATION = "inventory/rotations/ml-oncall.yaml"


def _wheel_has_its_schemas() -> bool:
    """Whether an installed (not editable) compliance-tool finds its JSON Schemas: not
    while they are read from the project's top-level schemas/ folder (SCHEMA_DIR), which
    a wheel does not carry."""
    folder = getattr(schemas, "SCHEMA_DIR", None)
    return folder is None or Path(folder).resolve().is_relative_to(PACKAGE)


installed = pytest.mark.skipif(
    not _wheel_has_its_schemas(),
    reason="an installed compliance-tool reads its schemas from the project folder, which "
    "a wheel does not carry, so a pre-commit hook environment cannot validate",
)


def test_the_manifest_offers_the_five_hooks() -> None:
    hooks = {hook["id"]: hook for hook in yaml.safe_load(HOOKS_MANIFEST.read_text("utf-8"))}
    assert list(hooks) == [
        "compliance-tool-validate",
        "compliance-tool-check",
        "compliance-tool-codeowners",
        "compliance-tool-prometheus-rules",
        "compliance-tool-alertmanager",
    ]
    assert hooks["compliance-tool-validate"]["entry"] == "compliance-tool validate"
    assert hooks["compliance-tool-check"]["entry"] == "compliance-tool check"
    assert hooks["compliance-tool-codeowners"]["entry"] == "compliance-tool codeowners --check"
    assert hooks["compliance-tool-codeowners"]["pass_filenames"] is False
    for name in ("prometheus-rules", "alertmanager"):
        hook = hooks[f"compliance-tool-{name}"]
        assert hook["entry"] == f"compliance-tool export {name} --check"
        assert hook["pass_filenames"] is False
    assert {hook["language"] for hook in hooks.values()} == {"python"}


def test_pre_commit_accepts_the_manifest(tmp_path: Path) -> None:
    result = pre_commit(tmp_path, hook_env(tmp_path), "validate-manifest", HOOKS_MANIFEST)
    assert result.returncode == 0, result.stdout


def test_the_starter_configuration_runs_the_same_hooks() -> None:
    """The configuration init writes (repo: local, language: system) defines each hook of
    the manifest as the manifest does, so that either way the same checks run."""
    manifest = {hook["id"]: hook for hook in yaml.safe_load(HOOKS_MANIFEST.read_text("utf-8"))}
    config = yaml.safe_load((TEMPLATES / ".pre-commit-config.yaml").read_text("utf-8"))
    assert [repo["repo"] for repo in config["repos"]] == ["local"]
    local = {hook["id"]: hook for hook in config["repos"][0]["hooks"]}
    assert list(local) == list(manifest)
    # off in a new repository, whose CODEOWNERS cannot pass before the accounts are in
    assert local["compliance-tool-codeowners"].pop("stages") == ["manual"]
    # off until the generated alerting files have been written and committed
    assert local["compliance-tool-prometheus-rules"].pop("stages") == ["manual"]
    assert local["compliance-tool-alertmanager"].pop("stages") == ["manual"]
    for hook_id, hook in local.items():
        assert hook.pop("language") == "system"
        expected = {
            k: v for k, v in manifest[hook_id].items() if k not in ("description", "language")
        }
        assert hook == expected, hook_id


# -- the hooks as pre-commit installs them --------------------------------------------------


@pytest.fixture(scope="session")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str]:
    """This project as a hook repository, and its commit."""
    home = tmp_path_factory.mktemp("hook-repo-home")
    root = tmp_path_factory.mktemp("hook-repo")
    return root, project_snapshot(root, home)


@pytest.fixture(scope="session")
def wheels(tmp_path_factory: pytest.TempPathFactory, hook_repo: tuple[Path, str]) -> Path:
    """The wheels of the hook repository and its dependencies, fetched once."""
    return wheelhouse(tmp_path_factory.mktemp("wheels"), hook_repo[0])


@pytest.fixture(scope="session")
def pre_commit_home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """pre-commit's store for the session: the hook environment is built once."""
    return tmp_path_factory.mktemp("pre-commit-home")


@pytest.fixture
def scratch(tmp_path: Path, pre_commit_home: Path, wheels: Path) -> tuple[Path, dict[str, str]]:
    """A governance repository to commit in, and the environment to run pre-commit in."""
    home = tmp_path / "home"
    root = governance_repo(tmp_path / "governance", home)
    return root, hook_env(home, pre_commit_home, own_code=False, wheels=wheels)


def _try_repo(
    scratch: tuple[Path, dict[str, str]], hook_repo: tuple[Path, str], hook: str, *args: str
) -> tuple[int, str]:
    root, env = scratch
    repo, rev = hook_repo
    result = pre_commit(root, env, "try-repo", repo, hook, "--ref", rev, *args)
    return result.returncode, result.stdout


def _run_configured(
    scratch: tuple[Path, dict[str, str]], hook_repo: tuple[Path, str], hook: dict[str, object]
) -> tuple[int, str]:
    """``pre-commit run`` with a configuration naming this project's hook at its rev, as
    a governance repository's .pre-commit-config.yaml does."""
    root, env = scratch
    repo, rev = hook_repo
    config = root.parent / "pre-commit-config.yaml"
    repos = [{"repo": str(repo), "rev": rev, "hooks": [hook]}]
    config.write_text(yaml.safe_dump({"repos": repos}), encoding="utf-8")
    result = pre_commit(root, env, "run", "--config", config)
    return result.returncode, result.stdout


@installed
def test_validate_blocks_a_broken_reference_with_its_file_and_line(
    scratch: tuple[Path, dict[str, str]], hook_repo: tuple[Path, str]
) -> None:
    root, env = scratch
    stage(root, M1, "  operator: bkumar\n", "  operator: bkumra\n", env)
    code, output = _try_repo(scratch, hook_repo, "compliance-tool-validate")
    assert code == 1, output
    assert "compliance-tool validate" in output and "Failed" in output
    assert (
        "inventory/models/m1.yaml:11:13: Model.ownership.operator: unknown person 'bkumra'"
        in output
    ), output


@installed
def test_validate_passes_a_correct_change(
    scratch: tuple[Path, dict[str, str]], hook_repo: tuple[Path, str]
) -> None:
    root, env = scratch
    stage(root, M1, "name: Example model\n", "name: Example scoring model\n", env)
    code, output = _try_repo(scratch, hook_repo, "compliance-tool-validate")
    assert code == 0, output
    assert "Passed" in output


@installed
def test_check_blocks_a_record_that_fails_a_rule(
    scratch: tuple[Path, dict[str, str]], hook_repo: tuple[Path, str]
) -> None:
    root, env = scratch
    stage(root, CVENDOR, "name: Chris Vendor\n", "name: Chris Vendor-Smith\n", env)
    code, output = _run_configured(scratch, hook_repo, {"id": "compliance-tool-check"})
    assert code == 1, output
    assert "inventory/people/cvendor.yaml\n" in output
    assert "high  EXT-01-contract-current  Person cvendor" in output
    assert "ml-oncall" not in output  # the rotation's finding is not about this commit


@installed
def test_check_passes_a_record_without_findings(
    scratch: tuple[Path, dict[str, str]], hook_repo: tuple[Path, str]
) -> None:
    root, env = scratch
    stage(
        root, "inventory/people/asmith.yaml", "name: Anna Smith\n", "name: Anna Smith-Jones\n", env
    )
    code, output = _run_configured(scratch, hook_repo, {"id": "compliance-tool-check"})
    assert code == 0, output
    assert "compliance-tool check" in output and "Passed" in output


@installed
def test_the_threshold_is_set_in_the_configuration(
    scratch: tuple[Path, dict[str, str]], hook_repo: tuple[Path, str]
) -> None:
    """args set the severity at which check fails. The rotation fails a medium rule."""
    root, env = scratch
    stage(root, ROTATION, "name: ML on-call\n", "name: ML on call\n", env)
    hook: dict[str, object] = {"id": "compliance-tool-check"}
    code, output = _run_configured(scratch, hook_repo, hook)
    assert code == 1, output
    assert "medium  ONC-01-rotation-escalation  Rotation ml-oncall" in output
    code, output = _run_configured(scratch, hook_repo, {**hook, "args": ["--fail-on", "high"]})
    assert code == 0, output
