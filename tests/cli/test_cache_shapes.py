"""Cache entries of the wrong shape: valid marshal data with the exact stamp and key of
each cache file, but a value of another structure anywhere in it, answer like no cache
(never exit 3): every reader checks the shape of what it loaded."""

from __future__ import annotations

import marshal
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from support.cli import Invoke
from support.repos import TIER_RULE, edit

from compliance_tool.repository.cache import CACHE_DIR

DATE = ("--as-of", "2026-11-26")

SHADOWS = {
    "parse.marshal": ("validation.marshal", "check.marshal"),
    "rules.marshal": ("check.marshal",),
}
"""The memos that, when they answer, mean a cache file is not read: removed so that the
reshaped file is really consulted."""

Step = tuple[str, Any]
"""One step into a value: ("key", a dict key) or ("item", an index)."""


def _answers(run_cli: Invoke, root: Path, *flags: str) -> list[tuple[int, str]]:
    runs: list[Result] = [
        run_cli("--repo", root, "validate", "--format", "json", *flags),
        run_cli("--repo", root, "check", *DATE, "--format", "json", *flags),
    ]
    return [(run.exit_code, run.stdout) for run in runs]


def _places(value: Any, at: tuple[Step, ...] = ()) -> Iterator[tuple[Step, ...]]:
    """Every place in ``value`` worth reshaping: the value itself, the first entry of each
    dict, and the first items of each list or tuple (all the fields of a record tuple)."""
    yield at
    if isinstance(value, dict) and value:
        key = next(iter(value))
        yield from _places(value[key], (*at, ("key", key)))
    elif isinstance(value, list | tuple):
        for index, item in enumerate(value[:10]):
            yield from _places(item, (*at, ("item", index)))


def _get(value: Any, at: tuple[Step, ...]) -> Any:
    for _, step in at:
        value = value[step]
    return value


def _put(value: Any, at: tuple[Step, ...], new: Any) -> Any:
    if not at:
        return new
    (_, step), rest = at[0], at[1:]
    if isinstance(value, dict):
        return {**value, step: _put(value[step], rest, new)}
    items = list(value)
    items[step] = _put(items[step], rest, new)
    return type(value)(items)


def _wrong(node: Any) -> Iterator[Any]:
    """Values no cache ever holds where ``node`` is: types no entry uses anywhere, and
    for a list or tuple, the other sequence type and one item too many."""
    yield b"bytes"
    yield frozenset({1})
    yield {1: "a number as key"}
    if isinstance(node, list | tuple):
        yield (tuple if isinstance(node, list) else list)(node)
        yield type(node)([*node, b"one item too many"])


def _reshaped(data: bytes) -> Iterator[tuple[str, bytes]]:
    """The file ``data`` with each wrong value in each place, under its own stamp."""
    stored = marshal.loads(data)
    stamp, value = stored[:5], stored[5]
    for at in _places(value):
        for wrong in _wrong(_get(value, at)):
            yield f"{at} = {wrong!r}", marshal.dumps((*stamp, _put(value, at, wrong)))


@pytest.mark.parametrize("broken", [False, True], ids=["valid", "invalid"])
def test_a_cache_entry_of_the_wrong_shape_answers_like_no_cache(
    minirepo: Path, run_cli: Invoke, broken: bool
) -> None:
    (minirepo / "policies/rules/tier-high.yaml").write_text(TIER_RULE, encoding="utf-8")
    if broken:
        edit(minirepo / "inventory/models/m1.yaml", "owner: asmith", "owner: asmth")
    expected = _answers(run_cli, minirepo, "--no-cache")
    assert [code for code, _ in expected] == ([1, 2] if broken else [0, 1])
    assert _answers(run_cli, minirepo) == expected  # fills the caches
    folder = minirepo / CACHE_DIR
    pristine = {p.name: p.read_bytes() for p in sorted(folder.glob("*.marshal"))}
    assert len(pristine) == (2 if broken else 4)
    tried = 0
    for name, data in pristine.items():
        for how, reshaped in _reshaped(data):
            for other, saved in pristine.items():
                (folder / other).write_bytes(saved)
            for other in SHADOWS.get(name, ()):
                (folder / other).unlink(missing_ok=True)
            (folder / name).write_bytes(reshaped)
            assert _answers(run_cli, minirepo) == expected, (name, how)
            tried += 1
    assert tried > (60 if broken else 150)
