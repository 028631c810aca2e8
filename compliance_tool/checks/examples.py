"""Rule examples: every rule ships records that must pass it and records that must fail.

Examples are partial records, evaluated exactly as in a real run, inside a small fixed
context (people, rotations, datasets, a runbook) at a fixed evaluation date, so they read
the same for everyone. ``compliance-tool rules explain`` prints the context.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from typing import Any

from compliance_tool.checks.engine import Engine, Status
from compliance_tool.repository.kinds import FOLDERS, Kind
from compliance_tool.repository.loader import Inventory, Record
from compliance_tool.repository.schemas import SchemaSet
from compliance_tool.repository.sources import MemorySource

EXAMPLES_AS_OF = dt.date(2026, 6, 30)

_WEEKLY: dict[str, Any] = {"name": "weekly", "start": "2026-01-05T09:00", "handover": "P7D"}

CONTEXT: dict[Kind, list[dict[str, Any]]] = {
    Kind.PERSON: [
        {
            "id": "alice",
            "name": "Alice (staff, model risk)",
            "roles": ["model-risk"],
            "affiliation": {"type": "internal", "organisation": "Example Bank"},
        },
        {
            "id": "bob",
            "name": "Bob (external ML SRE)",
            "roles": ["ml-sre"],
            "affiliation": {
                "type": "external",
                "organisation": "Example GmbH",
                "contract_end": "2027-03-31",
            },
        },
        {
            "id": "carol",
            "name": "Carol (left)",
            "status": "left",
            "roles": ["ml-sre"],
            "affiliation": {"type": "internal", "organisation": "Example Bank"},
        },
        {
            "id": "dave",
            "name": "Dave (staff ML SRE)",
            "roles": ["ml-sre"],
            "affiliation": {"type": "internal", "organisation": "Example Bank"},
        },
        {
            "id": "erin",
            "name": "Erin (external ML SRE, contract ends soon)",
            "roles": ["ml-sre"],
            "affiliation": {
                "type": "external",
                "organisation": "Example GmbH",
                "contract_end": "2026-07-15",
            },
        },
    ],
    Kind.ROTATION: [
        {
            "id": "duo",
            "members": ["dave", "bob"],
            "escalation": [
                {"level": 1, "to": "rotation"},
                {"level": 2, "to": "alice"},
                {"level": 3, "to": "dave"},
            ],
            "schedule": {
                "note": "Weekly hand-over Monday 09:00, around the clock",
                "time_zone": "Europe/Berlin",
                "layers": [_WEEKLY | {"order": ["dave", "bob"]}],
            },
        },
        {
            "id": "solo",
            "members": ["bob"],
            "escalation": [{"level": 1, "to": "rotation"}],
            "schedule": {
                "note": "Business hours only",
                "time_zone": "Europe/Berlin",
                "layers": [
                    _WEEKLY
                    | {
                        "order": ["bob"],
                        "restrictions": [
                            {
                                "days": ["mon", "tue", "wed", "thu", "fri"],
                                "from": "09:00",
                                "to": "18:00",
                            }
                        ],
                    }
                ],
            },
        },
        {
            "id": "free-text",
            "members": ["dave", "bob"],
            "escalation": [{"level": 1, "to": "rotation"}],
            "schedule": "Weekly hand-over Monday 09:00 CET",
        },
    ],
    Kind.DATASET: [
        {"id": "raw-pii", "classification": {"level": "restricted", "contains_pii": True}},
        {
            "id": "derived",
            "parents": ["raw-pii"],
            "classification": {"level": "internal", "contains_pii": False},
        },
        {"id": "public-ref", "classification": {"level": "public", "contains_pii": False}},
        {
            "id": "orphan",
            "parents": ["missing-parent"],
            "classification": {"level": "internal", "contains_pii": False},
        },
    ],
    Kind.ROLE: [
        {
            "id": "ml-sre",
            "name": "ML site reliability engineer",
            "purpose": "Keeps production models running.",
            "responsibilities": ["Answer pages"],
            "requires": {"trainings": ["ai_literacy"], "access_review": True},
        }
    ],
    Kind.MODEL: [
        {
            "id": "served",
            "name": "A declared model that serves its approved version",
            "version": "3.0.0",
            "lifecycle": "production",
            "approvals": [
                {"stage": "deploy", "version": "3.0.0", "by": "alice", "at": "2026-01-05"}
            ],
        },
    ],
    Kind.OBSERVATION: [
        {
            "id": "registry",
            "source": {"system": "mlflow", "address": "https://registry.example"},
            "observed_at": "2026-06-29T06:00:00Z",
            "tool_version": "0.1.0",
            "entries": [
                {
                    "name": "example",
                    "aliases": {"champion": "3"},
                    "versions": [
                        {"version": "3", "status": "READY", "tags": {"governance.version": "2.0.0"}}
                    ],
                },
                {
                    "name": "served",
                    "aliases": {"champion": "5"},
                    "versions": [
                        {"version": "5", "status": "READY", "tags": {"governance.version": "3.0.0"}}
                    ],
                },
            ],
        },
        {
            "id": "metrics",
            "source": {"system": "openmetrics", "address": "https://metrics.example/metrics"},
            "observed_at": "2026-06-29T06:00:00Z",
            "tool_version": "0.1.0",
            "entries": [{"model": "example", "metrics": {"cost_per_1k_inferences_usd": 0.5}}],
        },
    ],
}
"""The records every example can refer to. ``runbooks/example.md`` exists. In the
snapshots, the registry's champion of the example model is its version 2.0.0 and the
observed cost per 1,000 inferences is 0.5."""

CONTEXT_FILES = ("runbooks/example.md",)


@dataclass(frozen=True, slots=True)
class ExampleOutcome:
    rule: str
    expected: Status
    index: int
    actual: Status | None
    """None when the rule's ``when`` did not select the example."""

    @property
    def ok(self) -> bool:
        return self.actual is self.expected


