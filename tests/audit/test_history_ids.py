"""`history FOLDER/ID` takes an id, never a pattern: glob characters and pathspec magic in
the id are refused with a clear message (they reached git, and `history 'models/*'`
printed every model's commits as one record), and a governance root whose own folder
name holds glob characters still finds its records."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from support.cli import Invoke
from support.git import Script, git
from support.repos import development_model, write_minirepo


@pytest.fixture
def repo(tmp_path: Path, git_env: None) -> Path:
    """m1 and m2 (the models of the minimal repository), and m10 added a commit later."""
    script = Script.minimal(tmp_path / "repo")
    script.commit("Minimal repository", "2026-01-10T09:00:00+00:00")
    script.write("inventory/models/m10.yaml", development_model("m10", "Tenth model"))
    script.commit("m10", "2026-02-10T09:00:00+00:00")
    return script.root


@pytest.mark.parametrize(
    "spec",
    [
        "models/*",
        "models/m?",
        "models/m[12]",
        "models/**",
        "models/:(glob)*",
        "models/:(top)m1",
        "models/:!m1",
        "models/-m1",
        "models/m 1",
    ],
)
def test_a_pattern_is_refused_with_the_id_rule(run_cli: Invoke, repo: Path, spec: str) -> None:
    result = run_cli("--repo", repo, "history", spec, "--format", "json")
    assert result.exit_code == 2, result.output
    record_id = spec.split("/", 1)[1]
    assert result.stdout == ""
    assert result.stderr == (
        f"error: '{spec}' does not name a record: '{record_id}' is not an id (an id is a letter "
        "or digit, then letters, digits, '.', '_' or '-', e.g. models/fraud-scoring; patterns "
        "are not supported)\n"
    )


def test_ids_with_dots_underscores_and_dashes_are_ids(run_cli: Invoke, repo: Path) -> None:
    result = run_cli("--repo", repo, "history", "models/m1.v2_new-x", "--format", "json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["revisions"] == []


def test_a_record_is_found_under_a_root_whose_folder_holds_glob_characters(
    run_cli: Invoke, tmp_path: Path, git_env: None
) -> None:
    """The governance root sits in a folder of the git repository named ``gov[1]*``: in a
    ``:(glob)`` pathspec that name would match ``gov1x``, not itself."""
    top = tmp_path / "top"
    root = write_minirepo(top / "gov[1]*")
    decoy = top / "gov1x"
    shutil.copytree(root, decoy)
    git(top, "init", "-q")
    git(top, "add", "-A")
    git(top, "commit", "-q", "--no-gpg-sign", "-m", "two governance roots")
    result = run_cli("--repo", root, "history", "models/m1", "--format", "json")
    assert result.exit_code == 0, result.output
    revisions = json.loads(result.stdout)["revisions"]
    assert [(r["change"], r["path"]) for r in revisions] == [("added", "inventory/models/m1.yaml")]
