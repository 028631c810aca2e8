"""Bad input to the OSCAL and CycloneDX exports: an unknown format, a --ref that does not
exist, an inventory that does not validate and an --output in a missing folder each exit
2 and write nothing."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.cli import invoke
from support.exporting import committed_sample
from support.repos import AS_OF_TEXT, edit

FORMATS = ("oscal-component-definition", "oscal-assessment-results", "cyclonedx")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root, _ = committed_sample(tmp_path_factory.mktemp("export-input"))
    return root


def test_an_unknown_format_lists_the_valid_ones(sample: Path) -> None:
    result = invoke("--repo", sample, "export", "oscal-ssp")
    assert result.exit_code == 2
    assert "'oscal-ssp' is not one of" in result.output
    for name in FORMATS:
        assert name in result.output


@pytest.mark.parametrize("name", FORMATS)
def test_a_ref_that_does_not_exist_exits_2(sample: Path, tmp_path: Path, name: str) -> None:
    target = tmp_path / "out.json"
    result = invoke("--repo", sample, "export", name, "--ref", "no-such-branch", "--output", target)
    assert result.exit_code == 2, result.output
    assert "no-such-branch" in result.output
    assert not target.exists()


@pytest.mark.parametrize("name", FORMATS)
def test_an_output_in_a_missing_folder_exits_2(sample: Path, tmp_path: Path, name: str) -> None:
    target = tmp_path / "missing" / "out.json"
    result = invoke(
        "--repo", sample, "export", name, "--ref", "HEAD", "--as-of", AS_OF_TEXT,
        "--output", target,
    )  # fmt: skip
    assert result.exit_code == 2, result.output
    assert "does not exist" in result.output
    assert not target.parent.exists()


@pytest.mark.parametrize("name", FORMATS)
def test_an_inventory_that_does_not_validate_is_not_exported(tmp_path: Path, name: str) -> None:
    root, _ = committed_sample(tmp_path)
    edit(root / "inventory/models/fraud-scoring.yaml", "lifecycle: production", "lifecycle: live")
    target = tmp_path / "out.json"
    result = invoke("--repo", root, "export", name, "--as-of", AS_OF_TEXT, "--output", target)
    assert result.exit_code == 2, result.output
    assert f"the {name} export was not written" in result.output
    assert "fraud-scoring.yaml" in result.output
    assert not target.exists()
