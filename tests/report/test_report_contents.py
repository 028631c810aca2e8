"""What the sample report says, read back from the PDF with pdftotext -layout, and what
it carries: findings.json and manifest.json, the manifest also beside the PDF and valid
against schemas/report-manifest.schema.json."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from support.git import git
from support.pdf import Report, attachments, pdftotext
from support.repos import AS_OF_TEXT as AS_OF
from support.repos import REPO_ROOT, Sample
from support.schemas import gaps, load_schema, messages, validator_for

from compliance_tool.repository.yamlio import parse_document

MANIFEST_SCHEMA = REPO_ROOT / "schemas" / "report-manifest.schema.json"

PLANTED: dict[str, list[tuple[str, str, str]]] = {
    "P1": [("VAL-01-validation-current", "Model", "aml-transaction-monitoring")],
    "P2": [("MON-01-drift-thresholds", "Model", "churn-propensity")],
    "P3": [
        ("WAV-01-waiver-unexpired", "Waiver", "W-2026-007"),
        ("MON-02-performance-floor", "Model", "demand-forecast"),
    ],
    "P4": [
        ("ONC-01-rotation-escalation", "Rotation", "ml-sre-retail"),
        ("CONT-01-two-operators", "Model", "churn-propensity"),
        ("CONT-01-two-operators", "Model", "demand-forecast"),
        ("CONT-01-bus-factor", "Model", "churn-propensity"),
        ("CONT-01-bus-factor", "Model", "demand-forecast"),
        ("ONC-01-schedule-covers-week", "Model", "churn-propensity"),
        ("ONC-01-schedule-covers-week", "Model", "demand-forecast"),
    ],
    "P5": [
        ("EXT-01-contract-current", "Person", "mvoss"),
        ("EXT-01-shift-after-contract", "Rotation", "ml-sre-payments"),
    ],
    "P6": [("INC-02-post-incident-review", "Incident", "INC-2026-0057")],
    "P7": [("DAT-03-dpia-personal-data", "Dataset", "churn-features")],
    "P8": [("INC-01-serious-incident-reported-2-days", "Incident", "INC-2026-0064")],
    "P9": [("REC-02-unapproved-version-serving", "Model", "fraud-scoring")],
    "P10": [("REC-01-undeclared-model", "Observation", "manifests")],
    "P11": [("REC-04-retired-but-serving", "Model", "legacy-application-scorecard")],
    "P12": [
        ("REC-07-metric-breach", "Model", "product-recommendations"),
        ("REC-08-declared-metric-differs", "Model", "product-recommendations"),
    ],
    "P13": [
        ("CONT-01-rollback-deputies-not-one-supplier", "Model", "aml-transaction-monitoring"),
        ("CONT-01-rollback-deputies-not-one-supplier", "Model", "collections-prioritisation"),
        ("CONT-01-rollback-deputies-not-one-supplier", "Model", "merchant-embeddings"),
        ("CONT-01-rollback-deputies-not-one-supplier", "Model", "product-recommendations"),
    ],
    "P14": [
        ("ONC-01-schedule-covers-week", "Model", "collections-prioritisation"),
        ("ONC-01-schedule-covers-week", "Model", "credit-scoring"),
    ],
}
"""The planted problems of inventory/README.md as (rule, kind, subject) findings."""

WAIVED = ("VAL-01-validation-current", "Model", "fraud-scoring", "W-2026-014", "2026-12-31")


def _yaml(path: Path) -> dict[str, Any]:
    document = parse_document(path.read_bytes())
    assert document.data is not None and not document.issues, (path, document.issues)
    return document.data


def _records(root: Path, folder: str) -> list[dict[str, Any]]:
    return [_yaml(p) for p in sorted((root / folder).glob("*.yaml"))]


def _rule(root: Path, rule_id: str) -> dict[str, Any]:
    return _yaml(root / "policies" / "rules" / f"{rule_id}.yaml")


def _clause_row(layout: str, clause_id: str, title: str) -> str:
    """The row of a clause in a coverage table: its first line, plus the next when the
    clause id wraps in its narrow column (e.g. 'MEASURE' / '2.4')."""
    lines = [line.strip() for line in layout.splitlines()]
    head, _, tail = clause_id.rpartition(" ")
    for index, line in enumerate(lines):
        if title[:24] not in line:
            continue
        if line.startswith(clause_id + " "):
            return " ".join(line.split())
        if head and line.startswith(head + " ") and index + 1 < len(lines):
            following = lines[index + 1]
            if following == tail or following.startswith(tail + " "):
                return " ".join(f"{line} {following}".split())
    raise AssertionError(f"no row of clause {clause_id!r} ({title[:24]}...) in the report")


# -- the text --------------------------------------------------------------------------------


def test_cover_names_the_commit_date_and_organisation(
    signed_report: Report, sample: Sample
) -> None:
    cover = " ".join(pdftotext(signed_report.pdf, "-layout", "-f", "1", "-l", "1").split())
    assert cover.startswith("AI portfolio compliance report Northmoor Bank ")
    assert f"Evaluation date {AS_OF}" in cover
    assert f"Commit {sample.commit}" in cover
    assert "Portfolio 16 models, 11 in production; 56 rules over 29 controls" in cover
    # P1-P14; P8 (INC-01, 2-day limit) and P9 (REC-02) are critical. RISK-02-fria is
    # upcoming, not a finding
    assert "27 unwaived findings, 19 of high severity or worse; 1 waived;" in cover


def test_every_production_model_has_its_section(signed_report: Report, sample: Sample) -> None:
    production = [
        m for m in _records(sample.root, "inventory/models") if m["lifecycle"] == "production"
    ]
    assert len(production) == 11  # inventory/README.md
    text = signed_report.text
    for model in production:
        heading = (
            f"{model['name']} {model['id']} · version {model['version']} · "
            f"{model['risk']['tier']} tier"
        )
        assert heading in text, heading


@pytest.mark.parametrize("problem", sorted(PLANTED))
def test_each_planted_problem_is_reported(
    signed_report: Report, sample: Sample, problem: str
) -> None:
    for rule_id, kind, subject in PLANTED[problem]:
        rule = _rule(sample.root, rule_id)
        line = f"{rule['title']} — {rule['severity']} · {kind} {subject} ·"
        assert line in signed_report.text, line
        assert f"Rule {rule_id}" in signed_report.text


def test_the_waived_finding_names_its_waiver_and_expiry(
    signed_report: Report, sample: Sample
) -> None:
    rule_id, kind, subject, waiver, expires = WAIVED
    title = _rule(sample.root, rule_id)["title"]
    text = signed_report.text
    assert f"{title} — {kind} {subject}: waived by {waiver} until {expires}" in text
    # and in the model's own section, as a waived finding, not as a failure
    name = _yaml(sample.root / "inventory" / "models" / f"{subject}.yaml")["name"]
    section = text[text.index(f"{name} {subject} · version") :]
    section = section[: section.index("Incidents")]
    assert f"waived by {waiver} until {expires}" in section
    # the one remediation shown is that of its failure, P9; the waived finding has none
    assert section.count("Fix:") == 1
    assert "Fix: " + _rule(sample.root, "REC-02-unapproved-version-serving")["remediation"] in (
        " ".join(section.split())
    )


def test_both_waivers_with_their_state(signed_report: Report) -> None:
    rows = signed_report.layout
    assert re.search(r"^W-2026-007\s.*\s2026-10-31\s+expired$", rows, re.M), "W-2026-007"
    assert re.search(r"^W-2026-014\s.*\s2026-12-31\s+in force$", rows, re.M), "W-2026-014"
    assert "(35 days)" in signed_report.text  # 2026-11-26 to 2026-12-31
    assert "The waiver has expired and no longer waives its finding." in signed_report.text


def test_the_control_coverage_matrix(signed_report: Report, sample: Sample) -> None:
    text = signed_report.text
    frameworks = _records(sample.root, "policies/frameworks")
    assert len(frameworks) == 5
    for framework in frameworks:
        heading = f"{framework['title']} {framework['id']} · {framework['status']}"
        assert heading in text, heading
    clauses = {
        (framework["id"], clause["id"]): clause["title"]
        for framework in frameworks
        for clause in framework["clauses"]
    }
    for key, controls in (
        (("eu-ai-act-2024-1689", "Art. 72"), "MON-01, MON-02"),
        (("nist-ai-rmf-1.0", "MEASURE 2.4"), "MON-01, MON-02"),
        # DEC-01 no longer maps to A.6.2.6 (its rationale says why): MON-01 to RUN-01 do
        (("iso-iec-42001-2023", "A.6.2.6"), "MON-01, MON-02, MON-03,"),
    ):
        row = _clause_row(signed_report.layout, key[1], clauses[key])
        assert controls in row, row
        # P2 (MON-01) and P3 (MON-02) break monitoring, so each of these clauses fails
        assert re.search(r"\bfail\b", row), row
    for control in ("VAL-01", "MON-01", "MON-02", "WAV-01", "ONC-01", "CONT-01", "EXT-01"):
        assert re.search(rf"^{control}\s.*\sfail\s", signed_report.layout, re.M), control
    assert re.search(r"^OWN-01\s.*\spass\s", signed_report.layout, re.M)
    # RISK-02's only gap is a rule not yet in force: neither a failure nor a pass
    assert re.search(r"^RISK-02\s.*\supcoming\s", signed_report.layout, re.M)


def test_the_provenance_section(signed_report: Report, sample: Sample) -> None:
    manifest = json.loads(signed_report.manifest.read_bytes())
    text = signed_report.text
    provenance = text[text.rindex("Provenance An auditor can recompute") :]
    assert f"Commit {sample.commit}" in provenance
    assert f"Tree {sample.tree}" in provenance
    assert f"Evaluation date {AS_OF}" in provenance
    assert f"Rule set digest sha256:{manifest['rules_digest']}" in provenance
    assert f"Input digest sha256:{manifest['inputs_digest']}" in provenance
    assert f"Findings digest sha256:{manifest['findings_sha256']}" in provenance


# -- what the PDF carries ----------------------------------------------------------------


def test_findings_and_manifest_are_embedded(signed_report: Report, sample: Sample) -> None:
    files = attachments(signed_report.pdf)
    assert set(files) == {"findings.json", "manifest.json"}
    assert files["manifest.json"] == signed_report.manifest.read_bytes()
    manifest = json.loads(files["manifest.json"])
    assert manifest["commit"] == sample.commit and manifest["tree"] == sample.tree
    assert manifest["as_of"] == AS_OF
    assert manifest["findings_sha256"] == hashlib.sha256(files["findings.json"]).hexdigest()


def test_the_findings_are_exactly_the_planted_ones(signed_report: Report, sample: Sample) -> None:
    findings = json.loads(attachments(signed_report.pdf)["findings.json"])
    assert findings["commit"] == sample.commit and findings["as_of"] == AS_OF
    failing = {
        (f["rule"], f["kind"], f["subject"]) for f in findings["findings"] if f["status"] == "fail"
    }
    assert failing == {item for items in PLANTED.values() for item in items}
    waived = [f for f in findings["findings"] if f["status"] == "waived"]
    assert [
        (f["rule"], f["kind"], f["subject"], f["waiver"], f["waiver_expires"]) for f in waived
    ] == [WAIVED]


def test_the_manifest_lists_what_git_holds(signed_report: Report, sample: Sample) -> None:
    """Recomputed with git, not with the tool: every file under inventory/ and policies/
    with its blob id, and the rule-set digest over policies/rules/."""
    manifest = json.loads(signed_report.manifest.read_bytes())
    listed = git(
        sample.root, "ls-tree", "-r", sample.commit, "inventory", "policies", env=sample.env
    )
    files = {}
    for line in listed.splitlines():
        meta, path = line.split("\t", 1)
        files[path] = meta.split()[2]
    assert manifest["files"] == files

    def digest(prefix: str) -> str:
        lines = "".join(f"{p} {files[p]}\n" for p in sorted(files) if p.startswith(prefix))
        return hashlib.sha256(lines.encode()).hexdigest()

    assert manifest["rules_digest"] == digest("policies/rules/")
    assert manifest["inputs_digest"] == digest("")


# -- the manifest schema -------------------------------------------------------------------


@pytest.fixture(scope="module")
def manifest_schema() -> dict[str, Any]:
    schema = load_schema(MANIFEST_SCHEMA)
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == "https://compliance-tool.dev/schemas/output/report-manifest.schema.json"
    return schema


def _errors(schema: dict[str, Any], document: Any) -> list[str]:
    return messages(validator_for(schema), document)


def test_the_manifest_is_valid(signed_report: Report, manifest_schema: dict[str, Any]) -> None:
    manifest = json.loads(signed_report.manifest.read_bytes())
    assert _errors(manifest_schema, manifest) == []
    working_tree = {**manifest, "commit": None, "tree": None}
    assert _errors(manifest_schema, working_tree) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda m: m.update(signed_at="2026-11-26"), "Additional properties are not allowed"),
        (lambda m: m.update(commit=m["commit"][:12]), "is not valid under any of the given"),
        (lambda m: m.update(as_of="26.11.2026"), "does not match"),
        (lambda m: m["tool"].update(name="other"), "'compliance-tool' was expected"),
        (lambda m: m["files"].update({"README.md": "0" * 40}), "does not match"),
        (lambda m: m["files"].update({"policies/x.yaml": "abc"}), "does not match"),
        (lambda m: m.pop("findings_sha256"), "'findings_sha256' is a required property"),
    ],
    ids=["extra-key", "short-commit", "date", "tool", "path", "blob", "missing-digest"],
)
def test_the_schema_rejects_what_the_report_never_writes(
    signed_report: Report, manifest_schema: dict[str, Any], change: Any, expected: str
) -> None:
    manifest = copy.deepcopy(json.loads(signed_report.manifest.read_bytes()))
    change(manifest)
    errors = _errors(manifest_schema, manifest)
    assert any(expected in e for e in errors), errors


def test_every_property_is_described_and_every_object_strict(
    manifest_schema: dict[str, Any],
) -> None:
    undescribed, loose = gaps(manifest_schema)
    assert undescribed == [] and loose == []
    assert "description" in manifest_schema
