"""``rules list``, ``rules explain``, ``rules custom`` and ``rules test``."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path
from typing import Any

import pytest
import yaml
from support.cli import invoke
from support.repos import REPO_ROOT, edit, write_minirepo

from compliance_tool.checks.custom_rules import CUSTOM_RULES

pytestmark = pytest.mark.usefixtures("sample_is_read_only")

RULE_FILES = sorted((REPO_ROOT / "policies/rules").glob("*.yaml"))


def _rule(rule_id: str) -> dict[str, Any]:
    data = yaml.safe_load((REPO_ROOT / f"policies/rules/{rule_id}.yaml").read_text("utf-8"))
    assert isinstance(data, dict)
    return data


def _section(text: str, heading: str) -> str:
    """The lines under ``heading`` up to the next blank line."""
    lines = text.split(f"\n{heading}\n", 1)[1].split("\n\n", 1)[0]
    return lines


def test_rules_list_lists_every_rule() -> None:
    result = invoke("--repo", REPO_ROOT, "rules", "list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert len(lines) == len(RULE_FILES) == 56
    # sorted by rule id (INC-01-serious-incident-reported before its -10-days variant,
    # whose file name sorts first)
    assert [line.split()[0] for line in lines] == sorted(p.stem for p in RULE_FILES)
    dated = {}
    for line in lines:
        data = _rule(line.split()[0])
        assert line.split()[1:4] == [
            data["severity"],
            data["applies_to"],
            ",".join(data["controls"]),
        ]
        title, _, when = line.partition(data["title"])
        assert title.endswith("  ")
        if when:
            dated[line.split()[0]] = when
    # a rule enforced from a date says so after its title
    assert dated == {"RISK-02-fria": "  (from 2027-12-02, eu-ai-act-2024-1689#annex-iii-high-risk)"}


def test_rules_explain_shows_everything_about_a_rule() -> None:
    rule_id = "MON-01-drift-thresholds"
    data = _rule(rule_id)
    result = invoke("--repo", REPO_ROOT, "rules", "explain", rule_id)
    assert result.exit_code == 0
    out = result.stdout
    assert out.startswith(f"{rule_id}: {data['title']}\n")
    assert "  severity:   high\n" in out
    assert "  applies to: Model records\n" in out
    assert "  control:    MON-01 Drift monitoring with paging thresholds\n" in out
    control = yaml.safe_load((REPO_ROOT / "policies/controls/MON-01.yaml").read_text("utf-8"))
    mappings = ", ".join(f"{m['framework']} {m['clause']}" for m in control["mappings"])
    assert f"              maps to {mappings}\n" in out
    assert "eu-ai-act-2024-1689 Art. 72" in mappings
    # the rationale, folded as in the file
    assert " ".join(_section(out, "Why").split()) == " ".join(data["rationale"].split())
    # the schemas, as YAML that reads back as the rule's own
    when = yaml.safe_load(
        textwrap.dedent(_section(out, "Selects records matching (Cerberus schema)"))
    )
    require = yaml.safe_load(textwrap.dedent(_section(out, "Requires (Cerberus schema)")))
    assert when == data["when"]
    assert require == data["require"]
    assert _section(out, "Fix").strip() == data["remediation"]
    # every example, as written in the file
    examples = _section(out, next(line for line in out.splitlines() if line.startswith("Examples")))
    shown: dict[str, list[Any]] = {"pass": [], "fail": []}
    for line in examples.splitlines():
        label, _, literal = line.strip().partition(": ")
        shown[label].append(yaml.safe_load(literal))
    assert shown == data["examples"]
    assert "Examples (evaluated on 2026-06-30 with persons alice, bob, carol, dave, erin;" in out


def test_rules_explain_says_from_when_a_rule_is_enforced() -> None:
    out = invoke("--repo", REPO_ROOT, "rules", "explain", "RISK-02-fria").stdout
    assert (
        "  in force:   from 2027-12-02 (eu-ai-act-2024-1689#annex-iii-high-risk: "
        "High-risk obligations apply to Annex III systems)\n"
        "              applies_from of the rule; before it a failure is upcoming and does not "
        "fail the run\n"
        "  defined in: policies/rules/RISK-02-fria.yaml\n"
    ) in out
    # a rule without a date says nothing about it
    assert (
        "in force:"
        not in invoke("--repo", REPO_ROOT, "rules", "explain", "MON-01-drift-thresholds").stdout
    )


def test_rules_list_and_explain_show_a_date_of_a_control_or_a_rule(tmp_path: Path) -> None:
    root = write_minirepo(tmp_path / "repo")
    edit(
        root / "policies/controls/OPS-01.yaml",
        "verification: automated\n",
        "verification: automated\napplies_from: 2027-01-15\n",
    )
    (line,) = invoke("--repo", root, "rules", "list").stdout.splitlines()
    assert line.endswith("Production models have a runbook  (from 2027-01-15)")
    out = invoke("--repo", root, "rules", "explain", "runbook-required").stdout
    assert "  in force:   from 2027-01-15\n              applies_from of control OPS-01; " in out
    # a reference that names nothing is shown as such (validate reports it with its line)
    edit(
        root / "policies/rules/runbook-required.yaml",
        "severity: high\n",
        "severity: high\napplies_from: {framework: nope, date: x}\n",
    )
    (line,) = invoke("--repo", root, "rules", "list").stdout.splitlines()
    assert line.endswith(
        "  (applies_from in the rule: unknown framework 'nope' "
        "(name a framework of policies/frameworks/))"
    )
    out = invoke("--repo", root, "rules", "explain", "runbook-required").stdout
    assert "  in force:   unknown: applies_from in the rule: unknown framework 'nope'" in out


def test_rules_explain_names_the_custom_rules_a_rule_uses() -> None:
    result = invoke("--repo", REPO_ROOT, "rules", "explain", "VAL-01-validation-current")
    assert result.exit_code == 0
    used = _section(result.stdout, "Custom rules used").splitlines()
    assert [line.split(":")[0].strip() for line in used] == ["not_past", "within_days"]


def test_rules_explain_unknown_rule_is_a_usage_error() -> None:
    result = invoke("--repo", REPO_ROOT, "rules", "explain", "NOPE")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert result.stderr == "error: no rule 'NOPE' (see 'compliance-tool rules list')\n"


@pytest.mark.parametrize(
    ("typo", "suggestion"),
    [
        ("MON-01-drift-threshold", "MON-01-drift-thresholds"),
        ("mon-01-drift-thresholds", "MON-01-drift-thresholds"),
        ("VAL-01-validation-curent", "VAL-01-validation-current"),
    ],
)
def test_rules_explain_suggests_the_rule_meant(typo: str, suggestion: str) -> None:
    result = invoke("--repo", REPO_ROOT, "rules", "explain", typo)
    assert result.exit_code == 2
    assert result.stdout == ""
    assert f"error: no rule '{typo}' (did you mean {suggestion}" in result.stderr
    assert "Traceback" not in result.stderr


def test_rules_custom_documents_every_custom_rule() -> None:
    result = invoke("rules", "custom")
    assert result.exit_code == 0
    sections: dict[str, list[str]] = {}
    name = ""
    for line in result.stdout.splitlines():
        if line and not line.startswith(" "):
            name = line
            sections[name] = []
        elif line:
            sections[name].append(line.strip())
    assert sorted(sections) == sorted(CUSTOM_RULES)
    for name, lines in sections.items():
        examples = [line for line in lines if line.startswith("Example:")]
        assert len(examples) == 1, name
        assert name in " ".join(lines[lines.index(examples[0]) :]), name
        # the argument schema is for Cerberus, not for readers
        assert not any("arguments are validated" in line for line in lines), name


# -- rules test ----------------------------------------------------------------------------


def test_rules_test_passes_on_the_sample() -> None:
    result = invoke("--repo", REPO_ROOT, "rules", "test")
    assert result.exit_code == 0
    assert result.stdout == ""
    examples = sum(
        len(examples)
        for path in RULE_FILES
        for examples in (yaml.safe_load(path.read_text("utf-8"))["examples"] or {}).values()
    )
    assert (
        f"{examples}/{examples} examples behave as stated; 56/56 rules have pass and fail examples"
        in result.stderr
    )


@pytest.fixture
def policies(tmp_path: Path) -> Path:
    """A repository holding a copy of the sample's policies only (all that rules test reads)."""
    shutil.copytree(REPO_ROOT / "policies", tmp_path / "repo" / "policies")
    return tmp_path / "repo"


