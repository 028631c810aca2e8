"""OSCAL 1.1 in JSON: the organisation's controls as a component definition, and one
evaluation of every rule as assessment results, for compliance teams whose FedRAMP or ISO
programmes keep controls and assessments in OSCAL (compliance-trestle, GRC tools).

The component definition has one component per control of ``policies/controls`` (type
``policy``), whose control implementations name each framework the control maps to (the
framework's source as ``source``) and whose implemented requirements are the framework
clauses, with the rules that check the control as ``Rule_Id`` properties and links to
their files. The assessment results hold one result: the controls reviewed, every rule
result as an observation whose subject is the record's file, a finding for each failure
(waived or not), and for a waived failure a risk with status ``deviation-approved`` whose
deadline is the waiver's expiry. The commit, the SHA-256 of every input file and the
digests of the report manifest are the result's properties and back-matter resources.

Every identifier is a UUID derived (uuid5) from stable names, every time is midnight UTC
of the evaluation date: the same commit and date give the same bytes.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from compliance_tool.audit.verify import input_digests
from compliance_tool.checks.engine import CheckResult, Result, Status
from compliance_tool.checks.pipeline import evaluate
from compliance_tool.exports.base import Exported, ExportRequest
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Inventory, Record
from compliance_tool.repository.sources import Source

OSCAL_VERSION = "1.1.3"
"""The OSCAL release the documents are written against."""

NS = "urn:compliance-tool:oscal"
"""The namespace of the tool's own property names (OSCAL's own names have none)."""

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, NS)
_NOT_TOKEN = re.compile(r"[^A-Za-z0-9_.\-]+")


def component_definition(request: ExportRequest) -> Exported:
    """The organisation's controls as an OSCAL component definition."""
    inventory = request.inventory
    context = _Context.of(request)
    rules = _rules_by_control(inventory)
    frameworks = {r.id: r for r in inventory.records(Kind.FRAMEWORK)}
    components = [
        _component(context, control, rules.get(control.id, []), frameworks)
        for control in sorted(inventory.records(Kind.CONTROL), key=lambda r: r.id)
    ]
    document: dict[str, Any] = {
        "uuid": context.uuid("component-definition", context.key),
        "metadata": context.metadata(f"{context.organisation}: AI governance controls"),
    }
    if components:
        document["components"] = components
    resources = [_rule_resource(context, rule) for rule in _all_rules(rules)]
    if resources:
        document["back-matter"] = {"resources": resources}
    return _exported({"component-definition": document})


def assessment_results(request: ExportRequest) -> Exported:
    """One evaluation of every rule as OSCAL assessment results."""
    inventory = request.inventory
    context = _Context.of(request)
    check = evaluate(inventory, request.as_of).check
    controls = sorted(inventory.records(Kind.CONTROL), key=lambda r: r.id)
    observations = [_observation(context, result) for result in check.results]
    risks = [_risk(context, inventory, r) for r in check.findings if r.status is Status.WAIVED]
    findings = [_finding(context, check, r) for r in check.findings]
    result: dict[str, Any] = {
        "uuid": context.uuid("result", context.key),
        "title": f"Evaluation of every rule on {request.as_of.isoformat()}",
        "description": (
            f"Every rule of policies/rules evaluated on {check.source_label}"
            f"{' at commit ' + check.commit if check.commit else ''} as of "
            f"{request.as_of.isoformat()}: {len(check.results)} results, "
            f"{len(check.findings)} findings ({len(risks)} waived)."
        ),
        "start": context.timestamp,
        "end": context.timestamp,
        "props": context.subject_props(),
        "reviewed-controls": _reviewed_controls(controls),
    }
    for name, items in (("observations", observations), ("risks", risks), ("findings", findings)):
        if items:
            result[name] = items
    document = {
        "uuid": context.uuid("assessment-results", context.key),
        "metadata": context.metadata(f"{context.organisation}: AI governance assessment results"),
        "import-ap": {
            "href": f"#{context.plan_uuid}",
            "remarks": "The assessment plan is the rules of policies/rules at this commit.",
        },
        "results": [result],
        "back-matter": {"resources": context.resources()},
    }
    return _exported({"assessment-results": document})


