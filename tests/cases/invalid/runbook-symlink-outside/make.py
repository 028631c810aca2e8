"""Replace runbooks/m1.md with a symlink to a file outside the repository."""

from pathlib import Path


def make(root: Path) -> None:
    outside = root.parent / "outside-runbook.md"
    outside.write_text("# not ours\n", encoding="utf-8")
    link = root / "runbooks" / "m1.md"
    link.unlink()
    link.symlink_to("../../outside-runbook.md")
