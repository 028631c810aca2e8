"""A valid governance file padded with comments to just above 1 MiB."""

from pathlib import Path

from support.repos import PERSON_DKIM

TEXT = PERSON_DKIM


def make(root: Path) -> None:
    data = TEXT.encode()
    padding = b"# " + b"x" * 97 + b"\n"
    while len(data) <= 1 << 20:
        data += padding
    (root / "inventory/people/dkim.yaml").write_bytes(data)