# -- what both documents share ------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Context:
    """The organisation, the date, the commit and the digests of the inputs: what every
    identifier and time of one export is made from."""

    organisation: str
    as_of: dt.date
    commit: str | None
    digests: Mapping[str, Any]
    sha256: Mapping[str, str]

    @classmethod
    def of(cls, request: ExportRequest) -> _Context:
        source = request.inventory.source
        return cls(
            str(request.config.get("organisation") or "The organisation"),
            request.as_of,
            source.commit,
            input_digests(source),
            _file_sha256(source),
        )

    @property
    def key(self) -> str:
        """What a document's identity is made from: its inputs and its date."""
        return f"{self.digests['inputs_digest']}:{self.as_of.isoformat()}"

    @property
    def timestamp(self) -> str:
        return f"{self.as_of.isoformat()}T00:00:00+00:00"

    @property
    def plan_uuid(self) -> str:
        return self.uuid("assessment-plan", str(self.digests["rules_digest"]))

    def uuid(self, *parts: str) -> str:
        return str(uuid.uuid5(_NAMESPACE, "\0".join(parts)))

    def file_uuid(self, path: str) -> str:
        return self.uuid("file", path, self.sha256.get(path, ""))

    def metadata(self, title: str) -> dict[str, Any]:
        party = self.uuid("party", self.organisation)
        return {
            "title": title,
            "last-modified": self.timestamp,
            "version": self.commit or f"working tree {self.digests['inputs_digest'][:12]}",
            "oscal-version": OSCAL_VERSION,
            "roles": [{"id": "prepared-for", "title": "Prepared for"}],
            "parties": [{"uuid": party, "type": "organization", "name": self.organisation}],
            "responsible-parties": [{"role-id": "prepared-for", "party-uuids": [party]}],
        }

    def subject_props(self) -> list[dict[str, Any]]:
        """The commit and the digests of the inputs, as the report manifest has them."""
        props = [] if self.commit is None else [_prop("commit", self.commit)]
        return [
            *props,
            _prop("inputs-digest", str(self.digests["inputs_digest"]), "SHA-256"),
            _prop("rules-digest", str(self.digests["rules_digest"]), "SHA-256"),
            _prop("evaluation-date", self.as_of.isoformat()),
        ]

    def resources(self) -> list[dict[str, Any]]:
        """The assessment plan (the rules at this commit) and every input file with its
        SHA-256 and git blob id."""
        plan = {
            "uuid": self.plan_uuid,
            "title": "Assessment plan: the rules of policies/rules",
            "description": "Every rule file, evaluated on every record it applies to.",
            "props": [_prop("rules-digest", str(self.digests["rules_digest"]), "SHA-256")],
        }
        files: Mapping[str, str] = self.digests["files"]
        return [
            plan,
            *(
                {
                    "uuid": self.file_uuid(path),
                    "title": path,
                    "props": [_prop("git-blob", blob)],
                    "rlinks": [{"href": path, "hashes": [{"algorithm": "SHA-256", "value": sha}]}],
                }
                for path, blob in sorted(files.items())
                if (sha := self.sha256.get(path))
            ),
        ]


def _file_sha256(source: Source) -> dict[str, str]:
    """The SHA-256 of every input file (of its link text, for a link git stores as such)."""
    found: dict[str, str] = {}
    for path, entry in sorted(source.entries().items()):
        if entry.link is not None and source.entry_problem(entry):
            data = entry.link.encode("utf-8")
        else:
            data = source.read(entry)
        found[path] = hashlib.sha256(data).hexdigest()
    return found


def _prop(name: str, value: str, class_: str | None = None) -> dict[str, Any]:
    prop: dict[str, Any] = {"name": name, "ns": NS, "value": value}
    if class_ is not None:
        prop["class"] = class_
    return prop


def token(text: str) -> str:
    """An OSCAL token (a control or clause id) from an id that may hold spaces or
    brackets: ``Art. 26(5)`` becomes ``art.-26-5``."""
    made = _NOT_TOKEN.sub("-", text.strip()).strip("-").lower()
    return made if made[:1].isalpha() or made[:1] == "_" else f"_{made}"


def _exported(document: Mapping[str, Any]) -> Exported:
    text = json.dumps(document, indent=2, ensure_ascii=False, sort_keys=False) + "\n"
    return Exported({f"{next(iter(document))}.json": text.encode("utf-8")})


# -- component definition -----------------------------------------------------------------


