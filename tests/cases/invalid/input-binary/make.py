"""A governance file holding binary data (NUL bytes)."""

from pathlib import Path


def make(root: Path) -> None:
    data = b"apiVersion: governance/v1\nkind: Person\nid: dkim\n\x00\x01\x02\xff\n"
    (root / "inventory/people/dkim.yaml").write_bytes(data)
