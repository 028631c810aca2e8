"""The cache module: a damaged, foreign or hostile cache file is a miss, never an error
and never a wrong answer; writes are atomic, also with two processes writing at once."""

from __future__ import annotations

import marshal
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from support.cli import Invoke
from support.repos import TIER_RULE

import compliance_tool.repository.cache as cache_module
from compliance_tool.repository.cache import CACHE_DIR, MAGIC, CacheFile, is_plain

REPO_ROOT = Path(__file__).resolve().parents[2]
KEY = "3f2a"
VALUE: dict[str, Any] = {
    "text": "café",
    "numbers": [1, -2, 3.5, 2**70],
    "flags": (True, False, None),
    "raw": b"\x00\xff",
    "nested": {"a": [{"b": ("c", frozenset({"d"}), {"e"})}]},
}


@pytest.fixture
def entry(tmp_path: Path) -> CacheFile:
    return CacheFile(tmp_path / CACHE_DIR, "things", 1)


def test_round_trip(entry: CacheFile) -> None:
    assert entry.load(KEY) is None  # nothing saved yet
    entry.save(KEY, VALUE)
    assert entry.path.is_file()
    assert entry.load(KEY) == VALUE
    entry.save(KEY, [1, 2])
    assert entry.load(KEY) == [1, 2]  # replaced
    assert sorted(p.name for p in entry.folder.iterdir()) == [".gitignore", "things.marshal"]
    assert (entry.folder / ".gitignore").read_text(encoding="utf-8") == "*\n"


def test_another_key_is_a_miss(entry: CacheFile) -> None:
    entry.save(KEY, VALUE)
    assert entry.load("another") is None
    assert entry.load(KEY) == VALUE


def test_damaged_files_are_misses(entry: CacheFile) -> None:
    entry.save(KEY, VALUE)
    whole = entry.path.read_bytes()
    damaged = [whole[:cut] for cut in range(0, len(whole), 7)]  # truncated anywhere
    damaged += [
        whole[:-1],
        b"not a marshal file",
        os.urandom(4096),
        bytes(len(whole)),
        whole[:10] + bytes([whole[10] ^ 0xFF]) + whole[11:],
        marshal.dumps(VALUE),  # plain data without the stamp
        marshal.dumps(((2, "0.1.0", "digest"), VALUE)),  # the layout before this module
        marshal.dumps((MAGIC, "things", 1, cache_module.__version__, KEY)),  # no value
        marshal.dumps([MAGIC, "things", 1, cache_module.__version__, KEY, VALUE]),
    ]
    for data in damaged:
        entry.path.write_bytes(data)
        assert entry.load(KEY) is None, data[:40]


def test_other_versions_are_misses(entry: CacheFile, monkeypatch: pytest.MonkeyPatch) -> None:
    entry.save(KEY, VALUE)
    assert CacheFile(entry.folder, "things", 2).load(KEY) is None  # another layout
    (entry.folder / "other.marshal").write_bytes(entry.path.read_bytes())
    assert CacheFile(entry.folder, "other", 1).load(KEY) is None  # another cache's file
    monkeypatch.setattr(cache_module, "__version__", "99.0.0")
    assert entry.load(KEY) is None  # written by another version of the tool
    entry.save(KEY, [3])
    assert entry.load(KEY) == [3]


def _stamped(entry: CacheFile, value: Any) -> bytes:
    """A file of ``entry``'s exact stamp and key holding ``value``, written by hand."""
    stamp = entry.stamp(KEY)
    assert stamp is not None
    return marshal.dumps((*stamp, value))


def test_code_objects_are_refused(entry: CacheFile) -> None:
    code = compile("import os; os.system('echo hello')", "<cache>", "exec")
    assert marshal.loads(marshal.dumps(code)) == code  # marshal itself would load it
    for hostile in (
        code,
        [1, 2, code],
        {"data": ({"deep": [code]},)},
        {code: 1},
        frozenset({code}),
        {"ok": 1, "ellipsis": ...},
        [1j],
        StopIteration,
    ):
        entry.path.parent.mkdir(exist_ok=True)
        entry.path.write_bytes(_stamped(entry, hostile))
        assert entry.load(KEY) is None, hostile
    entry.path.write_bytes(_stamped(entry, VALUE))
    assert entry.load(KEY) == VALUE  # the same file with plain data is read


def test_is_plain() -> None:
    assert is_plain(VALUE)
    assert is_plain(None)
    assert is_plain([[[[]]]])
    assert not is_plain([object()])
    assert not is_plain({"a": [(1, compile("1", "<x>", "eval"))]})


