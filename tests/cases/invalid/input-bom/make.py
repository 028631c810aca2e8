"""A valid governance file saved with a UTF-8 byte-order mark."""

from pathlib import Path

from support.repos import PERSON_DKIM

TEXT = PERSON_DKIM


def make(root: Path) -> None:
    (root / "inventory/people/dkim.yaml").write_bytes(b"\xef\xbb\xbf" + TEXT.encode())
