"""`report` failures of its own (an output folder that cannot be made, a report path that
is a folder; tests/report/test_report_safety.py has --output inside a file) stop before
anything is rendered: exit 2, a message that says what, where and
how to fix it, no traceback, and no file written."""

from __future__ import annotations

from pathlib import Path

from support.cli import Invoke

from compliance_tool.errors import EXIT_USAGE


def _files(folder: Path) -> list[str]:
    return sorted(p.relative_to(folder).as_posix() for p in folder.rglob("*"))


def test_a_configured_output_dir_that_is_a_file(gitrepo: Path, run_cli: Invoke) -> None:
    (gitrepo / "compliance-tool.yaml").write_text(
        "report:\n  output_dir: archive/reports\n", encoding="utf-8"
    )
    (gitrepo / "archive").write_text("a file where the folder should be\n", encoding="utf-8")
    result = run_cli("--repo", gitrepo, "report", "--unsigned")
    assert result.exit_code == EXIT_USAGE
    assert "Traceback" not in result.output
    assert result.stderr.startswith(
        f"error: cannot create the report folder {gitrepo / 'archive/reports'}: "
        f"{gitrepo / 'archive'} is a file "
        "(move the file away, or set report.output_dir in compliance-tool.yaml or give --output)"
    )
    assert [p for p in _files(gitrepo) if p.endswith((".pdf", ".json"))] == []


def test_a_manifest_path_that_is_a_folder_delivers_nothing(
    gitrepo: Path, run_cli: Invoke, tmp_path: Path
) -> None:
    """A report without its manifest is not delivered: not even the PDF is written."""
    out = tmp_path / "out"
    (out / "r.manifest.json").mkdir(parents=True)
    result = run_cli("--repo", gitrepo, "report", "--unsigned", "--output", out / "r.pdf")
    assert result.exit_code == EXIT_USAGE
    assert result.stderr == (
        f"error: the report path {out / 'r.manifest.json'} is a folder "
        "(remove it, or give another --output)\n"
    )
    assert _files(out) == ["r.manifest.json"]