def _rules_by_control(inventory: Inventory) -> dict[str, list[Record]]:
    by_control: dict[str, list[Record]] = {}
    for rule in sorted(inventory.records(Kind.RULE), key=lambda r: r.id):
        for control in rule.data.get("controls") or []:
            by_control.setdefault(str(control), []).append(rule)
    return by_control


def _all_rules(rules: Mapping[str, list[Record]]) -> list[Record]:
    unique = {rule.id: rule for listed in rules.values() for rule in listed}
    return [unique[rule_id] for rule_id in sorted(unique)]


def _rule_resource(context: _Context, rule: Record) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "uuid": context.uuid("rule", rule.id),
        "title": f"{rule.id}: {_line(rule.name)}",
        "description": str(rule.data.get("rationale") or rule.name).strip(),
        "props": [_prop("severity", str(rule.data.get("severity", "")))],
    }
    sha = context.sha256.get(rule.path)
    rlink: dict[str, Any] = {"href": rule.path, "media-type": "application/yaml"}
    if sha:
        rlink["hashes"] = [{"algorithm": "SHA-256", "value": sha}]
    resource["rlinks"] = [rlink]
    return resource


def _component(
    context: _Context, control: Record, rules: list[Record], frameworks: Mapping[str, Record]
) -> dict[str, Any]:
    """One control of the organisation with its rules and the clauses it implements."""
    data = control.data
    props = [
        _prop("control-id", control.id),
        _prop("verification", str(data.get("verification", ""))),
        *([_prop("owner", str(data["owner"]))] if data.get("owner") else []),
    ]
    for index, rule in enumerate(rules):
        rule_set = f"rule_set_{index:02d}"
        props.append({**_prop("Rule_Id", rule.id), "remarks": rule_set})
        props.append({**_prop("Rule_Description", _line(rule.name)), "remarks": rule_set})
    component: dict[str, Any] = {
        "uuid": context.uuid("control", control.id),
        "type": "policy",
        "title": f"{control.id}: {_line(control.name)}",
        "description": str(data.get("description") or control.name).strip(),
        "props": props,
    }
    by_framework: dict[str, list[Mapping[str, Any]]] = {}
    for mapping in data.get("mappings") or []:
        by_framework.setdefault(str(mapping["framework"]), []).append(mapping)
    implementations = [
        _implementation(context, control, frameworks[fid], mappings, rules)
        for fid, mappings in by_framework.items()
        if fid in frameworks
    ]
    if implementations:
        component["control-implementations"] = implementations
    return component


def _implementation(
    context: _Context,
    control: Record,
    framework: Record,
    mappings: list[Mapping[str, Any]],
    rules: list[Record],
) -> dict[str, Any]:
    """The clauses of one framework that a control implements, with the rules checking it."""
    titles = {
        str(c.get("id")): str(c.get("title", "")) for c in framework.data.get("clauses") or []
    }
    source = (framework.data.get("source") or {}).get("url") or framework.path
    requirements = []
    for mapping in mappings:
        clause = str(mapping["clause"])
        description = f"{control.id} ({_line(control.name)}) implements {clause}"
        if titles.get(clause):
            description += f": {titles[clause]}"
        if mapping.get("rationale"):
            description += f". {str(mapping['rationale']).strip()}"
        requirement: dict[str, Any] = {
            "uuid": context.uuid("requirement", control.id, framework.id, clause),
            "control-id": token(clause),
            "description": description,
            "props": [_prop("clause", clause), *(_prop("Rule_Id", rule.id) for rule in rules)],
        }
        if rules:
            requirement["links"] = [
                {"href": f"#{context.uuid('rule', rule.id)}", "rel": "related", "text": rule.id}
                for rule in rules
            ]
        requirements.append(requirement)
    return {
        "uuid": context.uuid("implementation", control.id, framework.id),
        "source": str(source),
        "description": f"{control.id} against {_line(framework.name)}",
        "props": [
            _prop("framework", framework.id),
            _prop("framework-status", str(framework.data.get("status", ""))),
        ],
        "implemented-requirements": requirements,
    }


def _line(text: str) -> str:
    """One line of text (OSCAL titles may not hold a line break)."""
    return " ".join(text.split())


# -- assessment results -------------------------------------------------------------------


