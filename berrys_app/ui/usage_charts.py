"""The Models page's usage charts (plotly figures from the team's usage rows).

Plotly's autoscale drew an all-zero cost as a -1..1 axis and one day as a span of milliseconds
(ticks like ``23:59:59.9995``): costs start at zero (a note says when nothing cost anything) and days
are labelled categories (``Dec 7``), one bar each.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import plotly.graph_objects as go

MARGIN = {"l": 50, "r": 20, "t": 30, "b": 40}
FREE_NOTE = "No cost yet: the models used so far are free"
NO_USAGE_NOTE = "No model calls yet"


def _note(figure: go.Figure, text: str) -> None:
    figure.add_annotation(text=text, showarrow=False, xref="paper", yref="paper", x=0.5, y=0.5)


def _empty(figure: go.Figure) -> None:
    """No rows at all: a note, and no made-up -1..4 axes."""
    figure.update_xaxes(visible=False)
    figure.update_yaxes(visible=False)
    _note(figure, NO_USAGE_NOTE)


def _cost_axis(figure: go.Figure, costs: list[float]) -> None:
    """A USD axis from zero; with nothing spent, 0..1 cent and a note instead of -1..1."""
    if not costs:
        _empty(figure)
    elif any(costs):
        figure.update_yaxes(rangemode="tozero", tickprefix="$")
    else:
        figure.update_yaxes(range=[0, 0.01], tickprefix="$", tickformat=".3f")
        _note(figure, FREE_NOTE)


def day_label(day: str) -> str:
    """``2026-12-07`` -> ``Dec 7``."""
    parsed = date.fromisoformat(day)
    return f"{parsed:%b} {parsed.day}"


def cost_by_model(rows: list[dict[str, Any]]) -> go.Figure:
    costs = [r["cost"] for r in rows]
    figure = go.Figure(go.Bar(x=[r["model"] for r in rows], y=costs, marker_color="#7c3aed"))
    figure.update_layout(margin=MARGIN, height=280, title="Cost by model (USD)")
    _cost_axis(figure, costs)
    return figure


def cost_by_day(rows: list[dict[str, Any]]) -> go.Figure:
    costs = [r["cost"] for r in rows]
    figure = go.Figure(go.Bar(x=[day_label(r["day"]) for r in rows], y=costs, marker_color="#7c3aed"))
    figure.update_layout(margin=MARGIN, height=280, title="Cost by day (USD)")
    figure.update_xaxes(type="category")
    _cost_axis(figure, costs)
    return figure


def tokens_by_model(rows: list[dict[str, Any]]) -> go.Figure:
    models = [r["model"] for r in rows]
    figure = go.Figure(
        [
            go.Bar(name="prompt", x=models, y=[r["prompt"] for r in rows]),
            go.Bar(name="completion", x=models, y=[r["completion"] for r in rows]),
        ]
    )
    figure.update_layout(barmode="stack", margin=MARGIN, height=280, title="Tokens by model")
    if rows:
        figure.update_yaxes(rangemode="tozero")
    else:
        _empty(figure)
    return figure
