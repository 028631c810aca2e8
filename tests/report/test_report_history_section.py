"""The report's history section, read back from the PDF: the change list and the
signature summary hold the commits that change governance content (the inventory, and a
runbook a model links to), not the tool and benchmark commits of the same repository,
and the section says which paths count."""

from __future__ import annotations

from pathlib import Path

from support.cli import Invoke
from support.git import commit_all, git
from support.pdf import flat, pdftotext, weasyprint_quiet


def test_latest_changes_list_only_governance_commits(
    gitrepo: Path, run_cli: Invoke, tmp_path: Path
) -> None:
    (gitrepo / "compliance_tool").mkdir()
    (gitrepo / "compliance_tool" / "cli.py").write_text("import click\n", encoding="utf-8")
    commit_all(gitrepo, "cli: drop an unused import")
    runbook = gitrepo / "runbooks" / "m1.md"
    runbook.write_text(runbook.read_text(encoding="utf-8") + "2. Page the owner.\n", "utf-8")
    commit_all(gitrepo, "m1 runbook: page the owner")
    (gitrepo / "benchmarks").mkdir()
    (gitrepo / "benchmarks" / "bench_validate.py").write_text("SIZES = (100,)\n", "utf-8")
    commit_all(gitrepo, "benchmarks: a folder per size")
    model = gitrepo / "inventory" / "models" / "m1.yaml"
    model.write_text(model.read_text("utf-8").replace("1.2.0", "1.3.0"), encoding="utf-8")
    commit_all(gitrepo, "m1 1.3.0")
    (gitrepo / "README.md").write_text("# Governance\n", encoding="utf-8")
    head = commit_all(gitrepo, "README: usage")

    pdf = tmp_path / "report.pdf"
    with weasyprint_quiet():
        result = run_cli(
            "--repo", gitrepo, "report", "--as-of", "2026-03-02", "--unsigned", "--output", pdf
        )
    assert result.exit_code == 0, result.output
    text = flat(pdftotext(pdf, "-layout"))
    start = text.index("Latest changes")
    section = text[start : text.index("Provenance", start)]
    assert (
        f"reported commit {head[:12]}: unsigned; 0 of the 3 commits shown below have a good "
        "signature." in section
    )
    assert (
        "Only commits that change inventory/, policies/, features/, schemas/, "
        "compliance-tool.yaml or the files the records link to (runbooks/) are listed and "
        "counted." in section
    )
    for listed in ("m1 1.3.0", "m1 runbook: page the owner", "minimal repository"):
        assert listed in section
    for left_out in ("cli: drop an unused import", "benchmarks: a folder per size", "README"):
        assert left_out not in section
    assert "shallow boundary" not in text  # a full clone's history is not cut


def test_a_report_made_in_a_shallow_clone_says_its_history_is_cut(
    gitrepo: Path, run_cli: Invoke, tmp_path: Path
) -> None:
    """CI checks out one commit by default: the section must not present the cut as the
    past (the full clone's report is covered above: it has no such sentence)."""
    model = gitrepo / "inventory" / "models" / "m1.yaml"
    model.write_text(model.read_text("utf-8").replace("1.2.0", "1.3.0"), encoding="utf-8")
    head = commit_all(gitrepo, "m1 1.3.0")
    git(tmp_path, "clone", "-q", "--depth=1", f"file://{gitrepo}", "ci")
    pdf = tmp_path / "report.pdf"
    with weasyprint_quiet():
        result = run_cli(
            "--repo", tmp_path / "ci", "report", "--as-of", "2026-03-02", "--unsigned",
            "--output", pdf,
        )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = flat(pdftotext(pdf, "-layout"))
    start = text.rindex("History and trend")  # the heading, after the contents
    section = text[start : text.index("Provenance", start)]
    assert (
        "The history is cut at the shallow boundary: the report was made in a shallow clone "
        f"whose history starts at commit {head[:12]} of "
    ) in section
    assert "so earlier commits and trend points are missing" in section
