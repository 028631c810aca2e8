"""JSON output: valid against schemas/check-result.schema.json, which is strict."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

import jsonschema
import pytest
from support.repos import REPO_ROOT
from support.schemas import gaps, load_schema, messages, validator_for

from compliance_tool.checks.engine import CheckResult, Status
from compliance_tool.reporters import json_format

SCHEMA_PATH = REPO_ROOT / "schemas" / "check-result.schema.json"


@pytest.fixture(scope="module")
def schema() -> dict[str, Any]:
    return load_schema(SCHEMA_PATH)


@pytest.fixture(scope="module")
def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    return validator_for(schema)


def test_schema_identity(schema: dict[str, Any]) -> None:
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == json_format.CHECK_SCHEMA_ID
    assert schema["properties"]["$schema"]["const"] == json_format.CHECK_SCHEMA_ID


def test_every_property_is_described_and_every_object_strict(schema: dict[str, Any]) -> None:
    undescribed, loose = gaps(schema)
    assert undescribed == []
    assert loose == []


def test_check_json_validates(
    checked: CheckResult, validator: jsonschema.Draft202012Validator
) -> None:
    document = json.loads(json_format.render_check(checked))
    assert messages(validator, document) == []
    assert document == json_format.check_document(checked)
    assert len(document["findings"]) == 4
    in_git = json_format.check_document(dataclasses.replace(checked, commit="0123abcd" * 5))
    assert messages(validator, in_git) == []


def test_schema_rejects_what_the_document_never_holds(
    checked: CheckResult, validator: jsonschema.Draft202012Validator
) -> None:
    def broken(change: Any) -> list[str]:
        document = json_format.check_document(checked)
        change(document)
        return messages(validator, document)

    assert broken(lambda d: d.update(extra=1))
    assert broken(lambda d: d["summary"].update(skipped=0))
    assert broken(lambda d: d["findings"][0].update(status="pass"))
    assert broken(lambda d: d["findings"][0].update(severity="urgent"))
    assert broken(lambda d: d["findings"][0].update(line=0))
    assert broken(lambda d: d.update(commit="HEAD"))
    assert broken(lambda d: d.update(as_of="26.11.2026"))
    assert broken(lambda d: d["summary"]["failed_by_severity"].update(urgent=1))
    waived = next(
        i
        for i, f in enumerate(json_format.check_document(checked)["findings"])
        if f["status"] == Status.WAIVED.value
    )
    failing = next(
        i
        for i, f in enumerate(json_format.check_document(checked)["findings"])
        if f["status"] == Status.FAIL.value
    )
    assert broken(lambda d: d["findings"][waived].update(waiver=None))
    assert broken(lambda d: d["findings"][failing].update(waiver="W-1"))
