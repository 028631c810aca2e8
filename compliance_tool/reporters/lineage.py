"""A lineage graph as an indented tree (text), JSON, Graphviz DOT and a Mermaid flowchart."""

from __future__ import annotations

import json

from compliance_tool.checks.lineage import Graph, Node, impacted_models
from compliance_tool.repository.kinds import Kind


def _mark(node: Node) -> str:
    extra = f", {node.lifecycle}" if node.lifecycle else ""
    pii = ", personal data" if node.personal_data else ""
    return f"{node.kind.value.lower()} {node.id} ({node.label}{extra}{pii})"


def render_text(graph: Graph) -> str:
    upward = graph.direction == "upstream"
    lines = [f"{'Upstream of' if upward else 'Downstream of'} {_mark(graph.root)}"]
    neighbours: dict[str, list[tuple[str, str]]] = {}
    for source, target, label in graph.edges:
        if upward:
            neighbours.setdefault(target, []).append((source, label))
        else:
            neighbours.setdefault(source, []).append((target, label))

    expanded: set[str] = {graph.root.id}

    def walk(node_id: str, prefix: str) -> None:
        items = sorted(neighbours.get(node_id, []))
        for index, (other, label) in enumerate(items):
            last = index == len(items) - 1
            role = f" [{label}]" if label else ""
            again = other in expanded and neighbours.get(other)
            shown = f"{other} (as above)" if again else _mark(graph.nodes[other])
            lines.append(f"{prefix}{'└─ ' if last else '├─ '}{shown}{role}")
            if other not in expanded:
                expanded.add(other)
                walk(other, prefix + ("   " if last else "│  "))

    walk(graph.root.id, "  ")
    if not upward:
        models = impacted_models(graph)
        lines.append("")
        lines.append(
            f"Models affected ({len(models)}): "
            + (", ".join(f"{m.id} ({m.lifecycle})" for m in models) or "none")
        )
    return "\n".join(lines) + "\n"


def render_json(graph: Graph) -> str:
    return (
        json.dumps(
            {
                "version": 1,
                "root": graph.root.id,
                "direction": graph.direction,
                "nodes": [
                    {
                        "id": n.id,
                        "kind": n.kind.value,
                        "name": n.label,
                        "personal_data": n.personal_data,
                        "lifecycle": n.lifecycle or None,
                    }
                    for n in sorted(graph.nodes.values(), key=lambda n: n.id)
                ],
                "edges": [
                    {"from": s, "to": t, "role": label or None} for s, t, label in graph.edges
                ],
                "models_affected": [m.id for m in impacted_models(graph)],
            },
            indent=2,
            sort_keys=True,
        )
        + "\n"
    )


def _quoted(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')


def render_dot(graph: Graph) -> str:
    lines = ["digraph lineage {", "  rankdir=LR;", '  node [fontname="DejaVu Sans"];']
    for node in sorted(graph.nodes.values(), key=lambda n: n.id):
        shape = "box" if node.kind is Kind.MODEL else "ellipse"
        colour = ', style=filled, fillcolor="#fde2e1"' if node.personal_data else ""
        lines.append(
            f'  "{_quoted(node.id)}" [shape={shape}{colour}, '
            f'label="{_quoted(node.id)}\\n{_quoted(node.label)}"];'
        )
    for source, target, label in graph.edges:
        extra = f' [label="{_quoted(label)}"]' if label else ""
        lines.append(f'  "{_quoted(source)}" -> "{_quoted(target)}"{extra};')
    return "\n".join([*lines, "}"]) + "\n"


def render_mermaid(graph: Graph) -> str:
    ids = {node_id: f"n{index}" for index, node_id in enumerate(sorted(graph.nodes))}
    lines = ["flowchart LR"]
    for node_id, alias in ids.items():
        node = graph.nodes[node_id]
        text = node_id.replace('"', "'")
        lines.append(
            f'  {alias}["{text}"]' if node.kind is Kind.DATASET else f'  {alias}[["{text}"]]'
        )
    for source, target, label in graph.edges:
        arrow = f" -->|{label}| " if label else " --> "
        lines.append(f"  {ids[source]}{arrow}{ids[target]}")
    pii = [ids[n] for n in sorted(graph.nodes) if graph.nodes[n].personal_data]
    if pii:
        lines.append("  classDef pii fill:#fde2e1,stroke:#c0392b")
        lines.append(f"  class {','.join(pii)} pii")
    return "\n".join(lines) + "\n"
