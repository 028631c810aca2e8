"""A "billion laughs" file: nine levels of ten aliases each (10**9 values when expanded).

Written here rather than stored in the case folder, so that no other YAML tool scanning the
repository (an editor, a linter) ever expands it.
"""

from pathlib import Path

HEAD = """\
apiVersion: governance/v1
kind: Person
id: dkim
name: Dana Kim
a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]
"""


def make(root: Path) -> None:
    lines = [HEAD]
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [{', '.join(['*' + previous] * 10)}]\n")
    (root / "inventory/people/dkim.yaml").write_text("".join(lines), encoding="utf-8")
