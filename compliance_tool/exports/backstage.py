"""Backstage catalogue entities: the portfolio as one multi-document YAML file that a
Backstage catalogue reads (through ``catalog.locations`` or a ``Location`` entity).

- A model is a ``Component`` of type ``ml-model``, not a ``Resource``: Backstage's
  Component is a piece of software that is built, versioned, deployed and owned, and it is
  the only kind with a ``lifecycle`` (experimental, production, deprecated), which a model
  has; a Resource is the infrastructure software needs at run time. ``spec.owner`` is the
  model's team, ``dependsOn`` its datasets (Resources) and upstream models (Components).
- A dataset is a ``Resource`` of type ``dataset``: data a model needs to be trained and to
  run. ``spec.owner`` is its owner (a User), ``dependsOn`` its lineage parents.
- A person is a ``User`` (``profile`` with the display name and e-mail address,
  ``memberOf`` the teams) and a team a ``Group`` of type ``team`` with its members; both
  sides of a membership are written, whichever record (the person's ``teams`` or the
  team's ``members``) states it, so that the catalogue shows the same relation either way.

Every entity is in the ``default`` namespace and carries the annotation
``compliance-tool/record``, the file of the record it is made from. Entity names follow
Backstage's rule (letters, digits, ``-``, ``_``, ``.``; at most 63 characters; starting
and ending with a letter or digit): an id that does not fit is shortened and given a
digest of the id, which the annotation ``compliance-tool/id`` keeps.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

import yaml

from compliance_tool.checks.facts import Facts
from compliance_tool.exports.base import Exported, ExportRequest
from compliance_tool.repository.kinds import Kind
from compliance_tool.repository.loader import Inventory, Record

API_VERSION = "backstage.io/v1alpha1"
NAMESPACE = "default"
ANNOTATION_RECORD = "compliance-tool/record"
ANNOTATION_ID = "compliance-tool/id"

LIFECYCLES = {
    "proposed": "experimental",
    "development": "experimental",
    "validation": "experimental",
    "production": "production",
    "deprecated": "deprecated",
    "retired": "deprecated",
}
"""A model's lifecycle as one of Backstage's well-known component lifecycles."""

_NAME = re.compile(r"^[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$")
_NOT_NAME = re.compile(r"[^-A-Za-z0-9_.]+")
_NOT_TAG = re.compile(r"[^a-z0-9+#]+")


def backstage(request: ExportRequest) -> Exported:
    """Every team, person, dataset and model as a Backstage entity, in that order."""
    inventory = request.inventory
    facts = Facts(inventory, request.as_of)
    memberships = _memberships(inventory)
    entities = [_group(team, memberships) for team in inventory.records(Kind.TEAM)]
    entities += [_user(person, memberships) for person in inventory.records(Kind.PERSON)]
    entities += [_resource(dataset, facts) for dataset in inventory.records(Kind.DATASET)]
    entities += [_component(model, facts) for model in inventory.records(Kind.MODEL)]
    text = yaml.safe_dump_all(
        entities, sort_keys=False, allow_unicode=True, explicit_start=True, width=88
    )
    return Exported({"catalog-info.yaml": text.encode("utf-8")})


def entity_name(record_id: str) -> str:
    """``record_id`` as a Backstage entity name: itself when it fits, else shortened to a
    valid name ending in the first 8 hex digits of its SHA-256."""
    if _NAME.match(record_id):
        return record_id
    digest = hashlib.sha256(record_id.encode("utf-8")).hexdigest()[:8]
    stem = _NOT_NAME.sub("-", record_id)[:54].strip("-_.")
    return f"{stem}-{digest}" if stem else digest


def entity_ref(kind: str, record_id: str) -> str:
    """The full reference ``kind:default/name`` of the entity made from ``record_id``."""
    return f"{kind}:{NAMESPACE}/{entity_name(record_id)}"


def tag(text: str) -> str:
    """``text`` as a Backstage tag: lower case, words joined by ``-``, at most 63 characters."""
    return _NOT_TAG.sub("-", text.lower()).strip("-")[:63].rstrip("-")


def _metadata(record: Record, tags: list[str]) -> dict[str, Any]:
    metadata: dict[str, Any] = {"name": entity_name(record.id), "title": record.name}
    description = record.get("description")
    if isinstance(description, str) and description.strip():
        metadata["description"] = description.strip()
    annotations = {ANNOTATION_RECORD: record.path}
    if entity_name(record.id) != record.id:
        annotations[ANNOTATION_ID] = record.id
    metadata["annotations"] = annotations
    cleaned = sorted({t for t in (tag(t) for t in tags) if t})
    if cleaned:
        metadata["tags"] = cleaned
    return metadata


def _entity(kind: str, metadata: dict[str, Any], spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": API_VERSION, "kind": kind, "metadata": metadata, "spec": spec}


def _component(model: Record, facts: Facts) -> dict[str, Any]:
    lifecycle = str(model.get("lifecycle") or "")
    tags = ["ml-model", f"risk-{model.get('risk.tier')}", lifecycle]
    ai_act = model.get("risk.eu_ai_act.class")
    tags += [f"eu-ai-act-{ai_act}"] if ai_act else []
    metadata = _metadata(model, tags)
    dashboard = model.get("monitoring.dashboard")
    if isinstance(dashboard, str) and dashboard.startswith(("https://", "http://")):
        metadata["links"] = [{"url": dashboard, "title": "Monitoring dashboard"}]
    depends = [entity_ref("resource", d) for d in facts.model_datasets(model.id)]
    depends += [entity_ref("component", m) for m in facts.upstream_models(model.id)]
    spec: dict[str, Any] = {
        "type": "ml-model",
        "lifecycle": LIFECYCLES.get(lifecycle, "experimental"),
        "owner": entity_ref("group", str(model.get("ownership.team"))),
    }
    if depends:
        spec["dependsOn"] = sorted(set(depends), key=depends.index)
    return _entity("Component", metadata, spec)


def _resource(dataset: Record, facts: Facts) -> dict[str, Any]:
    level = dataset.get("classification.level")
    tags = ["dataset", *([str(level)] if level else [])]
    tags += ["personal-data"] if facts.personal_data(dataset.id) else []
    spec: dict[str, Any] = {
        "type": "dataset",
        "owner": entity_ref("user", str(dataset.get("owner"))),
    }
    parents = facts.parents(dataset.id)
    if parents:
        spec["dependsOn"] = [entity_ref("resource", p) for p in parents]
    return _entity("Resource", _metadata(dataset, tags), spec)


def _user(person: Record, memberships: dict[str, set[str]]) -> dict[str, Any]:
    status = str(person.get("status") or "active")
    affiliation = str(person.get("affiliation.type") or "")
    tags = [t for t in (affiliation, "" if status == "active" else status) if t]
    profile: dict[str, Any] = {"displayName": person.name}
    email = person.get("email")
    if isinstance(email, str) and email:
        profile["email"] = email
    teams = sorted(t for t, members in memberships.items() if person.id in members)
    spec = {"profile": profile, "memberOf": [entity_ref("group", t) for t in teams]}
    return _entity("User", _metadata(person, tags), spec)


def _group(team: Record, memberships: dict[str, set[str]]) -> dict[str, Any]:
    spec = {
        "type": "team",
        "profile": {"displayName": team.name},
        "children": [],
        "members": [entity_ref("user", p) for p in sorted(memberships.get(team.id, ()))],
    }
    return _entity("Group", _metadata(team, []), spec)


def _memberships(inventory: Inventory) -> dict[str, set[str]]:
    """Team id -> the ids of its members, from the teams' ``members`` and the people's
    ``teams`` alike; only people and teams that exist."""
    people = {p.id for p in inventory.records(Kind.PERSON)}
    found: dict[str, set[str]] = {t.id: set() for t in inventory.records(Kind.TEAM)}
    for team in inventory.records(Kind.TEAM):
        found[team.id].update(str(m) for m in team.get("members") or () if str(m) in people)
    for person in inventory.records(Kind.PERSON):
        for team_id in person.get("teams") or ():
            if str(team_id) in found:
                found[str(team_id)].add(person.id)
    return found
