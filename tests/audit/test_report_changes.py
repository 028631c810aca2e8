"""The report's change list: only commits that change governance content (inventory,
policies, features, schemas, compliance-tool.yaml and the files the records link to) are
listed, and only they are counted in the signature summary; tool and benchmark commits in
the same repository are not portfolio history."""

from __future__ import annotations

import datetime as dt
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from support.git import ALICE, Script
from support.repos import write_minirepo

from compliance_tool.audit.history import report_history

AS_OF = dt.date(2026, 3, 31)


@pytest.fixture
def mixed(tmp_path: Path, git_env: None) -> tuple[Path, dict[str, str], dict[str, Any]]:
    """Governance and tool commits interleaved; the tool and benchmark commits and the
    runbook commit are signed with a key the configuration allows, so a good signature
    would be counted if the commit were listed. HEAD is a tool commit.

    Returns (root, commits by name, the configuration to read history with)."""
    keygen = shutil.which("ssh-keygen")
    if keygen is None:
        pytest.fail("ssh-keygen is missing: install openssh-client (scripts/bootstrap does)")
    key = tmp_path / "keys" / "alice"
    key.parent.mkdir()
    subprocess.run(
        [keygen, "-q", "-t", "ed25519", "-N", "", "-C", "alice", "-f", str(key)],
        check=True,
        capture_output=True,
    )
    algorithm, public = key.with_suffix(".pub").read_text(encoding="utf-8").split()[:2]
    allowed = tmp_path / "keys" / "allowed_signers"
    allowed.write_text(f"{ALICE[1]} {algorithm} {public}\n", encoding="utf-8")
    root = tmp_path / "repo"
    script = Script.minimal(root)
    commits = {"minimal": script.commit("Minimal repository", "2026-03-01T09:00:00+00:00")}
    script.write("compliance_tool/cli.py", "import click\n")
    commits["tool"] = script.commit(
        "cli: drop an unused import", "2026-03-02T09:00:00+00:00", signing_key=key
    )
    script.edit("runbooks/m1.md", "1. Roll back.\n", "1. Roll back.\n2. Page the owner.\n")
    commits["runbook"] = script.commit(
        "m1 runbook: page the owner", "2026-03-03T09:00:00+00:00", signing_key=key
    )
    script.write("benchmarks/bench_validate.py", "SIZES = (100, 1000)\n")
    commits["benchmark"] = script.commit(
        "benchmarks: a folder per size", "2026-03-04T09:00:00+00:00", signing_key=key
    )
    script.edit("inventory/models/m1.yaml", "version: 1.2.0", "version: 1.3.0")
    commits["model"] = script.commit("m1 1.3.0", "2026-03-05T09:00:00+00:00")
    script.write("compliance-tool.yaml", "organisation: Example Bank\n")
    commits["config"] = script.commit("Name the organisation", "2026-03-06T09:00:00+00:00")
    script.write("README.md", "# Governance\n")
    commits["readme"] = script.commit("README: usage", "2026-03-07T09:00:00+00:00")
    return root, commits, {"history": {"allowed_signers": str(allowed)}}


def test_tool_commits_are_neither_listed_nor_counted(
    mixed: tuple[Path, dict[str, str], dict[str, Any]], tmp_path: Path
) -> None:
    root, commits, config = mixed
    history = report_history(root, commits["readme"], AS_OF, config, tmp_path / "reports")
    listed = [r["commit"] for r in history["revisions"]]
    assert listed == [commits["config"], commits["model"], commits["minimal"]]
    assert history["signed_summary"] == (
        f"reported commit {commits['readme'][:12]}: unsigned; "
        "0 of the 3 commits shown below have a good signature"
    )
    assert history["scope"] == (
        "Only commits that change inventory/, policies/, features/, schemas/ or "
        "compliance-tool.yaml are listed and counted."
    )


def test_commits_to_linked_files_count(
    mixed: tuple[Path, dict[str, str], dict[str, Any]], tmp_path: Path
) -> None:
    from compliance_tool.audit.history import governance_scope

    root, commits, config = mixed
    scope = governance_scope(["runbooks/m1.md"])
    history = report_history(
        root, commits["readme"], AS_OF, config, tmp_path / "reports", scope=scope
    )
    listed = [r["summary"] for r in history["revisions"]]
    assert listed == [
        "Name the organisation",
        "m1 1.3.0",
        "m1 runbook: page the owner",
        "Minimal repository",
    ]
    assert history["signed_summary"].endswith(
        "1 of the 4 commits shown below have a good signature"
    )
    assert history["paths"][-1] == "runbooks/"
    assert history["scope"].endswith(
        "compliance-tool.yaml or the files the records link to (runbooks/) are listed and counted."
    )


def test_since_the_previous_report_only_governance_commits_count(
    mixed: tuple[Path, dict[str, str], dict[str, Any]], tmp_path: Path
) -> None:
    from compliance_tool.audit.history import governance_scope

    root, commits, config = mixed
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "earlier.manifest.json").write_text(
        f'{{"commit": "{commits["tool"]}", "as_of": "2026-03-02"}}', encoding="utf-8"
    )
    scope = governance_scope(["runbooks/m1.md"])
    history = report_history(root, commits["readme"], AS_OF, config, reports, scope=scope)
    assert history["previous"] == commits["tool"]
    assert [r["commit"] for r in history["revisions"]] == [
        commits["config"],
        commits["model"],
        commits["runbook"],
    ]
    assert history["signed_summary"].endswith(
        "1 of the 3 commits since the previous report have a good signature"
    )


def test_a_governance_root_in_a_subfolder(tmp_path: Path, git_env: None) -> None:
    """With the governance files in governance/ of a larger repository, a change to
    inventory/ at the top of that repository is not a governance change."""
    top = tmp_path / "mono"
    write_minirepo(top / "governance")
    outer = Script(top)
    outer.git("init", "-q")
    first = outer.commit("Governance files", "2026-03-01T09:00:00+00:00")
    outer.write("inventory/notes.txt", "not the governance inventory\n")
    outer.write("service/app.py", "print('hi')\n")
    outer.commit("service: notes", "2026-03-02T09:00:00+00:00")
    outer.edit("governance/inventory/models/m1.yaml", "version: 1.2.0", "version: 1.3.0")
    third = outer.commit("m1 1.3.0", "2026-03-03T09:00:00+00:00")
    history = report_history(top / "governance", third, AS_OF, {}, tmp_path / "reports")
    assert [r["commit"] for r in history["revisions"]] == [third, first]


def test_the_scope_names_each_linked_folder_once() -> None:
    from compliance_tool.audit.history import governance_scope

    scope = governance_scope(
        [
            "runbooks/b.md",
            "runbooks/a.md",
            "evidence/dpia/DPIA-1.md",
            "evidence/dpia/old/DPIA-0.md",
            "inventory/attachments/card.md",  # inside inventory/ already
            "contract.odcs.yaml",  # a file at the root
            "../outside.md",
            "/etc/passwd",
        ]
    )
    assert scope.linked == ("contract.odcs.yaml", "evidence/dpia/", "runbooks/")
    assert scope.paths == (
        "inventory/",
        "policies/",
        "features/",
        "schemas/",
        "compliance-tool.yaml",
        *scope.linked,
    )
    assert scope.pathspecs("governance/")[0] == ":(top,literal)governance/inventory"
