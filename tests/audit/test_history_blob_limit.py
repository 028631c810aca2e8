"""History reads a record's old versions from git: a version above the size limit is
passed over, never held in memory, and the blobs read after it are read correctly."""

from __future__ import annotations

from pathlib import Path

from support.cli import Invoke
from support.git import commit_all, git

from compliance_tool.audit.history import BlobReader
from compliance_tool.repository.sources import open_repo
from compliance_tool.repository.yamlio import MAX_FILE_BYTES

MODEL = "inventory/models/m1.yaml"


def test_a_version_above_the_limit_is_passed_over(gitrepo: Path, run_cli: Invoke) -> None:
    first = git(gitrepo, "rev-parse", f"HEAD:{MODEL}").strip()
    path = gitrepo / MODEL
    original = path.read_bytes()
    path.write_bytes(original + b"# " + b"x" * MAX_FILE_BYTES + b"\n")
    commit_all(gitrepo, "m1 grows a long comment")
    huge = git(gitrepo, "rev-parse", f"HEAD:{MODEL}").strip()
    path.write_bytes(original)
    commit_all(gitrepo, "m1 without the comment")
    reader = BlobReader(open_repo(gitrepo))
    assert reader.data(huge) is None
    data = reader.data(first)  # the object after the one passed over, read whole
    assert data is not None and data["id"] == "m1" and data["risk"] == {"tier": "medium"}
    result = run_cli("--repo", gitrepo, "history", "models/m1")
    assert result.exit_code == 0, result.output
    assert "(3 commits)" in result.stdout
