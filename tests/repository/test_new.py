"""``new``: a scaffold that fails validation at each TODO, keeps a comment per field, and
validates once the TODOs are filled in."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
from support.cli import Invoke
from support.repos import REPO_ROOT

from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.scaffold import SCAFFOLD_KINDS

KEY = re.compile(r"^( *)(?:- )?([A-Za-z_][\w]*):")


def _validate(run_cli: Invoke, repo: Path, target: Path) -> tuple[int, list[dict[str, Any]]]:
    result = run_cli("--repo", repo, "validate", "--no-cache", "--format", "json", target)
    document = json.loads(result.stdout)
    return result.exit_code, document["problems"]


def _todo_lines(path: Path) -> list[int]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [n for n, line in enumerate(lines, start=1) if "TODO" in line]


def _schema(kind: Kind) -> dict[str, Any]:
    loaded = json.loads((REPO_ROOT / "schemas" / kind.schema_name).read_text(encoding="utf-8"))
    assert isinstance(loaded, dict)
    return loaded


def _resolve(node: dict[str, Any], root: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        target: Any = root
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
    return node


def _comments_and_keys(path: Path, kind: Kind) -> list[tuple[str, str, str]]:
    """(dotted key, comment above it, the schema's description) for every key of the file."""
    root = _schema(kind)
    lines = path.read_text(encoding="utf-8").splitlines()
    found = []
    stack: list[tuple[int, str, dict[str, Any]]] = []  # (indent, key, schema of its value)
    for index, line in enumerate(lines):
        match = KEY.match(line)
        if not match or line.lstrip().startswith("#"):
            continue
        indent, key = len(match.group(1)), match.group(2)
        while stack and stack[-1][0] >= indent:
            stack.pop()
        parent = stack[-1][2] if stack else root
        if parent.get("type") == "array":
            parent = _resolve(parent.get("items", {}), root)
        prop = _resolve(parent.get("properties", {}).get(key, {}), root)
        above = lines[index - 1].strip() if index else ""
        dotted = ".".join([*(k for _, k, _ in stack), key])
        found.append((dotted, above, " ".join(str(prop.get("description", "")).split())))
        stack.append((indent, key, prop))
    return found


def test_new_model_fails_at_each_todo_then_validates(run_cli: Invoke, minirepo: Path) -> None:
    target = minirepo / "inventory/models/my-model.yaml"
    result = run_cli("--repo", minirepo, "new", "model", "my-model")
    assert result.exit_code == 0
    assert result.stderr.startswith(f"wrote {target}: fill in every TODO")
    text = target.read_text(encoding="utf-8")
    assert text.startswith("# yaml-language-server: $schema=../../schemas/model.schema.json\n")

    todos = _todo_lines(target)
    assert len(todos) == 5  # name, version, owner, operator, team
    code, problems = _validate(run_cli, minirepo, target)
    assert code == 1
    assert {p["path"] for p in problems} == {"inventory/models/my-model.yaml"}
    assert sorted({p["line"] for p in problems}) == todos
    placeholders = [p for p in problems if p["code"] == "placeholder"]
    assert sorted(p["line"] for p in placeholders) == todos
    lines = text.splitlines()
    for problem in placeholders:  # the column points at the TODO itself
        assert lines[problem["line"] - 1][problem["column"] - 1 :] == "TODO"

    comments = _comments_and_keys(target, Kind.MODEL)
    assert len(comments) >= 10
    for dotted, above, description in comments:
        assert description, dotted
        assert above.startswith(f"# {description}"), dotted

    filled = (
        text.replace("name: TODO", "name: My model")
        .replace("version: TODO", "version: 1.0.0")
        .replace("owner: TODO", "owner: asmith")
        .replace("operator: TODO", "operator: bkumar")
        .replace("team: TODO", "team: ml-platform")
    )
    assert "TODO" not in filled
    target.write_text(filled, encoding="utf-8")
    code, problems = _validate(run_cli, minirepo, target)
    assert (code, problems) == (0, [])
    # still every comment, above the same keys
    assert _comments_and_keys(target, Kind.MODEL) == comments
    assert sum(line.lstrip().startswith("#") for line in filled.splitlines()) == len(comments) + 1
    # and the whole repository still validates
    result = run_cli("--repo", minirepo, "validate", "--no-cache")
    assert result.exit_code == 0


@pytest.mark.parametrize("kind", SCAFFOLD_KINDS, ids=lambda k: k.value)
def test_every_scaffold_fails_exactly_at_its_todos(
    run_cli: Invoke, minirepo: Path, kind: Kind
) -> None:
    result = run_cli("--repo", minirepo, "new", kind.value.lower(), f"new-{kind.value.lower()}")
    assert result.exit_code == 0
    target = minirepo / kind.folder / f"new-{kind.value.lower()}.yaml"
    todos = _todo_lines(target)
    assert todos
    code, problems = _validate(run_cli, minirepo, target)
    assert code == 1
    assert sorted({p["line"] for p in problems}) == todos
    for dotted, above, description in _comments_and_keys(target, kind):
        assert above.startswith(f"# {description}"), (kind, dotted)


def test_new_refuses_to_overwrite(run_cli: Invoke, minirepo: Path) -> None:
    target = minirepo / "inventory/models/m1.yaml"
    before = target.read_bytes()
    result = run_cli("--repo", minirepo, "new", "model", "m1")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == f"error: {target} already exists (choose another id or edit the file)\n"
    assert target.read_bytes() == before
    # and the same for a file it wrote itself
    assert run_cli("--repo", minirepo, "new", "person", "dlee").exit_code == 0
    written = (minirepo / "inventory/people/dlee.yaml").read_bytes()
    assert run_cli("--repo", minirepo, "new", "person", "dlee").exit_code == 2
    assert (minirepo / "inventory/people/dlee.yaml").read_bytes() == written


@pytest.mark.parametrize("bad_id", ["../escape", ".hidden", "with space", "a/b"])
def test_new_rejects_ids_that_are_not_file_names(
    run_cli: Invoke, minirepo: Path, bad_id: str
) -> None:
    before = sorted(p.relative_to(minirepo) for p in minirepo.rglob("*"))
    result = run_cli("--repo", minirepo, "new", "model", bad_id)
    assert result.exit_code == 2
    assert "use letters, digits" in result.stderr
    assert sorted(p.relative_to(minirepo) for p in minirepo.rglob("*")) == before


def test_new_person_asks_for_code_host_handles(run_cli: Invoke, minirepo: Path) -> None:
    """``accounts`` is optional, but the scaffold writes it: CODEOWNERS needs the handle of
    anyone accountable for a record, and a TODO is easier to fill in than to remember."""
    assert run_cli("--repo", minirepo, "new", "person", "dlee").exit_code == 0
    target = minirepo / "inventory/people/dlee.yaml"
    text = target.read_text(encoding="utf-8")
    assert "\naccounts:\n" in text
    code, problems = _validate(run_cli, minirepo, target)
    assert code == 1
    flagged = {p["field"] for p in problems if p["code"] == "placeholder"}
    assert {"accounts.github", "accounts.gitlab"} <= flagged
    filled = (
        text.replace("name: TODO", "name: Dana Lee")
        .replace("organisation: TODO", "organisation: Example Bank")
        .replace("github: TODO", 'github: "@dana-lee"')
        .replace("gitlab: TODO", 'gitlab: "@dana.lee"')
    )
    assert "TODO" not in filled
    target.write_text(filled, encoding="utf-8")
    assert _validate(run_cli, minirepo, target) == (0, [])
    # a handle without its @ is refused at its line, with the form it should have
    target.write_text(filled.replace('"@dana-lee"', "dana-lee"), encoding="utf-8")
    code, problems = _validate(run_cli, minirepo, target)
    assert code == 1
    (problem,) = problems
    assert problem["field"] == "accounts.github"
    assert "e.g. @ana-smith" in problem["hint"]
