"""The three JSON Schema implementations agree: python-jsonschema, jsonschema-rs, check-jsonschema.

The tool decides validity with jsonschema-rs and explains with python-jsonschema; editors and
CI users run check-jsonschema on the same files. Every sample file of the repository must
pass all three, and every schema-level invalid case must be rejected by all three.

Data for the two libraries is read by the tool's own YAML 1.2 loader. check-jsonschema reads
the files itself, with ruamel.yaml's pure-Python safe loader (YAML 1.2: yes/no/on/off stay
strings) and its timestamp constructor replaced by the string one, so unquoted dates reach
the schema as the text written in the file, as they do in the tool; the files end in
.yaml/.yml, so no --default-filetype is needed. Its format checks are on by default.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections import defaultdict
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema_rs
import pytest
from support.repos import CASES, REPO_ROOT

from compliance_tool.repository.kinds import YAML_SUFFIXES, Kind
from compliance_tool.repository.loader import kind_of_path
from compliance_tool.repository.yamlio import parse_document

SCHEMAS = REPO_ROOT / "schemas"
CHECK_JSONSCHEMA = Path(sys.executable).parent / "check-jsonschema"

SCHEMA_LEVEL_CASES = sorted(
    [p.name for p in CASES.iterdir() if p.name.startswith("schema-")]
    + ["unknown-api-version", "unknown-kind-typo"]
)
"""Invalid cases whose files break their kind's schema (the other cases break cross-file
rules, or are not YAML mappings at all)."""


def _governance_files(root: Path, tops: tuple[str, ...]) -> list[tuple[str, Path]]:
    found = []
    for top in tops:
        for path in sorted((root / top).rglob("*")):
            relative = path.relative_to(root).as_posix()
            if path.is_file() and path.name.endswith(YAML_SUFFIXES) and kind_of_path(relative):
                found.append((relative, path))
    return found


SAMPLES = _governance_files(REPO_ROOT, ("inventory", "policies"))
CASE_FILES = [
    (f"{case}/{relative}", path)
    for case in sorted(p.name for p in CASES.iterdir() if p.is_dir())
    for relative, path in _governance_files(CASES / case, ("inventory", "policies"))
]
SCHEMA_CASE_FILES = [item for item in CASE_FILES if item[0].split("/")[0] in SCHEMA_LEVEL_CASES]


def _readable(files: list[tuple[str, Path]]) -> list[tuple[str, Path]]:
    """The files the tool reads as one YAML mapping. Only these go to check-jsonschema:
    the others include an alias bomb, which would exhaust memory in a loader without limits."""
    return [(label, path) for label, path in files if not parse_document(path.read_bytes()).issues]


READABLE_SAMPLES = _readable(SAMPLES)
READABLE_CASE_FILES = _readable(CASE_FILES)


def kind_of(label: str) -> Kind:
    """The kind of a sample ('inventory/...') or case file ('case/inventory/...')."""
    relative = label if label.startswith(("inventory/", "policies/")) else label.split("/", 1)[1]
    kind = kind_of_path(relative)
    assert kind is not None, label
    return kind


@cache
def schema(kind: Kind) -> dict[str, Any]:
    result: dict[str, Any] = json.loads((SCHEMAS / kind.schema_name).read_text(encoding="utf-8"))
    return result


@cache
def python_validator(kind: Kind) -> jsonschema.Draft202012Validator:
    return jsonschema.Draft202012Validator(
        schema(kind), format_checker=jsonschema.Draft202012Validator.FORMAT_CHECKER
    )


@cache
def rust_validator(kind: Kind) -> Any:
    return jsonschema_rs.Draft202012Validator(schema(kind), validate_formats=True)


def load(path: Path) -> Any:
    document = parse_document(path.read_bytes())
    assert document.issues == (), f"{path}: {document.issues}"
    return document.data


@pytest.fixture(scope="session")
def check_jsonschema_errors() -> dict[Path, list[str]]:
    """check-jsonschema's messages for every sample and case file, one run per schema."""
    assert CHECK_JSONSCHEMA.is_file(), "install the test extras: scripts/bootstrap --test"
    by_kind: dict[Kind, list[Path]] = defaultdict(list)
    files = READABLE_SAMPLES + READABLE_CASE_FILES
    for label, path in files:
        by_kind[kind_of(label)].append(path)
    errors: dict[Path, list[str]] = {path: [] for _, path in files}
    for kind, paths in sorted(by_kind.items()):
        command = [
            str(CHECK_JSONSCHEMA),
            "--output-format",
            "json",
            "--color",
            "never",
            "--schemafile",
            str(SCHEMAS / kind.schema_name),
            *map(str, paths),
        ]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        assert done.returncode in (0, 1), done.stderr
        report = json.loads(done.stdout)
        assert (report["status"] == "ok") == (done.returncode == 0)
        for error in report["errors"]:
            errors[Path(error["filename"])].append(f"{error['path']}: {error['message']}")
        for error in report.get("parse_errors", []):
            errors[Path(error["filename"])].append(f"parse error: {error}")
    return errors


def test_the_corpora_are_not_empty() -> None:
    assert {label for label, _ in SCHEMA_CASE_FILES} <= {label for label, _ in READABLE_CASE_FILES}
    assert {kind_of(label) for label, _ in SAMPLES} >= {Kind.MODEL, Kind.DATASET, Kind.PERSON}
    assert len(SCHEMA_CASE_FILES) >= len(SCHEMA_LEVEL_CASES) >= 7


@pytest.mark.parametrize(("label", "path"), SAMPLES, ids=[label for label, _ in SAMPLES])
def test_sample_passes_every_implementation(
    label: str, path: Path, check_jsonschema_errors: dict[Path, list[str]]
) -> None:
    data = load(path)
    kind = kind_of(label)
    assert [e.message for e in python_validator(kind).iter_errors(data)] == []
    assert [e.message for e in rust_validator(kind).iter_errors(data)] == []
    assert check_jsonschema_errors.get(path, ["not readable"]) == []


@pytest.mark.parametrize(
    ("label", "path"), SCHEMA_CASE_FILES, ids=[label for label, _ in SCHEMA_CASE_FILES]
)
def test_schema_level_case_is_rejected_by_every_implementation(
    label: str, path: Path, check_jsonschema_errors: dict[Path, list[str]]
) -> None:
    data = load(path)
    kind = kind_of(label)
    assert list(python_validator(kind).iter_errors(data)) != []
    assert not rust_validator(kind).is_valid(data)
    assert check_jsonschema_errors[path] != []


@pytest.mark.parametrize(
    ("label", "path"), READABLE_CASE_FILES, ids=[label for label, _ in READABLE_CASE_FILES]
)
def test_every_case_file_gets_one_verdict(
    label: str, path: Path, check_jsonschema_errors: dict[Path, list[str]]
) -> None:
    """Valid or not, the three implementations say the same of every readable case file."""
    data = load(path)
    kind = kind_of(label)
    verdicts = {
        "python-jsonschema": python_validator(kind).is_valid(data),
        "jsonschema-rs": rust_validator(kind).is_valid(data),
        "check-jsonschema": not check_jsonschema_errors[path],
    }
    assert len(set(verdicts.values())) == 1, verdicts
