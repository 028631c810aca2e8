"""`history FOLDER/ID` on a scripted history: exactly the commits that changed the record,
newest first, with author, date, change type and field changes; the move into a
subfolder followed; --since/--until; commit signatures (SSH) as git verifies them."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from support.cli import Invoke
from support.git import ALICE, BOB, Script
from support.repos import development_model

M10 = development_model("m10", "Tenth model")


def build(root: Path, signing_key: Path | None = None) -> dict[str, str]:
    """m1 is added, modified, left alone (another model and a person change), moved into
    inventory/models/scoring/, modified there (signed with ``signing_key`` if given) and
    removed. Returns the commits by name."""
    script = Script.minimal(root)
    commits = {"added": script.commit("Minimal repository", "2026-01-10T09:00:00+00:00")}
    script.edit("inventory/models/m1.yaml", "version: 1.2.0", "version: 1.3.0")
    commits["version"] = script.commit("m1 1.3.0", "2026-02-10T09:00:00+00:00", BOB)
    script.write("inventory/models/m10.yaml", M10)
    script.edit("inventory/people/asmith.yaml", "last: 2026-10-02", "last: 2026-10-03")
    commits["unrelated"] = script.commit("m10; access review", "2026-02-20T09:00:00+00:00")
    script.move("inventory/models/m1.yaml", "inventory/models/scoring/m1.yaml")
    commits["moved"] = script.commit("Scoring models in a folder", "2026-03-10T09:00:00+00:00")
    script.edit("inventory/models/scoring/m1.yaml", "tier: medium", "tier: high")
    script.edit("inventory/models/scoring/m1.yaml", "deputies: [cvendor]", "deputies: [asmith]")
    commits["tier"] = script.commit(
        "m1 is high risk", "2026-04-10T09:00:00+00:00", signing_key=signing_key
    )
    script.remove("inventory/models/scoring/m1.yaml")
    script.remove("inventory/incidents/inc-001.yaml")  # it names m1
    script.remove("inventory/waivers/m1-runbook.yaml")
    commits["removed"] = script.commit("Retire m1", "2026-05-12T09:00:00+00:00", BOB)
    return commits


def _history(run_cli: Invoke, root: Path, *args: str) -> list[dict[str, Any]]:
    result = run_cli("--repo", root, "history", "models/m1", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    document = json.loads(result.stdout)
    assert (document["version"], document["kind"], document["id"]) == (1, "Model", "m1")
    revisions = document["revisions"]
    assert isinstance(revisions, list)
    return revisions


@pytest.fixture
def repo(tmp_path: Path, git_env: None) -> tuple[Path, dict[str, str]]:
    root = tmp_path / "repo"
    return root, build(root)


def test_every_commit_that_changed_the_record_newest_first(
    run_cli: Invoke, repo: tuple[Path, dict[str, str]]
) -> None:
    root, commits = repo
    revisions = _history(run_cli, root)
    assert [r["commit"] for r in revisions] == [
        commits[name] for name in ("removed", "tier", "moved", "version", "added")
    ]
    alice, bob = ALICE, BOB
    assert [(r["author"], r["email"], r["date"]) for r in revisions] == [
        (*bob, "2026-05-12T09:00:00+00:00"),
        (*alice, "2026-04-10T09:00:00+00:00"),
        (*alice, "2026-03-10T09:00:00+00:00"),
        (*bob, "2026-02-10T09:00:00+00:00"),
        (*alice, "2026-01-10T09:00:00+00:00"),
    ]
    assert [(r["change"], r["path"], r["old_path"]) for r in revisions] == [
        ("removed", "inventory/models/scoring/m1.yaml", None),
        ("modified", "inventory/models/scoring/m1.yaml", None),
        ("moved", "inventory/models/scoring/m1.yaml", "inventory/models/m1.yaml"),
        ("modified", "inventory/models/m1.yaml", None),
        ("added", "inventory/models/m1.yaml", None),
    ]
    assert [r["summary"] for r in revisions] == [
        "Retire m1",
        "m1 is high risk",
        "Scoring models in a folder",
        "m1 1.3.0",
        "Minimal repository",
    ]
    assert [r["fields"] for r in revisions] == [
        [],
        [
            {"path": "risk.tier", "old": "medium", "new": "high"},
            {
                "path": "ownership.rollback_authority.deputies",
                "old": ["cvendor"],
                "new": ["asmith"],
            },
        ],
        [],
        [{"path": "version", "old": "1.2.0", "new": "1.3.0"}],
        [],
    ]
    assert {r["signature"] for r in revisions} == {"unsigned"}
    assert {r["signer"] for r in revisions} == {None}


def test_text_format(run_cli: Invoke, repo: tuple[Path, dict[str, str]]) -> None:
    root, commits = repo
    result = run_cli("--repo", root, "history", "models/m1", "--until", "2026-03-31")
    assert result.exit_code == 0, result.output
    assert result.stdout == (
        "History of model m1, newest first (3 commits)\n"
        f"\n{commits['moved'][:12]}  2026-03-10T09:00:00+00:00  Alice Adams <alice@example.com>"
        "  signature unsigned\n"
        "    Scoring models in a folder\n"
        "    moved inventory/models/m1.yaml -> inventory/models/scoring/m1.yaml\n"
        f"\n{commits['version'][:12]}  2026-02-10T09:00:00+00:00  Bob Brown <bob@example.com>"
        "  signature unsigned\n"
        "    m1 1.3.0\n"
        "    version: 1.2.0 -> 1.3.0\n"
        f"\n{commits['added'][:12]}  2026-01-10T09:00:00+00:00  Alice Adams <alice@example.com>"
        "  signature unsigned\n"
        "    Minimal repository\n"
        "    added inventory/models/m1.yaml\n"
    )


@pytest.mark.parametrize(
    ("window", "expected"),
    [
        (("--since", "2026-02-10", "--until", "2026-03-10"), ["moved", "version"]),
        (("--since", "2026-04-01"), ["removed", "tier"]),
        (("--until", "2026-01-31"), ["added"]),
        (("--since", "2026-02-11", "--until", "2026-03-09"), []),
    ],
    ids=["both-days-included", "since", "until", "nothing"],
)
def test_since_and_until(
    run_cli: Invoke,
    repo: tuple[Path, dict[str, str]],
    window: tuple[str, ...],
    expected: list[str],
) -> None:
    root, commits = repo
    assert [r["commit"] for r in _history(run_cli, root, *window)] == [
        commits[name] for name in expected
    ]


def test_other_records_have_their_own_history(
    run_cli: Invoke, repo: tuple[Path, dict[str, str]]
) -> None:
    root, commits = repo
    result = run_cli("--repo", root, "history", "models/m10", "--format", "json")
    document = json.loads(result.stdout)
    assert [(r["commit"], r["change"]) for r in document["revisions"]] == [
        (commits["unrelated"], "added")
    ]
    result = run_cli("--repo", root, "history", "people/asmith", "--format", "json")
    document = json.loads(result.stdout)
    assert [r["commit"] for r in document["revisions"]] == [commits["unrelated"], commits["added"]]


# -- commit signatures ----------------------------------------------------------------------


@pytest.fixture
def signed(tmp_path: Path, git_env: None) -> tuple[Path, dict[str, str]]:
    """The same history with the 'tier' commit signed by Alice's SSH key, and an
    allowed-signers file naming that key for alice@example.com (not yet configured)."""
    keygen = shutil.which("ssh-keygen")
    if keygen is None:
        pytest.skip("ssh-keygen is missing (Debian package openssh-client): no SSH signatures")
    keys = tmp_path / "keys"
    keys.mkdir()
    subprocess.run(
        [keygen, "-q", "-t", "ed25519", "-N", "", "-C", "alice", "-f", str(keys / "alice")],
        check=True,
        capture_output=True,
    )
    root = tmp_path / "repo"
    commits = build(root, signing_key=keys / "alice")
    algorithm, key = (keys / "alice.pub").read_text(encoding="utf-8").split()[:2]
    (root / "allowed_signers").write_text(f"{ALICE[1]} {algorithm} {key}\n", encoding="utf-8")
    return root, commits


def _signatures(revisions: list[dict[str, Any]]) -> dict[str, tuple[str, str | None]]:
    return {r["commit"]: (r["signature"], r["signer"]) for r in revisions}


def test_a_signature_from_an_allowed_signer_is_good(
    run_cli: Invoke, signed: tuple[Path, dict[str, str]]
) -> None:
    root, commits = signed
    (root / "compliance-tool.yaml").write_text(
        "history:\n  allowed_signers: allowed_signers\n", encoding="utf-8"
    )
    found = _signatures(_history(run_cli, root))
    assert found == {
        commits["removed"]: ("unsigned", None),
        commits["tier"]: ("good", "alice@example.com"),
        commits["moved"]: ("unsigned", None),
        commits["version"]: ("unsigned", None),
        commits["added"]: ("unsigned", None),
    }
    text = run_cli("--repo", root, "history", "models/m1", "--since", "2026-04-10").stdout
    assert "Alice Adams <alice@example.com>  signature good by alice@example.com\n" in text


def test_without_the_allowed_signers_file_the_signature_is_not_good(
    run_cli: Invoke, signed: tuple[Path, dict[str, str]]
) -> None:
    """git cannot check an SSH signature without gpg.ssh.allowedSignersFile; git 2.39 then
    reports %G? as 'N'; the tool reads the commit object and says 'unknown key'."""
    root, commits = signed
    found = _signatures(_history(run_cli, root))
    assert found[commits["tier"]][0] != "good"
    assert found[commits["tier"]][1] is None
    assert found[commits["moved"]] == ("unsigned", None)


def test_a_signed_commit_git_cannot_check_is_not_called_unsigned(
    run_cli: Invoke, signed: tuple[Path, dict[str, str]]
) -> None:
    root, commits = signed
    found = _signatures(_history(run_cli, root))
    assert found[commits["tier"]][0] != "unsigned"


def _allow_only_another_key(root: Path, tmp_path: Path) -> None:
    """Configure an allowed-signers file that names another key for alice@example.com."""
    other = tmp_path / "keys" / "mallory"
    subprocess.run(
        ["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "m", "-f", str(other)],
        check=True,
        capture_output=True,
    )
    algorithm, key = other.with_suffix(".pub").read_text(encoding="utf-8").split()[:2]
    (root / "allowed_signers").write_text(f"{ALICE[1]} {algorithm} {key}\n", encoding="utf-8")
    (root / "compliance-tool.yaml").write_text(
        "history:\n  allowed_signers: allowed_signers\n", encoding="utf-8"
    )


def test_a_key_that_is_not_allowed_is_only_of_unknown_trust(
    run_cli: Invoke, signed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    """git checks the signature against the key in the commit and finds no principal for
    it in the allowed-signers file: %G? 'U', shown as 'good (key of unknown trust)'."""
    root, commits = signed
    _allow_only_another_key(root, tmp_path)
    found = _signatures(_history(run_cli, root))
    assert found[commits["tier"]] == ("good (key of unknown trust)", None)


def test_the_report_does_not_count_a_key_that_is_not_allowed(
    signed: tuple[Path, dict[str, str]], tmp_path: Path
) -> None:
    import datetime as dt

    from compliance_tool.audit.history import report_history
    from compliance_tool.repository.config import load_config

    root, commits = signed
    _allow_only_another_key(root, tmp_path)
    history = report_history(
        root, commits["tier"], dt.date(2026, 4, 30), load_config(root), tmp_path / "reports"
    )
    assert history["reported_signature"] == "good (key of unknown trust)"
    assert history["signed_summary"].startswith(
        f"reported commit {commits['tier'][:12]}: good (key of unknown trust); 0 of the 5 "
    )
