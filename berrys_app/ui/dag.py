"""The plan graph: a layered drawing of the task DAG as a plotly figure.

Tasks are placed in columns by their depth (longest dependency chain before
them), nodes coloured by status, critical-path edges drawn thick. Pure Python
so it is unit-testable and cheap to recompute on each live update.
"""

from __future__ import annotations

import itertools
import math
from typing import Any

import plotly.graph_objects as go

from berrys_app.ui.format import TASK_STATUS_HEX, label


def depths(tasks: list[dict[str, Any]]) -> dict[str, int]:
    """Column of each task key: 0 for roots, else 1 + the deepest dependency (cycles cut)."""
    deps = {t["key"]: [d for d in t.get("deps", []) if d] for t in tasks}
    memo: dict[str, int] = {}

    def depth(key: str, seen: frozenset[str]) -> int:
        if key in memo:
            return memo[key]
        parents = [d for d in deps.get(key, []) if d in deps and d not in seen]
        value = 0 if not parents else 1 + max(depth(p, seen | {key}) for p in parents)
        memo[key] = value
        return value

    return {key: depth(key, frozenset()) for key in deps}


def layout_positions(tasks: list[dict[str, Any]]) -> dict[str, tuple[float, float]]:
    """(x, y) per task key: x = depth, y spread evenly within the column."""
    columns: dict[int, list[str]] = {}
    for key, level in depths(tasks).items():
        columns.setdefault(level, []).append(key)
    positions: dict[str, tuple[float, float]] = {}
    for level, keys in columns.items():
        count = len(keys)
        for index, key in enumerate(keys):
            positions[key] = (float(level), (count - 1) / 2 - index)
    return positions


GAP_PX = 15.0  # where an edge stops before its task, so the arrowhead is not under the node
GRAPH_WIDTH_PX = 1100.0  # about the graph's width on a laptop (only sizes that gap)
TITLE_CHARS = 24  # a node's label; the full title is in its hover text
TITLE_LIMIT = 80  # more tasks than this: nodes are labelled by key (zoom in to tell them apart)


def short_title(title: str) -> str:
    return title if len(title) <= TITLE_CHARS else title[: TITLE_CHARS - 1].rstrip() + "…"


def arrow_gap(levels: float) -> float:
    """``GAP_PX`` in data units: the x axis spans ``levels + 1`` units over the graph's width."""
    return GAP_PX * (levels + 1) / GRAPH_WIDTH_PX


def _edge(
    start: tuple[float, float], end: tuple[float, float], gap: float
) -> tuple[list[float | None], list[float | None]]:
    """A line from ``start`` that stops ``gap`` short of ``end`` (its marker is the arrowhead)."""
    (x0, y0), (x1, y1) = start, end
    length = math.hypot(x1 - x0, y1 - y0) or 1.0
    cut = min(gap, length / 2) / length
    return [x0, x1 - (x1 - x0) * cut, None], [y0, y1 - (y1 - y0) * cut, None]


def _edge_trace(xs: list[float | None], ys: list[float | None], *, width: int, color: str) -> go.Scatter:
    """Edges with an arrowhead at their end (``angleref="previous"`` points it along the line)."""
    sizes = [0 if (i % 3) != 1 else 11 + 2 * width for i in range(len(xs))]
    return go.Scatter(
        x=xs,
        y=ys,
        mode="lines+markers",
        line={"width": width, "color": color},
        marker={"symbol": "arrow", "angleref": "previous", "size": sizes, "color": color},
        hoverinfo="skip",
    )


def dag_figure(tasks: list[dict[str, Any]], critical_path: list[str]) -> go.Figure:
    """The figure: grey edges, thick accent critical-path edges (arrows to the dependent task),
    status-coloured nodes labelled by title, drawn last (so a click's ``curveNumber`` is the
    node trace and ``pointIndex`` the task's index). Drag pans, the wheel zooms."""
    positions = layout_positions(tasks)
    critical = set(itertools.pairwise(critical_path))
    levels = max((x for x, _ in positions.values()), default=0.0)
    gap = arrow_gap(levels)
    edge_x: list[float | None] = []
    edge_y: list[float | None] = []
    crit_x: list[float | None] = []
    crit_y: list[float | None] = []
    for task in tasks:
        for dep in task.get("deps", []):
            if dep not in positions:
                continue
            xs, ys = (crit_x, crit_y) if (dep, task["key"]) in critical else (edge_x, edge_y)
            line_x, line_y = _edge(positions[dep], positions[task["key"]], gap)
            xs.extend(line_x)
            ys.extend(line_y)
    on_path = set(critical_path)
    by_title = len(tasks) <= TITLE_LIMIT
    figure = go.Figure()
    figure.add_trace(_edge_trace(edge_x, edge_y, width=1, color="#9ca3af"))
    figure.add_trace(_edge_trace(crit_x, crit_y, width=3, color="#7c3aed"))
    figure.add_trace(
        go.Scatter(
            x=[positions[t["key"]][0] for t in tasks],
            y=[positions[t["key"]][1] for t in tasks],
            mode="markers+text",
            text=[short_title(t["title"]) if by_title else t["key"] for t in tasks],
            textposition="top center",
            textfont={"size": 11},
            hovertext=[f"{t['key']} · {t['title']} · {label(t['status'])}" for t in tasks],
            hoverinfo="text",
            marker={
                "size": [22 if t["key"] in on_path else 16 for t in tasks],
                "color": [TASK_STATUS_HEX.get(t["status"], "#9ca3af") for t in tasks],
                "line": {"width": [3 if t["key"] in on_path else 1 for t in tasks], "color": "#4c1d95"},
            },
        )
    )
    figure.update_layout(
        showlegend=False,
        margin={"l": 10, "r": 10, "t": 24, "b": 10},
        height=min(900, max(300, 60 * max((len(c) for c in _columns(positions)), default=1))),
        xaxis={"visible": False, "range": [-0.5, levels + 0.5]},
        yaxis={"visible": False},
        plot_bgcolor="rgba(0,0,0,0)",
        paper_bgcolor="rgba(0,0,0,0)",
        dragmode="pan",
        template="none",  # the default template adds ~8 KB to every live update
    )
    return figure


def _columns(positions: dict[str, tuple[float, float]]) -> list[list[str]]:
    columns: dict[float, list[str]] = {}
    for key, (x, _) in positions.items():
        columns.setdefault(x, []).append(key)
    return list(columns.values())
