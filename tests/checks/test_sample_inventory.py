"""The sample inventory of this repository validates: the tool's own showcase has no problems."""

from __future__ import annotations

from support.cli import Invoke
from support.repos import REPO_ROOT


def test_sample_inventory_validates(run_cli: Invoke) -> None:
    # --no-cache: the test must not write a cache into the repository it reads
    result = run_cli("--repo", REPO_ROOT, "validate", "--no-cache", "--format", "text")
    assert result.stdout == ""
    assert result.exit_code == 0
    assert result.stderr.startswith("ok: ")
