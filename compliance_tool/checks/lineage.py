"""Lineage and impact: which datasets feed a model, and what depends on a dataset.

Answers the questions asked when a dataset is breached, corrected or must be erased,
from the same facts the rules use. Personal data is marked on every node that holds it
or derives from it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from compliance_tool.checks.facts import Facts
from compliance_tool.errors import InventoryError
from compliance_tool.repository.kinds import Kind, Lifecycle

IMPACT_ORDER = {
    state.value: index
    for index, state in enumerate(
        (
            Lifecycle.PRODUCTION,
            Lifecycle.VALIDATION,
            Lifecycle.DEPRECATED,
            Lifecycle.DEVELOPMENT,
            Lifecycle.PROPOSED,
            Lifecycle.RETIRED,
        )
    )
}
"""Order of affected models: what runs now first."""


@dataclass(frozen=True, slots=True)
class Node:
    kind: Kind
    id: str
    label: str
    personal_data: bool
    lifecycle: str = ""


@dataclass
class Graph:
    """A lineage subgraph: nodes and directed edges ``source -> target`` (data flows)."""

    root: Node
    direction: str
    nodes: dict[str, Node] = field(default_factory=dict)
    edges: list[tuple[str, str, str]] = field(default_factory=list)

    def add(self, node: Node) -> None:
        self.nodes.setdefault(node.id, node)

    def link(self, source: str, target: str, label: str = "") -> None:
        if (source, target, label) not in self.edges:
            self.edges.append((source, target, label))


def _dataset(facts: Facts, dataset_id: str) -> Node:
    record = facts.datasets.get(dataset_id)
    return Node(
        Kind.DATASET,
        dataset_id,
        record.name if record else dataset_id,
        facts.personal_data(dataset_id),
    )


def _model(facts: Facts, model_id: str) -> Node:
    record = facts.models.get(model_id)
    lifecycle = str(record.data.get("lifecycle", "")) if record else ""
    uses_pii = any(facts.personal_data(d) for d in facts.model_datasets(model_id))
    return Node(Kind.MODEL, model_id, record.name if record else model_id, uses_pii, lifecycle)


def upstream(facts: Facts, record_id: str) -> Graph:
    """Everything that feeds ``record_id`` (a model or a dataset), through lineage."""
    if record_id in facts.models:
        graph = Graph(_model(facts, record_id), "upstream")
        graph.add(graph.root)
        queue: list[str] = []
        models, seen_models = [record_id], {record_id}
        while models:  # the model, then every model upstream of it, with their inputs
            model_id = models.pop(0)
            record = facts.models.get(model_id)
            inputs = (record.data.get("inputs") or {}) if record else {}
            for item in inputs.get("datasets") or []:
                if isinstance(item, dict) and item.get("ref"):
                    ref = str(item["ref"])
                    graph.add(_dataset(facts, ref))
                    graph.link(ref, model_id, str(item.get("role", "")))
                    queue.append(ref)
            for upstream_model in facts.upstream_models(model_id):
                graph.add(_model(facts, upstream_model))
                graph.link(upstream_model, model_id, "upstream model")
                if upstream_model not in seen_models:
                    seen_models.add(upstream_model)
                    models.append(upstream_model)
    elif record_id in facts.datasets:
        graph = Graph(_dataset(facts, record_id), "upstream")
        graph.add(graph.root)
        queue = [record_id]
    else:
        raise InventoryError(
            f"no model or dataset '{record_id}'",
            hint="give the id of a file in inventory/models or inventory/datasets",
        )
    seen: set[str] = set()
    while queue:
        current = queue.pop(0)
        if current in seen:
            continue
        seen.add(current)
        for parent in facts.parents(current):
            graph.add(_dataset(facts, parent))
            graph.link(parent, current)
            queue.append(parent)
    return graph


def downstream(facts: Facts, dataset_id: str) -> Graph:
    """Every dataset derived from ``dataset_id`` and every model using them."""
    if dataset_id not in facts.datasets:
        raise InventoryError(
            f"no dataset '{dataset_id}'",
            hint="--downstream starts from a file in inventory/datasets",
        )
    graph = Graph(_dataset(facts, dataset_id), "downstream")
    graph.add(graph.root)
    children: dict[str, list[str]] = {}
    for candidate in sorted(facts.datasets):
        for parent in facts.parents(candidate):
            children.setdefault(parent, []).append(candidate)
    queue, seen = [dataset_id], set()
    while queue:
        current = queue.pop(0)
        if current in seen:
            continue
        seen.add(current)
        for child in children.get(current, []):
            graph.add(_dataset(facts, child))
            graph.link(current, child)
            queue.append(child)
    for model_id in sorted(facts.models):
        for item in (facts.models[model_id].data.get("inputs") or {}).get("datasets") or []:
            ref = str(item.get("ref")) if isinstance(item, dict) else ""
            if ref in seen:
                graph.add(_model(facts, model_id))
                graph.link(ref, model_id, str(item.get("role", "")))
    return graph


def impacted_models(graph: Graph) -> list[Node]:
    """Models of the graph, production first, then by id."""
    models = [n for n in graph.nodes.values() if n.kind is Kind.MODEL and n.id != graph.root.id]
    return sorted(models, key=lambda n: (IMPACT_ORDER.get(n.lifecycle, 99), n.id))
