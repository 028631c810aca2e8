"""A governance file that is a symlink to a file outside the repository."""

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
    (root.parent / "outside-person.yaml").write_text(TEXT, encoding="utf-8")
    (root / "inventory/people/dkim.yaml").symlink_to("../../../outside-person.yaml")
