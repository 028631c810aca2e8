"""Adopting the tool: the files init writes, the starter files' states, and an upgrade
from an older starter catalogue that replaces the untouched files and lists the edited."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from support.repos import REPO_ROOT

from compliance_tool import __version__
from compliance_tool.repository import bundle, resources
from compliance_tool.repository.adopt import (
    InitConflict,
    NotInitialised,
    init_files,
    init_repository,
    starter_teams,
    upgrade_repository,
)
from compliance_tool.repository.config import CONFIG_FILE, load_config
from compliance_tool.repository.config_text import config_text
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.starter import (
    State,
    older_note,
    older_than_installed,
    starter_version,
    with_starter_version,
)
from compliance_tool.repository.yamlio import parse_document

OLD = "0.0.9"


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def test_the_starter_files_are_the_kinds_schemas_the_catalogue_and_the_scenarios() -> None:
    paths = resources.starter_paths()
    assert {f"schemas/{kind.schema_name}" for kind in Kind} <= set(paths)
    assert "schemas/check-result.schema.json" not in paths  # an output's, not a kind's
    for folder in ("policies/frameworks/", "policies/controls/", "policies/rules/", "features/"):
        assert any(p.startswith(folder) for p in paths), folder
    assert "features/expected-outcomes.yaml" not in paths  # the tests' record of the sample
    assert "docs/fria/template.md" in paths  # RISK-02's remediation points at it
    kinds = {f"schemas/{kind.schema_name}" for kind in Kind}
    sources = bundle.starter_sources(REPO_ROOT)
    assert set(paths) == {p for p in sources if not p.startswith("schemas/") or p in kinds}


def test_the_manifest_knows_a_digest_of_every_release_of_each_starter_file() -> None:
    manifest = resources.starter_manifest()
    assert manifest["format"] == 1
    assert manifest["releases"]
    for path, releases in manifest["files"].items():
        assert path.startswith(("schemas/", *resources.STARTER_FOLDERS)), path
        assert set(releases) <= set(manifest["releases"]), path
        assert all(len(d) == 64 and int(d, 16) >= 0 for d in releases.values()), path


def test_init_writes_teams_for_the_owners_of_the_starter_controls() -> None:
    teams = starter_teams(resources.packaged_policies())
    owners = set()
    for path, data in resources.packaged_policies().items():
        if path.startswith("policies/controls/"):
            record = parse_document(data).data
            assert isinstance(record, dict)
            owners.add(record["owner"])
    assert {p.rsplit("/", 1)[1].removesuffix(".yaml") for p in teams} == owners
    record = parse_document(teams["inventory/teams/ml-sre.yaml"]).data
    assert record == {
        "apiVersion": "governance/v1",
        "kind": "Team",
        "id": "ml-sre",
        "name": "ML SRE",
        "description": record["description"],
    }
    assert "CONT-01" in record["description"]


def test_the_configuration_lists_every_setting_of_its_schema() -> None:
    schema = resources.config_schema()
    text = config_text()

    def names(node: dict[str, object], indent: str = "") -> list[str]:
        found = []
        for name, prop in node.get("properties", {}).items():  # type: ignore[attr-defined]
            found.append(f"{indent}{name}:")
            if isinstance(prop, dict) and prop.get("type") == "object":
                found += names(prop, indent + "  ")
        return found

    for setting in names(schema):
        assert any(line.lstrip("# ").startswith(setting.strip()) for line in text.splitlines())
        assert setting.strip() in text
    assert f'starter_version: "{__version__}"' in text


def test_the_configuration_is_valid_and_sets_the_example_settings(tmp_path: Path) -> None:
    (tmp_path / CONFIG_FILE).write_text(config_text(), "utf-8")
    assert load_config(tmp_path) == {"starter_version": __version__}
    example = resources.example_files()[CONFIG_FILE]
    (tmp_path / CONFIG_FILE).write_text(config_text(example), "utf-8")
    loaded = load_config(tmp_path)
    sample = parse_document(example).data
    assert isinstance(sample, dict)
    assert loaded == {"starter_version": __version__, **sample}


def test_the_starter_version_line_is_read_and_replaced_with_its_comments_kept() -> None:
    text = '# about\nstarter_version: "0.0.9"  # by init\norganisation: X\n'
    assert starter_version(text) == "0.0.9"
    assert (
        with_starter_version(text, "0.1.0")
        == '# about\nstarter_version: "0.1.0"\norganisation: X\n'
    )
    assert starter_version("organisation: X\n") is None
    assert with_starter_version("organisation: X", "0.1.0") == (
        'organisation: X\nstarter_version: "0.1.0"\n'
    )


def test_init_refuses_every_conflicting_file_and_writes_nothing(tmp_path: Path) -> None:
    root = tmp_path / "repo"
    (root / "policies" / "rules").mkdir(parents=True)
    (root / "policies" / "rules" / "MON-01-drift-thresholds.yaml").write_text("mine\n", "utf-8")
    (root / CONFIG_FILE).write_text("organisation: Mine\n", "utf-8")
    (root / "features").write_text("a file where a folder goes\n", "utf-8")
    before = sorted(p.relative_to(root).as_posix() for p in root.rglob("*"))
    with pytest.raises(InitConflict) as raised:
        init_repository(root, example=False)
    assert raised.value.details == [
        f"  {CONFIG_FILE}",
        "  features",
        "  policies/rules/MON-01-drift-thresholds.yaml",
    ]
    assert "nothing was written" in raised.value.message
    assert sorted(p.relative_to(root).as_posix() for p in root.rglob("*")) == before


def _older_catalogue() -> tuple[dict[str, bytes], dict[str, bytes], dict[str, object]]:
    """The current starter files, an older release of them, and a manifest of both.

    In the older release: one rule had another title, one control another description
    (the organisation edits it), one rule did not exist yet, and the rest were the same."""
    current = resources.starter_files()
    older = dict(current)
    older["policies/rules/MON-01-drift-thresholds.yaml"] = current[
        "policies/rules/MON-01-drift-thresholds.yaml"
    ].replace(b"title: ", b"title: Older ", 1)
    older["policies/controls/MON-01.yaml"] = current["policies/controls/MON-01.yaml"].replace(
        b"description: ", b"description: Older. ", 1
    )
    del older["policies/rules/MON-02-performance-floor.yaml"]
    releases: dict[str, dict[str, str]] = {}
    for version, files in ((OLD, older), (__version__, current)):
        for path, data in files.items():
            releases.setdefault(path, {})[version] = _sha(data)
    return current, older, {"format": 1, "releases": [OLD, __version__], "files": releases}


def _make_older_repository(root: Path, older: dict[str, bytes]) -> None:
    init_repository(root, example=False)
    for path in resources.starter_paths():
        (root / path).unlink()
    for path, data in older.items():
        (root / path).write_bytes(data)
    config = root / CONFIG_FILE
    config.write_text(with_starter_version(config.read_text("utf-8"), OLD), "utf-8")


def test_upgrade_updates_untouched_files_and_lists_edited_ones_unchanged(
    tmp_path: Path, git_env: None
) -> None:
    current, older, manifest = _older_catalogue()
    root = tmp_path / "repo"
    _make_older_repository(root, older)
    edited = root / "policies/controls/MON-01.yaml"
    edited.write_bytes(edited.read_bytes().replace(b"Older. ", b"Our own words. "))
    mine = edited.read_bytes()
    removed = next(p for p in sorted(older) if p.startswith("policies/rules/OWN-"))
    (root / removed).unlink()
    present = {p: (root / p).read_bytes() for p in older if (root / p).is_file()}
    # what validate notes: the untouched file of the older release, not the edited one
    assert older_than_installed(current, present, manifest) == [
        "policies/rules/MON-01-drift-thresholds.yaml"
    ]

    assert older_note(root, current, manifest) == (
        "1 starter file(s) are from an older release than the installed compliance-tool "
        f"{__version__} (policies/rules/MON-01-drift-thresholds.yaml): 'compliance-tool "
        "upgrade' updates those you have not edited"
    )
    assert older_note(root) is None  # the installed tool knows no release before its own

    dry = upgrade_repository(root, dry_run=True, packaged=current, manifest=manifest)
    assert dry.written == ()
    assert (root / "policies/rules/MON-01-drift-thresholds.yaml").read_bytes() == older[
        "policies/rules/MON-01-drift-thresholds.yaml"
    ]

    result = upgrade_repository(root, packaged=current, manifest=manifest)
    states = {f.path: f.state for f in result.files}
    assert states["policies/rules/MON-01-drift-thresholds.yaml"] is State.OLDER
    assert states["policies/rules/MON-02-performance-floor.yaml"] is State.NEW
    assert states["policies/controls/MON-01.yaml"] is State.EDITED
    assert states[removed] is State.REMOVED
    assert {p for p, s in states.items() if s is State.CURRENT} == set(current) - {
        "policies/rules/MON-01-drift-thresholds.yaml",
        "policies/rules/MON-02-performance-floor.yaml",
        "policies/controls/MON-01.yaml",
        removed,
    }
    # untouched and new files are this release's; the edited and the removed stay as they are
    for path in ("policies/rules/MON-01-drift-thresholds.yaml", "policies/rules/MON-02-performance-floor.yaml"):  # fmt: skip
        assert (root / path).read_bytes() == current[path]
    assert edited.read_bytes() == mine
    assert not (root / removed).exists()
    assert starter_version((root / CONFIG_FILE).read_text("utf-8")) == __version__
    assert sorted(result.written) == sorted(
        [
            "policies/rules/MON-01-drift-thresholds.yaml",
            "policies/rules/MON-02-performance-floor.yaml",
            CONFIG_FILE,
        ]
    )
    assert older_note(root, current, manifest) is None
    again = upgrade_repository(root, packaged=current, manifest=manifest)
    assert [f.path for f in again.edited] == ["policies/controls/MON-01.yaml"]
    assert again.written == ()


def test_upgrade_refuses_a_repository_that_init_did_not_make(tmp_path: Path) -> None:
    (tmp_path / "inventory").mkdir()
    with pytest.raises(NotInitialised, match="records no starter release"):
        upgrade_repository(tmp_path)


def test_init_with_the_example_adds_the_sample_over_the_starter_files() -> None:
    files = init_files(example=True)
    assert "inventory/models/fraud-scoring.yaml" in files
    assert (
        files["policies/controls/INV-01.yaml"]
        == (REPO_ROOT / "policies/controls/INV-01.yaml").read_bytes()
    )
    assert "inventory/teams/model-governance.yaml" in files
    assert (
        files["inventory/teams/model-governance.yaml"]
        == (REPO_ROOT / "inventory/teams/model-governance.yaml").read_bytes()
    )
    plain = init_files(example=False)
    assert "inventory/models/.gitkeep" in plain
    assert not any(p.startswith("inventory/models/") and p.endswith(".yaml") for p in plain)
