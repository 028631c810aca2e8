"""Vector charts for the report, drawn with matplotlib as SVG (text kept as text).

Output is deterministic: fixed hash salt, no date in the metadata, fixed sizes.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import Any

PALETTE = ["#1f4e79", "#2e86c1", "#85c1e9", "#a9cce3", "#d6eaf8", "#5d6d7e"]


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    plt.rcParams.update(
        {
            "svg.hashsalt": "compliance-tool",
            "svg.fonttype": "none",
            "font.family": "DejaVu Sans",
            "font.size": 8,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.titlesize": 9,
            "axes.titleweight": "bold",
        }
    )
    return plt


def _svg(figure: Any) -> str:
    out = io.StringIO()
    figure.savefig(out, format="svg", metadata={"Date": None, "Creator": None}, bbox_inches="tight")
    _pyplot().close(figure)
    return out.getvalue()


def stacked_bars(
    title: str,
    categories: Sequence[str],
    series: dict[str, Sequence[int]],
    colours: dict[str, str] | None = None,
    size: tuple[float, float] = (3.4, 2.2),
) -> str:
    """Vertical stacked bars: one bar per category, one stack per series."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=size)
    bottoms = [0] * len(categories)
    for index, (name, values) in enumerate(series.items()):
        colour = (colours or {}).get(name, PALETTE[index % len(PALETTE)])
        axes.bar(categories, values, bottom=bottoms, label=name, color=colour, width=0.6)
        bottoms = [b + v for b, v in zip(bottoms, values, strict=True)]
    axes.set_title(title, loc="left")
    axes.tick_params(axis="x", labelrotation=30)
    axes.yaxis.get_major_locator().set_params(integer=True)
    axes.set_ylim(bottom=0, top=max(max(bottoms, default=0), 1) * 1.1)
    if len(series) > 1:
        axes.legend(frameon=False, fontsize=7)
    return _svg(figure)


def horizontal_budget(
    title: str,
    labels: Sequence[str],
    values: Sequence[float],
    budgets: Sequence[float | None],
    unit: str,
    size: tuple[float, float] = (7.0, 2.6),
) -> str:
    """Horizontal bars of a measured figure, each with its budget marked."""
    plt = _pyplot()
    height = max(size[1], 0.28 * len(labels) + 0.8)
    figure, axes = plt.subplots(figsize=(size[0], height))
    positions = list(range(len(labels)))
    colours = [
        "#c0392b" if budget is not None and value > budget else "#2e86c1"
        for value, budget in zip(values, budgets, strict=True)
    ]
    axes.barh(positions, values, color=colours, height=0.6)
    for position, budget in zip(positions, budgets, strict=True):
        if budget is not None:
            axes.plot(
                [budget, budget], [position - 0.4, position + 0.4], color="#333333", linewidth=1.2
            )
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.set_xlabel(unit)
    axes.set_title(title, loc="left")
    return _svg(figure)


