"""Every source answers the same questions the same way: which file a user means by a
name (``locate``) and which documents lie at or below a path (``documents``), so that the
scenario runner and the step library never ask which kind of source they hold."""

from __future__ import annotations

from pathlib import Path

import pytest
from support.git import commit_all, git

from compliance_tool.repository.sources import GitSource, MemorySource, Source, WorktreeSource

FILES = {
    "features/a.feature": b"Feature: A\n",
    "features/sub/b.feature": b"Feature: B\n",
    "features/notes.md": b"# notes\n",
    "runbooks/m1.md": b"# m1\n",
}
LINK = "features/link.feature"
"""A symlink to features/a.feature: left out, as a commit's tree holds it."""


@pytest.fixture
def committed(gitrepo: Path) -> Path:
    for path, data in FILES.items():
        (gitrepo / path).parent.mkdir(parents=True, exist_ok=True)
        (gitrepo / path).write_bytes(data)
    (gitrepo / LINK).symlink_to("a.feature")
    commit_all(gitrepo, "features")
    assert git(gitrepo, "ls-tree", "HEAD", LINK).startswith("120000 ")
    return gitrepo


@pytest.fixture(params=["worktree", "commit", "memory"])
def source(request: pytest.FixtureRequest, committed: Path) -> Source:
    if request.param == "worktree":
        return WorktreeSource(committed.resolve())
    if request.param == "commit":
        return GitSource.open(committed.resolve(), "HEAD")
    return MemorySource(dict(FILES))


def test_documents_below_a_folder(source: Source) -> None:
    assert source.documents("features", ".feature") == {
        "features/a.feature": b"Feature: A\n",
        "features/sub/b.feature": b"Feature: B\n",
    }
    assert source.documents("runbooks") == {"runbooks/m1.md": b"# m1\n"}


def test_a_named_file_whatever_its_name(source: Source) -> None:
    assert source.documents("features/notes.md", ".feature") == {"features/notes.md": b"# notes\n"}


def test_nothing_at_a_path_is_none_and_an_empty_answer_is_not(source: Source) -> None:
    assert source.documents("evidence") is None
    assert source.documents("features/sub", ".md") == {}


def test_a_symlink_is_no_document(committed: Path) -> None:
    for source in (WorktreeSource(committed.resolve()), GitSource.open(committed, "HEAD")):
        assert source.documents(LINK) == {}, source.label


def test_a_commit_locates_repository_paths(committed: Path) -> None:
    source = GitSource.open(committed, "HEAD")
    assert source.locate("/features/sub/") == "features/sub"
    assert source.locate("features/./a.feature") == "features/a.feature"


def test_the_working_tree_locates_paths_on_disk(
    committed: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = WorktreeSource(committed.resolve())
    monkeypatch.chdir(committed / "features")
    assert source.locate("sub") == "features/sub"
    assert source.locate(str(committed / "runbooks" / "m1.md")) == "runbooks/m1.md"
    elsewhere = tmp_path / "elsewhere.feature"
    elsewhere.write_bytes(b"Feature: Elsewhere\n")
    shown = source.locate(str(elsewhere))
    assert shown == elsewhere.resolve().as_posix()
    assert source.documents(shown, ".feature") == {shown: b"Feature: Elsewhere\n"}
