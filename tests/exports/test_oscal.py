"""The OSCAL exports, read back with compliance-trestle's OSCAL models: the component
definition holds every control with its clauses and rules, the assessment results every
rule result of the tool's own check, and a document missing a required field is refused."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from support.checks import evaluate_at
from support.exporting import committed_sample, export_to
from trestle.common.err import TrestleError
from trestle.oscal.assessment_results import AssessmentResults
from trestle.oscal.component import ComponentDefinition

from compliance_tool.checks.coverage import compute_coverage
from compliance_tool.checks.engine import CheckResult, Status
from compliance_tool.exports.oscal import token
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Inventory
from compliance_tool.repository.session import Where, open_inventory


@dataclass(frozen=True)
class Exports:
    """The committed sample, both OSCAL files exported from it and the tool's own check."""

    root: Path
    commit: str
    component_definition: Path
    assessment_results: Path
    inventory: Inventory
    check: CheckResult


@pytest.fixture(scope="module")
def exports(tmp_path_factory: pytest.TempPathFactory) -> Exports:
    folder = tmp_path_factory.mktemp("oscal")
    root, commit = committed_sample(folder)
    cd, ar = folder / "component-definition.json", folder / "assessment-results.json"
    export_to(root, "oscal-component-definition", cd)
    export_to(root, "oscal-assessment-results", ar)
    inventory = open_inventory(Where(root, "HEAD", use_cache=False))
    return Exports(root, commit, cd, ar, inventory, evaluate_at(root))


def test_component_definition_has_every_control_with_its_clauses_and_rules(
    exports: Exports,
) -> None:
    definition = ComponentDefinition.oscal_read(exports.component_definition)
    assert definition is not None
    coverage = compute_coverage(exports.inventory, exports.check)
    components = definition.components or []
    assert len(components) == len(coverage.controls)
    frameworks = {f.id for f in exports.inventory.records(Kind.FRAMEWORK)}
    for component, control in zip(components, coverage.controls, strict=True):
        record = exports.inventory.record(Kind.CONTROL, control.id)
        assert record is not None
        assert component.title.startswith(f"{control.id}: ")
        mappings = [m for m in record.data["mappings"] if m["framework"] in frameworks]
        requirements = [
            r for ci in component.control_implementations or [] for r in ci.implemented_requirements
        ]
        assert sorted(r.control_id for r in requirements) == sorted(
            token(m["clause"]) for m in mappings
        )
        rule_ids = {p.value for p in component.props or [] if p.name == "Rule_Id"}
        assert rule_ids == set(control.rules)
    sources = {ci.source for c in components for ci in c.control_implementations or [] if ci.source}
    assert "https://doi.org/10.6028/NIST.AI.100-1" in sources


def test_assessment_results_count_what_the_check_found(exports: Exports) -> None:
    results = AssessmentResults.oscal_read(exports.assessment_results)
    assert results is not None
    (result,) = results.results
    check = exports.check
    coverage = compute_coverage(exports.inventory, check)
    (selection,) = result.reviewed_controls.control_selections
    assert len(selection.include_controls) == len(coverage.controls)
    assert len(result.observations or []) == len(check.results)
    assert len(result.findings or []) == len(check.findings) > 0
    waived = [r for r in check.results if r.status is Status.WAIVED]
    risks = result.risks or []
    assert len(risks) == len(waived) > 0
    for risk, waived_result in zip(risks, waived, strict=True):
        assert risk.status.root.root == "deviation-approved"
        assert risk.deadline is not None
        assert risk.deadline.date().isoformat() == waived_result.waiver_expires
    props = {p.name: p.value for p in result.props or []}
    assert props["commit"] == exports.commit


def test_assessment_evidence_is_the_sha256_of_the_inputs(exports: Exports) -> None:
    results = AssessmentResults.oscal_read(exports.assessment_results)
    assert results is not None and results.back_matter is not None
    resources = {r.uuid: r for r in results.back_matter.resources or []}
    observation = (results.results[0].observations or [])[0]
    (subject,) = observation.subjects or []
    resource = resources[subject.subject_uuid]
    (rlink,) = resource.rlinks or []
    (digest,) = rlink.hashes or []
    path = exports.root / rlink.href
    assert digest.value == hashlib.sha256(path.read_bytes()).hexdigest()


def _first_component(document: dict[str, Any]) -> dict[str, Any]:
    component: dict[str, Any] = document["component-definition"]["components"][0]
    return component


def _first_result(document: dict[str, Any]) -> dict[str, Any]:
    result: dict[str, Any] = document["assessment-results"]["results"][0]
    return result


@pytest.mark.parametrize(
    ("name", "reader", "part", "field"),
    [
        ("component_definition", ComponentDefinition, _first_component, "title"),
        ("assessment_results", AssessmentResults, _first_result, "reviewed-controls"),
    ],
)
def test_a_document_missing_a_required_field_is_refused(
    exports: Exports,
    tmp_path: Path,
    name: str,
    reader: type[ComponentDefinition | AssessmentResults],
    part: Callable[[dict[str, Any]], dict[str, Any]],
    field: str,
) -> None:
    document = json.loads(getattr(exports, name).read_text(encoding="utf-8"))
    del part(document)[field]
    broken = tmp_path / "broken.json"
    broken.write_text(json.dumps(document), encoding="utf-8")
    with pytest.raises(TrestleError, match=f"{field}: required field is missing"):
        reader.oscal_read(broken)


def test_two_exports_of_one_commit_and_date_are_the_same_bytes(
    exports: Exports, tmp_path: Path
) -> None:
    again = tmp_path / "again.json"
    export_to(exports.root, "oscal-assessment-results", again)
    assert again.read_bytes() == exports.assessment_results.read_bytes()
    export_to(exports.root, "oscal-component-definition", again)
    assert again.read_bytes() == exports.component_definition.read_bytes()


def test_clause_ids_become_oscal_tokens() -> None:
    assert token("Art. 26(5)") == "art.-26-5"
    assert token("GOVERN 1.6") == "govern-1.6"
    assert token("6.1.3") == "_6.1.3"
