"""A governance file that is a symlink to a file outside the repository."""

from pathlib import Path

from support.repos import PERSON_DKIM

TEXT = PERSON_DKIM


def make(root: Path) -> None:
    (root.parent / "outside-person.yaml").write_text(TEXT, encoding="utf-8")
    (root / "inventory/people/dkim.yaml").symlink_to("../../../outside-person.yaml")
