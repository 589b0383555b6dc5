"""The plan graph: a layered drawing of the task DAG as a plotly figure.

Tasks are placed in columns by their depth (longest dependency chain before
them), nodes coloured by status, critical-path edges drawn thick. Pure Python
so it is unit-testable and cheap to recompute on each live update.
"""

from __future__ import annotations

import itertools
from typing import Any

import plotly.graph_objects as go

from berrys_app.ui.format import TASK_STATUS_HEX


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


def dag_figure(tasks: list[dict[str, Any]], critical_path: list[str]) -> go.Figure:
    """The figure: grey edges, thick accent critical-path edges, status-coloured nodes last
    (so a click's ``curveNumber`` is the node trace and ``pointIndex`` the task's index)."""
    positions = layout_positions(tasks)
    critical = set(itertools.pairwise(critical_path))
    edge_x: list[float | None] = []
    edge_y: list[float | None] = []
    crit_x: list[float | None] = []
    crit_y: list[float | None] = []
    for task in tasks:
        for dep in task.get("deps", []):
            if dep not in positions:
                continue
            (x0, y0), (x1, y1) = positions[dep], positions[task["key"]]
            xs, ys = (crit_x, crit_y) if (dep, task["key"]) in critical else (edge_x, edge_y)
            xs.extend([x0, x1, None])
            ys.extend([y0, y1, None])
    on_path = set(critical_path)
    figure = go.Figure()
    figure.add_trace(
        go.Scatter(x=edge_x, y=edge_y, mode="lines", line={"width": 1, "color": "#9ca3af"}, hoverinfo="skip")
    )
    figure.add_trace(
        go.Scatter(x=crit_x, y=crit_y, mode="lines", line={"width": 4, "color": "#7c3aed"}, hoverinfo="skip")
    )
    figure.add_trace(
        go.Scatter(
            x=[positions[t["key"]][0] for t in tasks],
            y=[positions[t["key"]][1] for t in tasks],
            mode="markers+text",
            text=[t["key"] for t in tasks],
            textposition="top center",
            hovertext=[f"{t['title']} · {t['status']}" for t in tasks],
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
        margin={"l": 10, "r": 10, "t": 10, "b": 10},
        height=min(900, max(260, 60 * max((len(c) for c in _columns(positions)), default=1))),
        xaxis={"visible": False},
        yaxis={"visible": False},
        plot_bgcolor="rgba(0,0,0,0)",
        paper_bgcolor="rgba(0,0,0,0)",
        dragmode=False,
        template="none",  # the default template adds ~8 KB to every live update
    )
    return figure


def _columns(positions: dict[str, tuple[float, float]]) -> list[list[str]]:
    columns: dict[float, list[str]] = {}
    for key, (x, _) in positions.items():
        columns.setdefault(x, []).append(key)
    return list(columns.values())
