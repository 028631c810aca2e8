"""A governance file saved as Latin-1 (the e-acute of the name is byte 0xe9)."""

from pathlib import Path

TEXT = """\
apiVersion: governance/v1
kind: Person
id: dkim
name: Dana Kim-Jos\u00e9
affiliation:
  type: internal
  organisation: Example Bank
roles:
  - data-scientist
"""


def make(root: Path) -> None:
    (root / "inventory/people/dkim.yaml").write_bytes(TEXT.encode("latin-1"))
