"""The project's tasks drawn two ways: the DAG (graph tab) and the status columns (board tab)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from berrys_app.ui.format import TASK_STATUS_HEX, label
from berrys_app.ui.state.project import ProjectState as S

# plotly: the wheel zooms, a drag pans, the bar offers zoom in/out and reset (a 200-task plan)
GRAPH_CONFIG = {
    "responsive": True,
    "scrollZoom": True,
    "displaylogo": False,
    "displayModeBar": True,
    "modeBarButtonsToRemove": ["select2d", "lasso2d", "toImage", "autoScale2d"],
}


def no_tasks() -> rx.Component:
    """Before there are tasks: what is going on (planning shows progress, not an instruction)."""
    return rx.cond(
        S.status == "planning",
        rx.hstack(
            rx.spinner(size="2"),
            rx.text("The planner is writing a plan; tasks appear here when it is proposed.", color_scheme="gray"),
            align="center",
            class_name="planning-placeholder",
        ),
        rx.text("No tasks yet: ask for a plan.", color_scheme="gray"),
    )


def legend_item(status: str) -> rx.Component:
    return rx.hstack(
        rx.box(width="10px", height="10px", border_radius="50%", background=TASK_STATUS_HEX[status]),
        rx.text(label(status), size="1", color_scheme="gray"),
        align="center",
        spacing="1",
        class_name="legend-item",
        data_status=status,
    )


def graph_legend() -> rx.Component:
    return rx.hstack(
        *[legend_item(status) for status in TASK_STATUS_HEX],
        rx.hstack(
            rx.box(width="24px", height="4px", background="#7c3aed"),
            rx.text("Critical path", size="1", color_scheme="gray"),
            align="center",
            spacing="1",
        ),
        rx.text("Drag to pan, scroll to zoom, double-click to reset.", size="1", color_scheme="gray"),
        wrap="wrap",
        spacing="3",
        id="graph-legend",
    )


def graph_tab() -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.active_count > 0,
            rx.plotly.basic(
                data=S.graph,
                on_click=S.open_task_from_graph,
                config=GRAPH_CONFIG,
                use_resize_handler=True,
                width="100%",
                id="plan-graph",
            ),
            no_tasks(),
        ),
        graph_legend(),
        width="100%",
    )


def task_card(task: rx.Var[dict[str, Any]]) -> rx.Component:
    """A light card (plain boxes: a 500-task board re-renders on every live update)."""
    return rx.box(
        rx.text(task["title"].to(str), weight="medium", size="2", overflow_wrap="anywhere"),
        rx.text(task["key"].to(str), " ", task["agent"].to(str), size="1", color_scheme="gray"),
        on_click=S.open_task(task["id"].to(str)),
        cursor="pointer",
        width="100%",
        padding="0.5em 0.7em",
        border="1px solid var(--gray-a5)",
        border_radius="var(--radius-3)",
        background="var(--color-panel-solid)",
        class_name="task-card",
        data_task=task["key"].to(str),
        data_status=task["status"].to(str),
    )


def board_column(column: rx.Var[dict[str, Any]]) -> rx.Component:
    tasks = column["tasks"].to(list[dict[str, Any]])
    return rx.vstack(
        rx.hstack(
            rx.badge(column["label"].to(str), color_scheme=column["color"].to(str)),
            rx.text(column["count"].to(str), size="1", color_scheme="gray", class_name="column-count"),
        ),
        rx.foreach(tasks, task_card),
        rx.cond(
            column["more"].to(int) > 0,
            rx.text("+ ", column["more"].to(str), " more", size="1", color_scheme="gray"),
        ),
        min_width="0",
        width="100%",
        padding="0.5em",
        border_radius="8px",
        background="var(--gray-a2)",
        class_name="board-column",
        data_column=column["status"].to(str),
    )


def board_tab() -> rx.Component:
    """Columns in a grid that wraps: every status is on screen at 1440 px (and on a phone)."""
    return rx.vstack(
        rx.cond(S.active_count == 0, no_tasks()),
        rx.grid(
            rx.foreach(S.board, board_column),
            columns="repeat(auto-fill, minmax(190px, 1fr))",
            gap="0.75em",
            align_items="start",
            width="100%",
            id="board",
        ),
        width="100%",
    )
