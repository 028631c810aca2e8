"""The report and its manifest replace a link at their place: the rename that delivers
them replaces the link itself, and the file it pointed at keeps its bytes and mode."""

from __future__ import annotations

import stat
from pathlib import Path

from support.cli import process_env, run_tool
from support.git import commit_all, git
from support.repos import AS_OF_TEXT, write_minirepo


def test_an_output_that_is_a_link_is_replaced_and_its_target_untouched(tmp_path: Path) -> None:
    env = process_env(tmp_path / "home")
    root = write_minirepo(tmp_path / "repo")
    git(root, "init", "-q", env=env)
    commit_all(root, "minimal repository", env)
    outside = tmp_path / "etc"
    outside.mkdir()
    targets = {name: outside / name for name in ("passwd", "group")}
    for target in targets.values():
        target.write_bytes(b"root:x:0:0:root:/root:/bin/bash\n")
        target.chmod(0o644)
    out = tmp_path / "reports"
    out.mkdir()
    pdf, manifest = out / "x.pdf", out / "x.manifest.json"
    pdf.symlink_to(targets["passwd"])
    manifest.symlink_to(targets["group"])
    done = run_tool(
        env, "--repo", root, "report", "--as-of", AS_OF_TEXT, "--unsigned", "--output", pdf
    )
    assert done.returncode == 0, done.stderr
    assert not pdf.is_symlink() and pdf.read_bytes().startswith(b"%PDF-")
    assert not manifest.is_symlink() and manifest.read_bytes().startswith(b"{")
    for target in targets.values():
        assert target.read_bytes() == b"root:x:0:0:root:/root:/bin/bash\n"
        assert stat.S_IMODE(target.stat().st_mode) == 0o644
    assert sorted(p.name for p in out.iterdir()) == ["x.manifest.json", "x.pdf"]
