"""CycloneDX 1.6 ML-BOM in JSON: the models and datasets of the inventory, for security
teams that keep software and machine-learning bills of materials (Dependency-Track and
other CycloneDX consumers).

Every model is a ``machine-learning-model`` component with its model card: the datasets
it is trained, evaluated and run on (``modelParameters.datasets``), its monitoring
thresholds (``quantitativeAnalysis.performanceMetrics``), its intended users and use,
the uses out of scope (``technicalLimitations``), the EU AI Act class and human oversight
(``ethicalConsiderations``) and the fairness threshold (``fairnessAssessments``). Its
developers are its ``authors``, the external organisations they work for its
``supplier`` (the organisation itself when it built the model), owner, operator and team
are properties. Every dataset is a ``data`` component with its classification, its
personal-data fields as ``sensitiveData`` and its owner in ``governance``. Lineage is the
``dependencies`` graph: a model depends on its datasets and upstream models, a dataset on
its parents. The bom-refs are ``model:<id>`` and ``dataset:<id>``; the serial number is a
uuid5 of the inputs and the date, the timestamp midnight UTC of the date.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable, Mapping
from typing import Any

from compliance_tool.audit.verify import input_digests
from compliance_tool.checks.facts import Facts
from compliance_tool.exports.base import Exported, ExportRequest
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Inventory, Record
from compliance_tool.repository.resources import tool_version

SPEC_VERSION = "1.6"
PREFIX = "compliance-tool"
"""The namespace of the tool's property names (``compliance-tool:eu-ai-act:class``)."""

_NAMESPACE = uuid.uuid5(uuid.NAMESPACE_URL, "urn:compliance-tool:cyclonedx")

_BOUNDS = (("min", ">="), ("max", "<="), ("warn", "warn at"), ("page", "page at"))


def model_ref(model_id: str) -> str:
    return f"model:{model_id}"


def dataset_ref(dataset_id: str) -> str:
    return f"dataset:{dataset_id}"


def ml_bom(request: ExportRequest) -> Exported:
    """The ML-BOM of the inventory at one commit and date."""
    inventory = request.inventory
    facts = Facts(inventory, request.as_of)
    organisation = str(request.config.get("organisation") or "The organisation")
    digests = input_digests(inventory.source)
    people = _People(inventory, organisation)
    models = sorted(inventory.records(Kind.MODEL), key=lambda r: r.id)
    datasets = sorted(inventory.records(Kind.DATASET), key=lambda r: r.id)
    stamp = f"{request.as_of.isoformat()}T00:00:00Z"
    portfolio_props = [_property("inputs-digest", str(digests["inputs_digest"]))]
    if inventory.source.commit:
        portfolio_props.insert(0, _property("commit", inventory.source.commit))
    bom: dict[str, Any] = {
        "bomFormat": "CycloneDX",
        "specVersion": SPEC_VERSION,
        "serialNumber": "urn:uuid:"
        + str(uuid.uuid5(_NAMESPACE, f"{digests['inputs_digest']}\0{request.as_of}")),
        "version": 1,
        "metadata": {
            "timestamp": stamp,
            "tools": {
                "components": [
                    {"type": "application", "name": "compliance-tool", "version": tool_version()}
                ]
            },
            "component": {
                "type": "application",
                "bom-ref": "portfolio",
                "name": f"{organisation} AI portfolio",
                "properties": portfolio_props,
            },
            "supplier": {"name": organisation},
        },
        "components": [
            *(_model(facts, people, record) for record in models),
            *(_dataset(facts, people, record) for record in datasets),
        ],
        "dependencies": [
            {"ref": "portfolio", "dependsOn": [model_ref(r.id) for r in models]},
            *lineage_dependencies(facts, models, datasets),
        ],
    }
    text = json.dumps(bom, indent=2, ensure_ascii=False) + "\n"
    return Exported({"bom.cdx.json": text.encode("utf-8")})