def test_rules_test_reports_every_rule_whose_examples_are_wrong(policies: Path) -> None:
    rules = policies / "policies/rules"
    # no fail example
    edit(
        rules / "ONC-01-model-on-call.yaml",
        "  fail:\n    - {lifecycle: production, operations: {}}\n",
        "",
    )
    # no examples at all
    path = rules / "RISK-01-risk-classified.yaml"
    path.write_text(path.read_text("utf-8").split("examples:\n", 1)[0], encoding="utf-8")
    # the pass example no longer pages, and the fail example is for a model in development
    path = rules / "MON-01-drift-thresholds.yaml"
    edit(path, "warn: 0.1, page: 0.25, window: P7D", "warn: 0.1, window: P7D")
    edit(path, "  fail:\n    - {lifecycle: production,", "  fail:\n    - {lifecycle: development,")
    # a waiver rule's second fail example made valid
    edit(
        rules / "WAV-01-waiver-independent-approval.yaml",
        "    - {requested_by: alice, approved_by: dave}\n",
        "    - {requested_by: dave, approved_by: alice}\n",
    )
    result = invoke("--repo", policies, "rules", "test")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "FAIL MON-01-drift-thresholds: pass example #1 gave fail",
        "FAIL MON-01-drift-thresholds: fail example #1 gave not selected by 'when'",
        "FAIL WAV-01-waiver-independent-approval: fail example #2 gave pass",
        "FAIL ONC-01-model-on-call: needs at least one pass and one fail example",
        "FAIL RISK-01-risk-classified: needs at least one pass and one fail example",
    ]
    assert "54/56 rules have pass and fail examples" in result.stderr
