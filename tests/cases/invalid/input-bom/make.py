"""A valid governance file saved with a UTF-8 byte-order mark."""

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
    (root / "inventory/people/dkim.yaml").write_bytes(b"\xef\xbb\xbf" + TEXT.encode())
