"""Roles as records: Person.roles names Role ids once a repository defines roles, and the
people on rotations hold what their roles require."""

from __future__ import annotations

from pathlib import Path

from support.checks import check_json, findings
from support.cli import invoke
from support.repos import AS_OF_TEXT, REPO_ROOT, copy_sample, edit, position, write_minirepo

from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.session import Where, open_inventory

SPECIALISTS = (
    "ml-platform-engineer",
    "ml-sre",
    "data-reliability-engineer",
    "model-governance-engineer",
)


def test_the_sample_defines_the_specialist_roles_and_every_role_its_people_hold() -> None:
    inventory = open_inventory(Where(REPO_ROOT, use_cache=False))
    roles = {r.id: r for r in inventory.records(Kind.ROLE)}
    for role_id in SPECIALISTS:
        data = roles[role_id].data
        assert data["purpose"] and data["responsibilities"] and data["systems"]
        assert data["requires"]["trainings"] == ["ai_literacy"]
    held = {str(r) for p in inventory.records(Kind.PERSON) for r in p.data.get("roles", [])}
    assert held <= set(roles)
    assert roles["ml-sre"].data["rotations"] == [
        "ml-sre-credit",
        "ml-sre-payments",
        "ml-sre-platform",
        "ml-sre-retail",
    ]


def test_an_undefined_role_is_a_reference_problem_with_a_suggestion(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "sample", config=True)
    person = root / "inventory" / "people" / "rpatel.yaml"
    edit(person, "roles:\n  - ml-sre\n", "roles:\n  - ml-sr\n")
    line, column = position(person, "ml-sr\n")
    result = invoke("--repo", root, "validate")
    assert result.exit_code == 1
    assert (
        f"inventory/people/rpatel.yaml:{line}:{column}: Person.roles[0]: unknown role 'ml-sr' "
        "(did you mean 'ml-sre'? (no file inventory/roles/ml-sr.yaml))"
    ) in result.stdout


def test_without_any_role_record_roles_are_free_words(tmp_path: Path) -> None:
    root = write_minirepo(tmp_path / "mini")
    assert invoke("--repo", root, "validate").exit_code == 0
    role = root / "inventory" / "roles" / "ml-sre.yaml"
    role.parent.mkdir(parents=True)
    role.write_text(
        "apiVersion: governance/v1\nkind: Role\nid: ml-sre\nname: ML SRE\n"
        "purpose: Keeps models running.\nresponsibilities: [Answer pages]\n",
        encoding="utf-8",
    )
    result = invoke("--repo", root, "validate")  # now every role a person holds must exist
    assert result.exit_code == 1 and "unknown role" in result.stdout


def test_a_rotation_member_without_the_training_their_role_requires_fails(tmp_path: Path) -> None:
    root = copy_sample(tmp_path / "sample", config=True)
    _, before = check_json(root, "--as-of", AS_OF_TEXT)
    assert not {f for f in findings(before) if f[0] == "TRN-01-role-requirements"}
    person = root / "inventory" / "people" / "rpatel.yaml"
    text = person.read_text(encoding="utf-8")
    start = text.index("training:")
    person.write_text(text[:start], encoding="utf-8")
    _, after = check_json(root, "--as-of", AS_OF_TEXT)
    assert ("TRN-01-role-requirements", "Person", "rpatel", "fail") in findings(after)
    finding = next(f for f in after["findings"] if f["rule"] == "TRN-01-role-requirements")
    assert finding["details"][0]["message"] == "role 'ml-sre' requires the training ai_literacy"


def test_new_role_scaffolds_a_role_file(tmp_path: Path) -> None:
    root = write_minirepo(tmp_path / "mini")
    result = invoke("--repo", root, "new", "role", "ml-sre")
    assert result.exit_code == 0, result.output
    text = (root / "inventory" / "roles" / "ml-sre.yaml").read_text(encoding="utf-8")
    assert "kind: Role\n" in text and "purpose: TODO" in text