def _reviewed_controls(controls: Iterable[Record]) -> dict[str, Any]:
    selected = [{"control-id": token(control.id)} for control in controls]
    selection: dict[str, Any] = {"description": "The organisation's controls (policies/controls)"}
    if selected:
        selection["include-controls"] = selected
    else:
        selection["include-all"] = {}
    return {
        "description": "Every control checked by the rules of this evaluation",
        "control-selections": [selection],
    }


def _observation_uuid(context: _Context, result: Result) -> str:
    return context.uuid("observation", context.key, *result.key)


def _observation(context: _Context, result: Result) -> dict[str, Any]:
    """One rule on one record: what was checked, on which file, and the outcome."""
    outcome = {
        Status.PASS: "holds",
        Status.FAIL: "fails",
        Status.WAIVED: f"fails, waived by {result.waiver}",
        Status.UPCOMING: "fails, not yet in force",
    }[result.status]
    description = f"{result.rule} on {result.kind.value} {result.subject}: {outcome}."
    if result.status is not Status.PASS:
        reasons = "; ".join(f"{d.field}: {d.message}" for d in result.details)
        description += f" {result.message}" + (f" ({reasons})" if reasons else "")
    return {
        "uuid": _observation_uuid(context, result),
        "title": f"{result.rule}: {result.kind.value} {result.subject}",
        "description": description,
        "props": [
            _prop("rule", result.rule),
            _prop("result", result.status.value),
            _prop("severity", result.severity.name.lower()),
        ],
        "methods": ["TEST"],
        "types": [
            "finding" if result.status in (Status.FAIL, Status.WAIVED) else "control-objective"
        ],
        "subjects": [
            {
                "subject-uuid": context.file_uuid(result.path),
                "type": "resource",
                "title": f"{result.kind.value} {result.subject} ({result.path})",
            }
        ],
        "relevant-evidence": [
            {
                "href": f"#{context.file_uuid(result.path)}",
                "description": f"{result.path}, line {result.line}, SHA-256 "
                f"{context.sha256.get(result.path, 'unknown')}",
            }
        ],
        "collected": context.timestamp,
    }


def _finding(context: _Context, check: CheckResult, result: Result) -> dict[str, Any]:
    """A failure (or a waived one) against each control its rule checks."""
    rule = check.rule(result.rule)
    finding: dict[str, Any] = {
        "uuid": context.uuid("finding", context.key, *result.key),
        "title": f"{result.rule} fails on {result.kind.value} {result.subject}",
        "description": f"{result.message} Remediation: {rule.remediation}".strip(),
        "props": [
            _prop("severity", result.severity.name.lower()),
            *(_prop("control", control) for control in rule.controls),
        ],
        "target": {
            "type": "objective-id",
            "target-id": token(rule.controls[0] if rule.controls else result.rule),
            "status": {"state": "not-satisfied"},
        },
        "related-observations": [{"observation-uuid": _observation_uuid(context, result)}],
    }
    if result.status is Status.WAIVED:
        finding["related-risks"] = [{"risk-uuid": _risk_uuid(context, result)}]
    return finding


def _risk_uuid(context: _Context, result: Result) -> str:
    return context.uuid("risk", context.key, *result.key)


def _risk(context: _Context, inventory: Inventory, result: Result) -> dict[str, Any]:
    """A waived failure: the risk accepted until the waiver expires."""
    waiver = inventory.record(Kind.WAIVER, result.waiver or "")
    data = waiver.data if waiver is not None else {}
    risk: dict[str, Any] = {
        "uuid": _risk_uuid(context, result),
        "title": f"{result.rule} on {result.kind.value} {result.subject}, waived by {result.waiver}",
        "description": str(data.get("justification") or result.message).strip(),
        "statement": (
            f"{result.message} Accepted by {data.get('approved_by', 'the approver')} "
            f"(requested by {data.get('requested_by', 'unknown')}, "
            f"ticket {data.get('ticket', 'none')}) until {result.waiver_expires}."
        ),
        "props": [
            _prop("waiver", str(result.waiver)),
            *([_prop("ticket", str(data["ticket"]))] if data.get("ticket") else []),
        ],
        "status": "deviation-approved",
        "related-observations": [{"observation-uuid": _observation_uuid(context, result)}],
    }
    if result.waiver_expires:
        risk["deadline"] = f"{result.waiver_expires}T23:59:59+00:00"
    return risk