def lineage_dependencies(
    facts: Facts, models: Iterable[Record], datasets: Iterable[Record]
) -> list[dict[str, Any]]:
    """What each model and dataset directly depends on: a model on the datasets it names
    and its upstream models, a dataset on its lineage parents."""
    found = []
    for model in models:
        wanted = [dataset_ref(d) for d in facts.model_datasets(model.id)]
        wanted += [model_ref(m) for m in facts.upstream_models(model.id)]
        found.append({"ref": model_ref(model.id), "dependsOn": _unique(wanted)})
    for dataset in datasets:
        wanted = [dataset_ref(p) for p in facts.parents(dataset.id)]
        found.append({"ref": dataset_ref(dataset.id), "dependsOn": _unique(wanted)})
    return found


def _unique(refs: Iterable[str]) -> list[str]:
    return sorted(set(refs))


def _property(name: str, value: object) -> dict[str, str]:
    return {"name": f"{PREFIX}:{name}", "value": str(value)}


class _People:
    """People as CycloneDX contacts, and the organisations they work for."""

    def __init__(self, inventory: Inventory, organisation: str) -> None:
        self.inventory = inventory
        self.organisation = organisation

    def contact(self, person_id: str) -> dict[str, str]:
        record = self.inventory.record(Kind.PERSON, person_id)
        contact = {"name": record.name if record else person_id}
        if record is not None and record.data.get("email"):
            contact["email"] = str(record.data["email"])
        return contact

    def external_organisation(self, person_id: str) -> str | None:
        record = self.inventory.record(Kind.PERSON, person_id)
        affiliation = (record.data.get("affiliation") or {}) if record else {}
        if affiliation.get("type") == "external" and affiliation.get("organisation"):
            return str(affiliation["organisation"])
        return None


# -- models ---------------------------------------------------------------------------------


def _model(facts: Facts, people: _People, record: Record) -> dict[str, Any]:
    """One model as a machine-learning-model component with its model card."""
    data = record.data
    ownership = data.get("ownership") or {}
    developers = [str(p) for p in ownership.get("developers") or []]
    suppliers = sorted({o for p in developers if (o := people.external_organisation(p))})
    involved = [
        str(p)
        for p in (
            ownership.get("owner"),
            ownership.get("operator"),
            *((ownership.get("rollback_authority") or {}).get("deputies") or []),
        )
        if p
    ]
    external = sorted({o for p in involved if (o := people.external_organisation(p))})
    component: dict[str, Any] = {
        "type": "machine-learning-model",
        "bom-ref": model_ref(record.id),
        "supplier": {"name": suppliers[0] if suppliers else people.organisation},
        "name": record.id,
        "description": _description(record),
        "modelCard": _model_card(facts, record),
        "properties": [
            _property("name", record.name),
            _property("lifecycle", data.get("lifecycle", "")),
            *(
                _property(f"ownership:{role}", ownership[role])
                for role in ("owner", "operator", "team")
                if ownership.get(role)
            ),
            *(_property("supplier", o) for o in suppliers[1:]),
            *(_property("external-organisation", o) for o in external),
        ],
    }
    if data.get("version"):
        component["version"] = str(data["version"])
    if developers:
        component["authors"] = [people.contact(p) for p in developers]
    return component


def _description(record: Record) -> str:
    text = " ".join(str(record.data.get("description") or "").split())
    return f"{record.name}. {text}" if text else record.name


def _model_card(facts: Facts, record: Record) -> dict[str, Any]:
    data = record.data
    use = data.get("intended_use") or {}
    risk = data.get("risk") or {}
    act = risk.get("eu_ai_act") or {}
    thresholds = (data.get("monitoring") or {}).get("thresholds") or {}
    considerations: dict[str, Any] = {}
    if use.get("users"):
        considerations["users"] = [str(u) for u in use["users"]]
    if use.get("purpose"):
        considerations["useCases"] = [str(use["purpose"])]
    if use.get("out_of_scope"):
        considerations["technicalLimitations"] = [
            f"Out of scope: {item}" for item in use["out_of_scope"]
        ]
    ethical = _ethical(data, act)
    if ethical:
        considerations["ethicalConsiderations"] = ethical
    fairness = thresholds.get("fairness")
    if isinstance(fairness, Mapping):
        considerations["fairnessAssessments"] = [_fairness(fairness)]
    card: dict[str, Any] = {
        "bom-ref": f"model-card:{record.id}",
        "modelParameters": {
            "datasets": [{"ref": dataset_ref(d)} for d in _unique(facts.model_datasets(record.id))]
        },
    }
    metrics = [_metric(name, spec) for name, spec in thresholds.items() if _bounds(spec)]
    if metrics:
        card["quantitativeAnalysis"] = {"performanceMetrics": metrics}
    if considerations:
        card["considerations"] = considerations
    card["properties"] = [
        _property("risk:tier", risk.get("tier", "")),
        *(
            _property(f"eu-ai-act:{key}", act[key])
            for key in ("class", "role", "basis")
            if act.get(key)
        ),
        _property("affects-people", str(bool(use.get("affects_people"))).lower()),
    ]
    return card


