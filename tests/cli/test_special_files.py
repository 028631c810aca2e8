"""Files that are not what a governance file should be, under inventory/: a huge sparse
file and a named pipe. Each is a finding at its path, found without reading it, so
``validate`` neither runs out of memory nor waits forever. The tool runs in its own
process, with a timeout, and the memory it used is that process's own peak.

The peak is read from ``/proc/self/status`` (``VmHWM``) as the tool exits: unlike a child's
``ru_maxrss``, which keeps the high-water mark of the forking parent (a test process
holding a few hundred MB), it counts only what the tool itself touched after ``exec``."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from support.cli import TOOL, process_env

SPARSE_BYTES = 2_500 * 1024 * 1024
"""2.5 GB that take no disk space: a file made by ``truncate``, read as zeros."""

MEMORY_LIMIT = 200 * 1024 * 1024
"""What ``validate`` may use, in bytes, on a repository holding the sparse file."""

MEASURED_TOOL = """
import atexit, sys
from compliance_tool.cli import main
peak_file = sys.argv.pop(1)
def record_peak():
    for line in open("/proc/self/status", encoding="ascii"):
        if line.startswith("VmHWM:"):
            open(peak_file, "w", encoding="ascii").write(line.split()[1])
atexit.register(record_peak)
sys.argv[0] = "compliance-tool"
main()
"""
"""The tool, run by the test's Python, writing its peak resident memory (kB) to argv[1]."""


def run_measured(root: Path, env: dict[str, str], *args: str, timeout: float = 60) -> Measured:
    """``compliance-tool --repo ROOT ARGS...`` in its own process, with its peak resident
    memory (``VmHWM`` as it exits). The process is killed and the test fails when it runs
    past ``timeout`` seconds."""
    peak_file = root.parent / "peak-kb.txt"
    with (
        open(root.parent / "stdout.txt", "w+", encoding="utf-8") as stdout,
        open(root.parent / "stderr.txt", "w+", encoding="utf-8") as stderr,
    ):
        process = subprocess.Popen(
            [sys.executable, "-c", MEASURED_TOOL, str(peak_file), "--repo", str(root), *args],
            env=env,
            stdout=stdout,
            stderr=stderr,
        )
        deadline = time.monotonic() + timeout
        while True:
            pid, status, _usage = os.wait4(process.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                process.kill()
                os.wait4(process.pid, 0)
                raise AssertionError(f"compliance-tool {' '.join(args)} ran past {timeout} s")
            time.sleep(0.05)
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here, not by Popen
        stdout.seek(0)
        stderr.seek(0)
        peak = int(peak_file.read_text("ascii")) * 1024
        return Measured(process.returncode, stdout.read(), stderr.read(), peak)


@dataclass(frozen=True, slots=True)
class Measured:
    """What a run of the tool said and the most memory it held."""

    returncode: int
    stdout: str
    stderr: str
    peak: int
    """Peak resident memory in bytes."""


def test_a_huge_sparse_file_is_refused_unread(minirepo: Path, tmp_path: Path) -> None:
    huge = minirepo / "inventory" / "models" / "huge.yaml"
    huge.touch()
    os.truncate(huge, SPARSE_BYTES)
    done = run_measured(minirepo, process_env(tmp_path / "home"), "validate")
    assert done.returncode == 1, done.stderr
    assert done.peak < MEMORY_LIMIT, f"validate used {done.peak / 2**20:.0f} MiB"
    assert done.stdout == (
        "inventory/models/huge.yaml:1:1: file: file is 2,621,440,000 bytes, above the "
        "1,048,576-byte limit (split it: one entity per file)\n"
    )


def test_a_named_pipe_is_a_finding_not_a_wait(minirepo: Path, tmp_path: Path) -> None:
    os.mkfifo(minirepo / "inventory" / "models" / "pipe.yaml")  # nobody ever writes to it
    env = process_env(tmp_path / "home")
    for args in (("validate",), ("validate", "--no-cache")):
        done = subprocess.run(
            [str(TOOL), "--repo", str(minirepo), *args],
            env=env,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        assert done.returncode == 1, done.stderr
        assert (
            "inventory/models/pipe.yaml:1:1: file: file is not a regular file (a named pipe)"
        ) in done.stdout
