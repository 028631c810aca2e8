"""A governance file saved as Latin-1 (the e-acute of the name is byte 0xe9)."""

from pathlib import Path

from support.repos import PERSON_DKIM

TEXT = PERSON_DKIM.replace("name: Dana Kim\n", "name: Dana Kim-Jos\u00e9\n")


def make(root: Path) -> None:
    (root / "inventory/people/dkim.yaml").write_bytes(TEXT.encode("latin-1"))