def context_files(rule_files: dict[str, bytes]) -> dict[str, bytes]:
    """The context as files, plus the rule files (waiver examples name rules)."""
    files = dict(rule_files)
    for kind, records in CONTEXT.items():
        for record in records:
            files[f"{FOLDERS[kind]}/{record['id']}.yaml"] = json.dumps(
                {"apiVersion": "governance/v1", "kind": kind.value, **record}
            ).encode()
    for path in CONTEXT_FILES:
        files[path] = b"# example\n"
    return files


def evaluate_record(
    files: dict[str, bytes],
    kind: Kind,
    data: dict[str, Any],
    schemas: SchemaSet,
    rule_ids: list[str] | None,
    as_of: dt.date,
) -> tuple[Engine, Record, list[Any]]:
    """Add one record to ``files`` and run the rules on it; its results and the engine."""
    record_id = str(data.get("id") or "example")
    files = dict(files)
    files[f"{FOLDERS[kind]}/{record_id}.yaml"] = json.dumps(
        {"apiVersion": "governance/v1", "kind": kind.value, "id": record_id, **data}
    ).encode()
    inventory = Inventory(MemorySource(files), schemas)
    engine = Engine(inventory, as_of, only=rule_ids)
    results = [r for r in engine.run().results if r.kind is kind and r.subject == record_id]
    record = inventory.record(kind, record_id)
    assert record is not None
    return engine, record, results


def _as_example(status: Status) -> Status:
    """What an example shows: an upcoming result is the rule failing before the date it is
    enforced from, so it is a fail example whatever the date of the examples."""
    return Status.FAIL if status is Status.UPCOMING else status


def run_examples(inventory: Inventory) -> list[ExampleOutcome]:
    """Evaluate every example of every rule of ``inventory`` in the example context (with
    the rule, control and framework files, which ``applies_from`` reads)."""
    policies = tuple(f"{FOLDERS[k]}/" for k in (Kind.RULE, Kind.CONTROL, Kind.FRAMEWORK))
    rule_files = {
        path: inventory.source.read(inventory.entries[path])
        for path in inventory.yaml_paths()
        if path.startswith(policies)
    }
    files = context_files(rule_files)
    outcomes: list[ExampleOutcome] = []
    for rule in inventory.records(Kind.RULE):
        examples = rule.data.get("examples") or {}
        applies = Kind(rule.data["applies_to"])
        only = None if applies is Kind.WAIVER else [rule.id]
        for expected, label in ((Status.PASS, "pass"), (Status.FAIL, "fail")):
            for index, example in enumerate(examples.get(label) or []):
                _, _, results = evaluate_record(
                    files, applies, example, inventory.schemas, only, EXAMPLES_AS_OF
                )
                mine = [r for r in results if r.rule == rule.id]
                actual = _as_example(mine[0].status) if mine else None
                outcomes.append(ExampleOutcome(rule.id, expected, index, actual))
    return outcomes