def _bounds(spec: object) -> str:
    """A threshold in words: ``>= 0.62``, ``warn at 0.1, page at 0.25``."""
    if not isinstance(spec, Mapping):
        return ""
    bounds = ", ".join(f"{word} {spec[key]}" for key, word in _BOUNDS if key in spec)
    if bounds and spec.get("window"):
        bounds += f" over {spec['window']}"
    return bounds


def _metric(name: str, spec: Mapping[str, Any]) -> dict[str, str]:
    """One monitoring threshold as a performance metric (the value the model must keep)."""
    return {
        "type": str(spec.get("metric") or name),
        "value": _bounds(spec),
        "slice": f"monitoring threshold {name}",
    }


def _fairness(spec: Mapping[str, Any]) -> dict[str, str]:
    metric = str(spec.get("metric", "fairness"))
    return {
        "groupAtRisk": f"the groups compared by {metric}",
        "harms": f"a gap in {metric} beyond the threshold disadvantages one group",
        "mitigationStrategy": f"{metric} is monitored in production: {_bounds(spec)}",
    }


def _ethical(data: Mapping[str, Any], act: Mapping[str, Any]) -> list[dict[str, str]]:
    """The EU AI Act class with its basis, and the human oversight that answers it."""
    found = []
    if act.get("class"):
        risk = f"EU AI Act class {act['class']}"
        if act.get("basis"):
            risk += f" ({act['basis']})"
        entry = {"name": risk}
        oversight = (data.get("operations") or {}).get("human_oversight") or {}
        if oversight.get("mode"):
            entry["mitigationStrategy"] = f"human oversight {oversight['mode']}" + (
                f", override by {oversight['override_role']}"
                if oversight.get("override_role")
                else ""
            )
        found.append(entry)
    return found


# -- datasets -------------------------------------------------------------------------------


def _dataset(facts: Facts, people: _People, record: Record) -> dict[str, Any]:
    """One dataset as a data component: classification, personal data and governance."""
    data = record.data
    classification = data.get("classification") or {}
    entry: dict[str, Any] = {"type": "dataset", "name": record.name}
    if classification.get("level"):
        entry["classification"] = str(classification["level"])
    sensitive = [str(f) for f in classification.get("pii_fields") or []]
    if classification.get("contains_pii") and not sensitive:
        sensitive = ["personal data"]
    if not classification.get("contains_pii") and facts.personal_data(record.id):
        sensitive = ["derived from personal data"]
    if sensitive:
        entry["sensitiveData"] = sensitive
    uri = (data.get("source") or {}).get("uri")
    if uri:
        entry["contents"] = {"url": str(uri)}
    owner = data.get("owner")
    if owner:
        entry["governance"] = {
            # one party each: a contact or an organisation (the schema allows one of them)
            "owners": [
                {"contact": people.contact(str(owner))},
                *(
                    [{"organization": {"name": org}}]
                    if (org := people.external_organisation(str(owner)))
                    else []
                ),
            ],
            "custodians": [{"organization": {"name": people.organisation}}],
        }
    text = " ".join(str(data.get("description") or "").split())
    if text:
        entry["description"] = text
    props = [
        _property("name", record.name),
        _property("personal-data", str(facts.personal_data(record.id)).lower()),
    ]
    if classification.get("special_category"):
        props.append(_property("special-category", classification["special_category"]))
    return {
        "type": "data",
        "bom-ref": dataset_ref(record.id),
        "name": record.id,
        "description": _description(record),
        "data": [entry],
        "properties": props,
    }
