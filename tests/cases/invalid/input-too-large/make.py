"""A valid governance file padded with comments to just above 1 MiB."""

from pathlib import Path

TEXT = """\
apiVersion: governance/v1
kind: Person
id: dkim
name: Dana Kim
affiliation:
  type: internal
  organisation: Example Bank
roles:
  - data-scientist
"""


def make(root: Path) -> None:
    data = TEXT.encode()
    padding = b"# " + b"x" * 97 + b"\n"
    while len(data) <= 1 << 20:
        data += padding
    (root / "inventory/people/dkim.yaml").write_bytes(data)