def test_not_a_regular_file_is_a_miss(entry: CacheFile, tmp_path: Path) -> None:
    entry.save(KEY, VALUE)
    saved = tmp_path / "saved.marshal"
    entry.path.replace(saved)
    entry.path.symlink_to(saved)  # a link, even to a good file, is not followed
    assert entry.load(KEY) is None
    entry.path.unlink()
    os.mkfifo(entry.path)  # a named pipe nobody writes to: no waiting
    started = time.monotonic()
    assert entry.load(KEY) is None
    assert time.monotonic() - started < 5
    entry.path.unlink()
    entry.path.mkdir()
    assert entry.load(KEY) is None
    assert entry.size() == entry.path.stat().st_size  # a folder's size, no error


def test_unwritable_places_are_skipped_silently(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("in the way", encoding="utf-8")
    under_a_file = CacheFile(blocker / CACHE_DIR, "things", 1)
    under_a_file.save(KEY, VALUE)  # the folder cannot be created
    assert under_a_file.load(KEY) is None
    assert under_a_file.size() == 0

    folder = tmp_path / CACHE_DIR
    taken = CacheFile(folder, "things", 1)
    taken.path.mkdir(parents=True)  # the entry's name is taken by a folder
    taken.save(KEY, VALUE)
    assert taken.load(KEY) is None
    assert sorted(p.name for p in folder.iterdir()) == [".gitignore", "things.marshal"]


@pytest.mark.skipif(os.geteuid() == 0, reason="root may write into a read-only folder")
def test_a_read_only_folder_is_skipped_silently(tmp_path: Path) -> None:
    folder = tmp_path / CACHE_DIR
    folder.mkdir()
    folder.chmod(0o500)
    try:
        entry = CacheFile(folder, "things", 1)
        entry.save(KEY, VALUE)
        assert entry.load(KEY) is None
    finally:
        folder.chmod(0o700)


def test_the_gitignore_is_not_written_through_a_link(tmp_path: Path) -> None:
    folder = tmp_path / CACHE_DIR
    folder.mkdir()
    target = tmp_path / "elsewhere"
    (folder / ".gitignore").symlink_to(target)
    entry = CacheFile(folder, "things", 1)
    entry.save(KEY, VALUE)
    assert not target.exists()
    assert entry.load(KEY) == VALUE


WRITER = """
import sys
from pathlib import Path
from compliance_tool.repository.cache import CacheFile

folder, writer, count = Path(sys.argv[1]), sys.argv[2], int(sys.argv[3])
entry = CacheFile(folder, "shared", 1)
print("ready", flush=True)
sys.stdin.readline()
for i in range(count):
    entry.save("key", (writer, i, [f"{writer}-{i}-{k}" for k in range(5000)]))
"""


def _consistent(value: Any) -> bool:
    writer, i, items = value
    return items == [f"{writer}-{i}-{k}" for k in range(5000)]


def test_two_processes_saving_at_once_leave_a_whole_file(tmp_path: Path) -> None:
    folder = tmp_path / CACHE_DIR
    count = 150
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO_ROOT), *sys.path])}
    writers = [
        subprocess.Popen(
            [sys.executable, "-c", WRITER, str(folder), name, str(count)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            env=env,
        )
        for name in ("first", "second")
    ]
    try:
        for process in writers:
            assert process.stdout is not None and process.stdout.readline() == "ready\n"
        for process in writers:  # start both writers together
            assert process.stdin is not None
            process.stdin.write("go\n")
            process.stdin.flush()
        entry = CacheFile(folder, "shared", 1)
        seen = set()
        while any(process.poll() is None for process in writers):
            value = entry.load("key")
            if value is not None:
                assert _consistent(value)  # never a mix of two writes, never half a file
                seen.add(value[0])
            elif seen:
                pytest.fail("the entry went missing once written")
    finally:
        codes = [process.communicate()[0] and process.returncode for process in writers]
    assert [process.returncode for process in writers] == [0, 0], codes
    final = entry.load("key")
    assert final is not None and _consistent(final)
    assert final[1] == count - 1  # the last save of one of the two
    assert sorted(p.name for p in folder.iterdir()) == [".gitignore", "shared.marshal"]


# -- through the CLI: a damaged cache answers like no cache -----------------------------


DATE = ("--as-of", "2026-11-26")


def _answers(run_cli: Invoke, root: Path, *flags: str) -> list[tuple[int, str]]:
    runs: list[Result] = [
        run_cli("--repo", root, "validate", "--format", "json", *flags),
        run_cli("--repo", root, "check", *DATE, "--format", "json", *flags),
    ]
    return [(run.exit_code, run.stdout) for run in runs]


def _damages(data: bytes) -> dict[str, bytes]:
    """Ways to damage one cache file, the last two keeping its exact stamp and key."""
    stored = marshal.loads(data)
    stamp, value = stored[:5], stored[5]
    code = compile("raise SystemExit(0)", "<cache>", "exec")
    return {
        "truncated": data[: len(data) // 2],
        "code objects": marshal.dumps((*stamp, _poison(value, code))),
        "wrong shape": marshal.dumps((*stamp, _reshape(value))),
    }


def _poison(value: Any, code: Any) -> Any:
    """``value`` with the first leaf of each entry, however deep, replaced by ``code``."""
    if isinstance(value, dict) and value:
        return {key: _poison(item, code) for key, item in value.items()}
    if isinstance(value, list | tuple) and value:
        return type(value)([_poison(value[0], code), *value[1:]])
    return code


def _reshape(value: Any) -> Any:
    """Plain data of another shape than what was saved: each entry cut short."""
    if isinstance(value, dict):
        return {key: ("x",) for key in value}
    if isinstance(value, list | tuple):
        return type(value)([("x",)] * len(value))
    return ["x"]


@pytest.mark.parametrize("broken", [False, True], ids=["valid", "invalid"])
def test_a_damaged_cache_answers_like_no_cache(
    minirepo: Path, run_cli: Invoke, broken: bool
) -> None:
    (minirepo / "policies/rules/tier-high.yaml").write_text(TIER_RULE, encoding="utf-8")
    if broken:
        model = minirepo / "inventory/models/m1.yaml"
        model.write_text(
            model.read_text(encoding="utf-8").replace("owner: asmith", "owner: asmth"),
            encoding="utf-8",
        )
    expected = _answers(run_cli, minirepo, "--no-cache")
    assert [code for code, _ in expected] == ([1, 2] if broken else [0, 1])
    assert not (minirepo / CACHE_DIR).exists()
    assert _answers(run_cli, minirepo) == expected  # fills the caches
    folder = minirepo / CACHE_DIR
    names = sorted(p.name for p in folder.glob("*.marshal"))
    assert names == (
        ["parse.marshal", "validation.marshal"]
        if broken
        else ["check.marshal", "parse.marshal", "rules.marshal", "validation.marshal"]
    )
    assert _answers(run_cli, minirepo) == expected  # from the caches
    pristine = {name: (folder / name).read_bytes() for name in names}
    for name, data in pristine.items():
        for how, damaged in _damages(data).items():
            for other, saved in pristine.items():
                (folder / other).write_bytes(saved)
            for other in SHADOWS.get(name, ()):
                (folder / other).unlink(missing_ok=True)
            (folder / name).write_bytes(damaged)
            assert _answers(run_cli, minirepo) == expected, (name, how)


SHADOWS = {
    "parse.marshal": ("validation.marshal", "check.marshal"),
    "rules.marshal": ("check.marshal",),
}
"""The memos that, when they answer, mean a cache file is not read at all: removed so that
the damaged file is really consulted."""


def test_fits() -> None:
    from compliance_tool.repository.cache import ANY, JSON, Many, MapOf, OneOf, fits

    record = (str, int, Many((str, int), tuple), OneOf((str, type(None))))
    assert fits(("a", 1, (("b", 2),), None), record)
    assert fits(("a", 1, (), "c"), record)
    for wrong in (
        ("a", True, (), None),  # a boolean is not an int
        ("a", 1, [("b", 2)], None),  # a list is not a tuple
        ("a", 1, (("b", 2, 3),), None),  # an item too many
        ("a", 1, (), None, "extra"),
        ["a", 1, (), None],
        None,
    ):
        assert not fits(wrong, record), wrong
    assert fits({"k": [1, b"x"]}, MapOf(str, ANY))
    assert not fits({1: [1]}, MapOf(str, ANY))
    assert fits({"a": [1, 2.5, None, True, {"b": "c"}]}, JSON)
    for wrong in ({1: "a"}, {"a": (1,)}, {"a": b"x"}, {"a": {frozenset()}}):
        assert not fits(wrong, JSON), wrong


def test_an_entry_made_by_another_user_or_machine_is_a_miss(
    entry: CacheFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    entry.save(KEY, VALUE)
    assert entry.load(KEY) == VALUE
    secret = cache_module.secret_path()
    assert secret.is_file() and secret.stat().st_mode & 0o777 == 0o600
    assert secret.parent.stat().st_mode & 0o777 == 0o700
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "elsewhere"))  # another user's secret
    assert entry.load(KEY) is None  # the same file, the same key: made elsewhere
    entry.save(KEY, [1])
    assert entry.load(KEY) == [1]


def test_the_secret_is_never_read_or_written_through_a_link(
    entry: CacheFile, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "home-cache"))
    secret = cache_module.secret_path()
    secret.parent.mkdir(parents=True)
    target = tmp_path / "target"
    target.write_bytes(bytes(32))  # a secret anyone can know
    secret.symlink_to(target)
    entry.save(KEY, VALUE)
    assert entry.load(KEY) is None  # no secret: nothing written, nothing read
    assert not entry.path.exists()
    assert target.read_bytes() == bytes(32)
    warning = cache_module.distrust(entry.folder)
    assert warning is not None and f"{secret} is not a 32-byte regular file" in warning
