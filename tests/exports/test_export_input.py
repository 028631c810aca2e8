"""Bad input to the model-cards and backstage exports, and their determinism."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.cli import invoke
from support.repos import AS_OF_TEXT, REPO_ROOT

FORMATS = ("model-cards", "backstage")


def test_an_unknown_format_lists_the_valid_ones() -> None:
    result = invoke("--repo", REPO_ROOT, "export", "model-card")
    assert result.exit_code == 2
    assert "'model-card' is not one of" in result.output
    for name in FORMATS:
        assert f"'{name}'" in result.output


@pytest.mark.parametrize("format_name", FORMATS)
def test_an_output_in_a_missing_folder_is_refused(format_name: str, tmp_path: Path) -> None:
    target = tmp_path / "missing" / "out"
    result = invoke("--repo", REPO_ROOT, "export", format_name, "--output", target)
    assert result.exit_code == 2
    assert f"the folder {target.parent} does not exist" in result.output
    assert not target.parent.exists()


@pytest.mark.parametrize("format_name", FORMATS)
def test_two_exports_of_one_commit_and_date_are_identical(format_name: str, tmp_path: Path) -> None:
    made = []
    for run in ("first", "second"):
        target = tmp_path / run
        target.mkdir()
        output = target if format_name == "model-cards" else target / "catalog-info.yaml"
        args = ("export", format_name, "--ref", "HEAD", "--as-of", AS_OF_TEXT)
        result = invoke("--repo", REPO_ROOT, *args, "--output", output)
        assert result.exit_code == 0, result.output
        made.append({p.name: p.read_bytes() for p in sorted(target.iterdir())})
    assert made[0] == made[1]
    assert made[0] and all(made[0].values())
