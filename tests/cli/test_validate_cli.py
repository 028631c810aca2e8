"""`compliance-tool validate` end to end: formats, exit codes, git revisions, subsets, cache."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from support.cli import Invoke
from support.git import commit_all, git
from support.repos import CASES, GOVERNANCE_FILES, MINI_ORIGINS, REPO_ROOT, edit, overlay
from support.schemas import load_schema, validator_for

from compliance_tool.repository.loader import ParseCache
from compliance_tool.repository.schemas import SchemaSet
from compliance_tool.repository.sources import blob_id

RESULT_SCHEMA = REPO_ROOT / "schemas" / "validation-result.schema.json"

M1 = "inventory/models/m1.yaml"
TEAM = "inventory/teams/ml-platform.yaml"
OWNER_LINE = (
    "inventory/models/m1.yaml:10:10: Model.ownership.owner: unknown person 'asmth' "
    "(did you mean 'asmith'? (no file inventory/people/asmth.yaml))"
)
LEAD_LINE = (
    "inventory/teams/ml-platform.yaml:5:7: Team.lead: unknown person 'asmth' "
    "(did you mean 'asmith'? (no file inventory/people/asmth.yaml))"
)


def break_owner(root: Path) -> None:
    edit(root / M1, "owner: asmith", "owner: asmth")


def break_lead(root: Path) -> None:
    edit(root / TEAM, "lead: asmith", "lead: asmth")


def lines(text: str) -> list[str]:
    return text.splitlines()


# -- JSON ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def result_validator() -> jsonschema.Draft202012Validator:
    return validator_for(load_schema(RESULT_SCHEMA))


def _properties(schema: Any, at: str = "#") -> list[tuple[str, Any]]:
    """Every declared property (not the if/then/else constraints) with its JSON pointer."""
    found = []
    if isinstance(schema, dict):
        for name, sub in schema.get("properties", {}).items():
            found.append((f"{at}/properties/{name}", sub))
        for key, sub in schema.items():
            if key not in ("properties", "if", "then", "else"):
                found.extend(_properties(sub, f"{at}/{key}"))
        for name, sub in schema.get("properties", {}).items():
            found.extend(_properties(sub, f"{at}/properties/{name}"))
    elif isinstance(schema, list):
        for index, sub in enumerate(schema):
            found.extend(_properties(sub, f"{at}/{index}"))
    return found


def test_result_schema_is_strict_and_documented() -> None:
    schema = load_schema(RESULT_SCHEMA)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    from compliance_tool.reporters.json_format import VALIDATION_SCHEMA_ID

    assert schema["$id"] == VALIDATION_SCHEMA_ID
    objects = [schema, schema["properties"]["tool"], schema["$defs"]["problem"]]
    for item in objects:
        assert item["additionalProperties"] is False
        assert set(item["required"]) == set(item["properties"])
    properties = _properties(schema)
    assert len(properties) == 7 + 2 + 8
    for where, sub in properties:
        assert str(sub.get("description", "")).strip(), f"{where} has no description"


def test_json_output_of_a_valid_repository(
    minirepo: Path, run_cli: Invoke, result_validator: jsonschema.Draft202012Validator
) -> None:
    result = run_cli("--repo", minirepo, "validate", "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    result_validator.validate(document)
    assert document["passed"] is True
    assert document["problems"] == []
    assert document["files_checked"] == len(GOVERNANCE_FILES)
    assert document["source"] == "working tree"


@pytest.mark.parametrize("case", ["ref-owner", "input-binary", "schema-missing-required"])
def test_json_output_of_problems(
    case: str,
    minirepo: Path,
    run_cli: Invoke,
    result_validator: jsonschema.Draft202012Validator,
) -> None:
    overlay(CASES / case, minirepo)
    as_json = run_cli("--repo", minirepo, "validate", "--format", "json")
    as_text = run_cli("--repo", minirepo, "validate", "--format", "text")
    assert as_json.exit_code == as_text.exit_code == 1
    document = json.loads(as_json.stdout)
    result_validator.validate(document)
    assert document["passed"] is False
    # the same problems as the text format, field by field
    rebuilt = []
    for p in document["problems"]:
        subject = f"{p['kind']}.{p['field']}" if p["field"] else p["kind"]
        line = f"{p['path']}:{p['line']}:{p['column']}: {subject}: {p['message']}"
        rebuilt.append(f"{line} ({p['hint']})" if p["hint"] else line)
    assert rebuilt == lines(as_text.stdout)


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda d: d.update(extra=1), "unknown top-level field"),
        (lambda d: d["problems"][0].update(severity="high"), "unknown problem field"),
        (lambda d: d["problems"][0].update(line=0), "line is 1-based"),
        (lambda d: d["problems"][0].pop("hint"), "hint is required"),
        (lambda d: d.update(passed=True), "passed with problems"),
        (lambda d: d.update(problems=[], passed=False), "failed without problems"),
        (lambda d: d.update(version=2), "another format version"),
        (lambda d: d.update(source="HEAD"), "source is a label, not a ref"),
        (lambda d: d["problems"][0].update(code="Reference"), "codes are kebab-case"),
    ],
)
def test_result_schema_rejects_what_the_reporter_never_writes(
    change: Any,
    why: str,
    minirepo: Path,
    run_cli: Invoke,
    result_validator: jsonschema.Draft202012Validator,
) -> None:
    break_owner(minirepo)
    document = json.loads(run_cli("--repo", minirepo, "validate", "--format", "json").stdout)
    result_validator.validate(document)
    change(document)
    assert not result_validator.is_valid(document), why


# -- GitHub annotations -------------------------------------------------------------


def test_github_annotations(minirepo: Path, run_cli: Invoke) -> None:
    break_owner(minirepo)
    break_lead(minirepo)
    result = run_cli("--repo", minirepo, "validate", "--format", "github")
    assert result.exit_code == 1
    assert lines(result.stdout) == [
        "::error file=inventory/models/m1.yaml,line=10,col=10,title=Model.ownership.owner::"
        "unknown person 'asmth' (did you mean 'asmith'? (no file inventory/people/asmth.yaml))",
        "::error file=inventory/teams/ml-platform.yaml,line=5,col=7,title=Team.lead::"
        "unknown person 'asmth' (did you mean 'asmith'? (no file inventory/people/asmth.yaml))",
    ]


def test_github_annotations_escape_commas_and_colons(minirepo: Path, run_cli: Invoke) -> None:
    overlay(CASES / "input-syntax", minirepo)
    result = run_cli("--repo", minirepo, "validate", "--format", "github")
    assert result.exit_code == 1
    first = lines(result.stdout)[0]
    # the message holds "',' or ']'": fine in the message, the title has no ':' or ','
    assert first.startswith("::error file=inventory/people/dkim.yaml,line=5,col=12,title=file::")
    assert "did not find expected ',' or ']'" in first


def test_auto_format_adds_annotations_on_github_actions(
    minirepo: Path, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    break_owner(minirepo)
    plain = run_cli("--repo", minirepo, "validate")
    assert lines(plain.stdout) == [OWNER_LINE]
    monkeypatch.setenv("GITHUB_ACTIONS", "true")
    on_ci = run_cli("--repo", minirepo, "validate")
    assert on_ci.exit_code == 1
    out = lines(on_ci.stdout)
    assert out[0] == OWNER_LINE
    assert out[1].startswith("::error file=inventory/models/m1.yaml,line=10,col=10,")
    assert len(out) == 2


# -- exit codes -----------------------------------------------------------------------


def test_exit_0_when_valid(minirepo: Path, run_cli: Invoke) -> None:
    result = run_cli("--repo", minirepo, "validate")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr.startswith("ok: 13 files valid")


def test_exit_1_when_problems(minirepo: Path, run_cli: Invoke) -> None:
    break_owner(minirepo)
    result = run_cli("--repo", minirepo, "validate")
    assert result.exit_code == 1
    assert lines(result.stdout) == [OWNER_LINE]
    assert result.stderr == "1 problem(s) in 1 of 13 files (working tree)\n"


def test_exit_2_for_a_path_that_does_not_exist(minirepo: Path, run_cli: Invoke) -> None:
    missing = minirepo / "inventory" / "models" / "nope.yaml"
    result = run_cli("--repo", minirepo, "validate", missing)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"error: {missing}: no such file or folder (check the path)\n"
    assert "Traceback" not in result.output


def test_exit_2_for_an_unknown_revision(gitrepo: Path, run_cli: Invoke) -> None:
    result = run_cli("--repo", gitrepo, "validate", "--ref", "no-such-branch")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr.startswith("error: unknown revision 'no-such-branch' (")
    assert "Traceback" not in result.output


def test_exit_2_for_an_unknown_changed_since_revision(gitrepo: Path, run_cli: Invoke) -> None:
    result = run_cli("--repo", gitrepo, "validate", "--changed-since", "v9.9")
    assert result.exit_code == 2
    assert result.stderr.startswith("error: unknown revision 'v9.9' (")


def test_exit_2_for_ref_outside_git(minirepo: Path, run_cli: Invoke, git_env: None) -> None:
    result = run_cli("--repo", minirepo, "validate", "--ref", "HEAD")
    assert result.exit_code == 2
    assert "is not inside a git repository" in result.stderr


# -- --ref ------------------------------------------------------------------------------


def test_ref_validates_the_commit_not_the_working_tree(gitrepo: Path, run_cli: Invoke) -> None:
    head = git(gitrepo, "rev-parse", "HEAD").strip()
    break_owner(gitrepo)
    at_head = run_cli("--repo", gitrepo, "validate", "--ref", "HEAD")
    assert at_head.exit_code == 0, at_head.output
    assert at_head.stdout == ""
    assert at_head.stderr == f"ok: 13 files valid ({head[:12]})\n" + MINI_ORIGINS
    worktree = run_cli("--repo", gitrepo, "validate")
    assert worktree.exit_code == 1
    assert lines(worktree.stdout) == [OWNER_LINE]


def test_ref_validates_a_past_commit(gitrepo: Path, run_cli: Invoke) -> None:
    good = git(gitrepo, "rev-parse", "HEAD").strip()
    break_owner(gitrepo)
    bad = commit_all(gitrepo, "typo in the owner")
    edit(gitrepo / M1, "owner: asmth", "owner: asmith")  # fixed, not committed
    assert run_cli("--repo", gitrepo, "validate").exit_code == 0
    past = run_cli("--repo", gitrepo, "validate", "--ref", "HEAD~1")
    assert past.exit_code == 0
    assert past.stderr == f"ok: 13 files valid ({good[:12]})\n" + MINI_ORIGINS
    broken = run_cli("--repo", gitrepo, "validate", "--ref", bad, "--format", "json")
    assert broken.exit_code == 1
    document = json.loads(broken.stdout)
    assert document["source"] == bad[:12]
    assert [(p["path"], p["line"], p["field"]) for p in document["problems"]] == [
        (M1, 10, "ownership.owner")
    ]


def test_ref_reads_files_that_exist_only_in_the_commit(gitrepo: Path, run_cli: Invoke) -> None:
    (gitrepo / "runbooks" / "m1.md").unlink()
    (gitrepo / TEAM).unlink()
    worktree = run_cli("--repo", gitrepo, "validate")
    assert worktree.exit_code == 1
    assert "runbook 'runbooks/m1.md' does not exist" in worktree.stdout
    assert run_cli("--repo", gitrepo, "validate", "--ref", "HEAD").exit_code == 0


# -- --changed-since ----------------------------------------------------------------------


def test_changed_since_reports_only_changed_files(gitrepo: Path, run_cli: Invoke) -> None:
    break_lead(gitrepo)
    commit_all(gitrepo, "an old problem, already merged")
    break_owner(gitrepo)
    full = run_cli("--repo", gitrepo, "validate")
    assert lines(full.stdout) == [OWNER_LINE, LEAD_LINE]
    changed = run_cli("--repo", gitrepo, "validate", "--changed-since", "HEAD")
    assert changed.exit_code == 1
    assert lines(changed.stdout) == [OWNER_LINE]
    assert changed.stderr == "1 problem(s) in 1 of 1 files (working tree)\n"


def test_changed_since_with_nothing_changed(gitrepo: Path, run_cli: Invoke) -> None:
    break_lead(gitrepo)
    commit_all(gitrepo, "an old problem")
    result = run_cli("--repo", gitrepo, "validate", "--changed-since", "HEAD")
    assert (result.exit_code, result.stdout) == (0, "")
    assert result.stderr.startswith("ok: 0 files valid")


def test_changed_since_includes_new_untracked_files(gitrepo: Path, run_cli: Invoke) -> None:
    overlay(CASES / "input-empty", gitrepo)  # a new empty person file and a broken team lead
    result = run_cli("--repo", gitrepo, "validate", "--changed-since", "HEAD")
    assert lines(result.stdout) == [
        "inventory/people/dkim.yaml:1:1: file: file is empty "
        "(write apiVersion, kind and id, or delete the file)",
        LEAD_LINE,
    ]


DELETED_PERSON = [
    "inventory/models/m1.yaml:15:16: Model.ownership.rollback_authority.deputies[0]: "
    "unknown person 'cvendor' (no file inventory/people/cvendor.yaml)",
    "inventory/rotations/ml-oncall.yaml:8:5: Rotation.members[1]: "
    "unknown person 'cvendor' (no file inventory/people/cvendor.yaml)",
]


def test_changed_since_reports_references_to_a_deleted_file(gitrepo: Path, run_cli: Invoke) -> None:
    (gitrepo / "inventory" / "people" / "cvendor.yaml").unlink()
    result = run_cli("--repo", gitrepo, "validate", "--changed-since", "HEAD")
    assert result.exit_code == 1
    assert lines(result.stdout) == DELETED_PERSON


def test_changed_since_between_commits(gitrepo: Path, run_cli: Invoke) -> None:
    base = git(gitrepo, "rev-parse", "HEAD").strip()
    git(gitrepo, "rm", "-q", "inventory/people/cvendor.yaml")
    commit_all(gitrepo, "cvendor left")
    git(gitrepo, "checkout", "-q", base, "--", "inventory/people/cvendor.yaml")  # not committed
    assert run_cli("--repo", gitrepo, "validate").exit_code == 0
    result = run_cli("--repo", gitrepo, "validate", "--ref", "HEAD", "--changed-since", base)
    assert result.exit_code == 1
    assert lines(result.stdout) == DELETED_PERSON


# -- PATH arguments -----------------------------------------------------------------------


def test_paths_limit_the_output(minirepo: Path, run_cli: Invoke) -> None:
    break_owner(minirepo)
    break_lead(minirepo)
    edit(minirepo / "inventory/datasets/events-raw.yaml", "owner: asmith", "owner: asmiht")
    raw_line = (
        "inventory/datasets/events-raw.yaml:5:8: Dataset.owner: unknown person 'asmiht' "
        "(did you mean 'asmith'? (no file inventory/people/asmiht.yaml))"
    )
    everything = run_cli("--repo", minirepo, "validate")
    assert lines(everything.stdout) == [raw_line, OWNER_LINE, LEAD_LINE]

    one = run_cli("--repo", minirepo, "validate", minirepo / M1)
    assert lines(one.stdout) == [OWNER_LINE]
    assert one.stderr == "1 problem(s) in 1 of 1 files (working tree)\n"

    two = run_cli("--repo", minirepo, "validate", minirepo / TEAM, minirepo / "inventory/datasets")
    assert lines(two.stdout) == [raw_line, LEAD_LINE]
    assert two.stderr == "2 problem(s) in 2 of 3 files (working tree)\n"

    clean = run_cli("--repo", minirepo, "validate", minirepo / "policies")
    assert (clean.exit_code, clean.stdout) == (0, "")
    assert clean.stderr.startswith("ok: 3 files valid")


def test_relative_paths_from_the_current_folder(
    minirepo: Path, run_cli: Invoke, monkeypatch: pytest.MonkeyPatch
) -> None:
    break_owner(minirepo)
    break_lead(minirepo)
    monkeypatch.chdir(minirepo / "inventory")
    result = run_cli("validate", "models")
    assert result.exit_code == 1
    assert lines(result.stdout) == [OWNER_LINE]


def test_paths_with_ref(gitrepo: Path, run_cli: Invoke) -> None:
    break_owner(gitrepo)
    break_lead(gitrepo)
    commit_all(gitrepo, "two problems")
    result = run_cli("--repo", gitrepo, "validate", "--ref", "HEAD", "inventory/teams")
    assert result.exit_code == 1
    assert lines(result.stdout) == [LEAD_LINE]


# -- the parse cache ------------------------------------------------------------------------


def test_parse_cache_never_serves_stale_results(minirepo: Path, run_cli: Invoke) -> None:
    model = minirepo / M1
    first = run_cli("--repo", minirepo, "validate")
    assert first.exit_code == 0
    cache_file = minirepo / ".compliance-cache" / "parse.marshal"
    assert cache_file.is_file()
    cache = ParseCache(cache_file.parent, SchemaSet().digest)
    assert blob_id(model.read_bytes()) in cache.entries  # the cache really is in use

    # same size, same modification time: only the content tells the versions apart
    stat = model.stat()
    edit(minirepo / M1, "lifecycle: production", "lifecycle: prodoction")
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert model.stat().st_size == stat.st_size
    broken = run_cli("--repo", minirepo, "validate")
    assert broken.exit_code == 1
    assert lines(broken.stdout) == [
        "inventory/models/m1.yaml:6:12: Model.lifecycle: 'prodoction' is not one of proposed, "
        "development, validation, production, deprecated, retired (did you mean 'production'?)"
    ]
    again = run_cli("--repo", minirepo, "validate")  # now served from the cache
    assert again.stdout == broken.stdout

    edit(minirepo / M1, "lifecycle: prodoction", "lifecycle: production")
    os.utime(model, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    fixed = run_cli("--repo", minirepo, "validate")
    assert (fixed.exit_code, fixed.stdout) == (0, "")


def test_no_cache_gives_the_same_answers(minirepo: Path, run_cli: Invoke) -> None:
    overlay(CASES / "schema-wrong-enum", minirepo)
    cached = run_cli("--repo", minirepo, "validate")
    uncached = run_cli("--repo", minirepo, "validate", "--no-cache")
    assert cached.exit_code == uncached.exit_code == 1
    assert cached.stdout == uncached.stdout != ""


def test_remembered_validation_sees_linked_files_change(minirepo: Path, run_cli: Invoke) -> None:
    """An unchanged repository is answered from the remembered result, but deleting or
    restoring a file that a record links to (not a YAML file) changes the answer."""
    runbook = minirepo / "runbooks" / "m1.md"
    text = runbook.read_text(encoding="utf-8")
    assert run_cli("--repo", minirepo, "validate").exit_code == 0
    assert (minirepo / ".compliance-cache" / "validation.marshal").is_file()
    assert run_cli("--repo", minirepo, "validate").exit_code == 0  # remembered
    runbook.unlink()
    gone = run_cli("--repo", minirepo, "validate")
    assert gone.exit_code == 1
    assert "runbook 'runbooks/m1.md' does not exist" in gone.stdout
    assert run_cli("--repo", minirepo, "validate").stdout == gone.stdout  # remembered
    runbook.write_text(text, encoding="utf-8")
    assert run_cli("--repo", minirepo, "validate").exit_code == 0