def line_chart(
    title: str,
    labels: Sequence[str],
    series: dict[str, Sequence[float]],
    percent: bool = False,
    size: tuple[float, float] = (7.0, 2.4),
) -> str:
    """A line per series over ordered labels (a trend)."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=size)
    for index, (name, values) in enumerate(series.items()):
        axes.plot(
            labels,
            values,
            marker="o",
            markersize=3,
            label=name,
            color=PALETTE[index % len(PALETTE)],
        )
    if percent:
        axes.set_ylim(0, 1.05)
        axes.yaxis.set_major_formatter(plt.FuncFormatter(lambda v, _: f"{v:.0%}"))
    axes.set_title(title, loc="left")
    axes.tick_params(axis="x", labelrotation=45)
    if len(series) > 1:
        axes.legend(frameon=False, fontsize=7)
    return _svg(figure)


def sparkline(
    values: Sequence[float | None],
    limit: float | None = None,
    size: tuple[float, float] = (1.5, 0.42),
) -> str:
    """A small line of a weekly series without axes: the last point marked, a gap where a
    week has no figure, and the threshold as a dashed line when it is within sight."""
    plt = _pyplot()
    figure, axes = plt.subplots(figsize=size)
    xs = list(range(len(values)))
    ys = [float("nan") if v is None else float(v) for v in values]
    axes.plot(xs, ys, color=PALETTE[0], linewidth=1.2, marker="o", markersize=1.8)
    known = [(x, y) for x, y in zip(xs, ys, strict=True) if y == y]
    if known:
        axes.plot(*known[-1], marker="o", markersize=3.5, color=PALETTE[0])
        low, high = min(y for _, y in known), max(y for _, y in known)
        margin = max(high - low, abs(high) / 2)  # a threshold far off would flatten the line
        if limit is not None and low - margin <= limit <= high + margin:
            axes.axhline(limit, color="#c0392b", linewidth=0.7, linestyle="--")
    axes.set_xlim(-0.3, max(len(values) - 0.7, 0.7))
    axes.axis("off")
    return _svg(figure)


def lineage_graph(
    layers: Sequence[Sequence[tuple[str, bool]]],
    edges: Sequence[tuple[str, str]],
) -> str:
    """A small left-to-right lineage: ``layers`` of (name, personal data) from sources to
    the model, arrows for ``edges``; personal data is shaded."""
    plt = _pyplot()
    from matplotlib.patches import FancyBboxPatch

    columns = len(layers)
    rows = max((len(layer) for layer in layers), default=1)
    width, height = min(max(1.6 * columns, 4.0), 7.2), max(0.5 * rows + 0.3, 1.0)
    figure, axes = plt.subplots(figsize=(width, height))
    axes.set_xlim(0, columns)
    axes.set_ylim(0, rows)
    axes.axis("off")
    where: dict[str, tuple[float, float]] = {}
    fit = max(8, int(width / columns * 0.8 * 72 / 3.6))
    for column, layer in enumerate(layers):
        offset = (rows - len(layer)) / 2
        for row, (name, personal) in enumerate(layer):
            x, y = column + 0.05, rows - offset - row - 0.8
            box = FancyBboxPatch(
                (x, y),
                0.8,
                0.55,
                boxstyle="round,pad=0.02,rounding_size=0.06",
                facecolor="#fde2e1" if personal else "#eaf2f8",
                edgecolor="#c0392b" if personal else "#1f4e79",
                linewidth=0.8,
            )
            axes.add_patch(box)
            axes.text(
                x + 0.4,
                y + 0.275,
                _wrap(name, fit),
                ha="center",
                va="center",
                fontsize=6,
                linespacing=1.0,
            )
            where[name] = (x, y + 0.275)
    for source, target in edges:
        if source in where and target in where:
            (x1, y1), (x2, y2) = where[source], where[target]
            axes.annotate(
                "",
                xy=(x2, y2),
                xytext=(x1 + 0.8, y1),
                arrowprops={"arrowstyle": "->", "color": "#5d6d7e", "linewidth": 0.7},
            )
    return _svg(figure)


def _wrap(name: str, fit: int) -> str:
    """Up to two lines of ``fit`` characters, broken at a hyphen where possible."""
    if len(name) <= fit:
        return name
    cut = name.rfind("-", 0, fit + 1)
    cut = cut + 1 if cut > 0 else fit
    rest = name[cut:]
    return name[:cut] + "\n" + (rest if len(rest) <= fit else rest[: fit - 1] + "…")


def horizontal_stacked(
    title: str,
    labels: Sequence[str],
    series: Mapping[str, Sequence[int]],
    colours: Mapping[str, str],
    unit: str,
    width: float = 4.6,
) -> str:
    """Horizontal stacked bars: one bar per label (top to bottom), one stack per series in
    the order given, integer ticks, the legend right of the bars."""
    plt = _pyplot()
    height = 0.22 * len(labels) + 0.9
    figure, axes = plt.subplots(figsize=(width, height))
    positions = list(range(len(labels)))
    lefts = [0] * len(labels)
    for name, values in series.items():
        axes.barh(
            positions,
            values,
            left=lefts,
            height=0.6,
            label=name,
            color=colours.get(name, "#5d6d7e"),
        )
        lefts = [a + b for a, b in zip(lefts, values, strict=True)]
    axes.set_yticks(positions, labels)
    axes.invert_yaxis()
    axes.xaxis.get_major_locator().set_params(integer=True)
    axes.set_xlim(0, max(max(lefts, default=0), 1) + 0.5)
    axes.set_xlabel(unit)
    axes.set_title(title, loc="left")
    if series:
        axes.legend(
            frameon=False,
            fontsize=7,
            loc="upper left",
            bbox_to_anchor=(1.02, 1.0),
            borderaxespad=0,
        )
    return _svg(figure)
