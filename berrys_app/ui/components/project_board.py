"""The project's tasks drawn two ways: the DAG (graph tab) and the status columns (board tab)."""

from __future__ import annotations

from typing import Any

import reflex as rx

from berrys_app.ui.state.project import ProjectState as S


def graph_tab() -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.active_count > 0,
            rx.plotly.basic(
                data=S.graph,
                on_click=S.open_task_from_graph,
                config={"displayModeBar": False, "responsive": True},
                use_resize_handler=True,
                width="100%",
                id="plan-graph",
            ),
            rx.text("No tasks yet: ask for a plan.", color_scheme="gray"),
        ),
        rx.hstack(
            rx.box(width="24px", height="4px", background="#7c3aed"),
            rx.text("critical path", size="1", color_scheme="gray"),
            align="center",
        ),
        width="100%",
    )


def task_card(task: rx.Var[dict[str, Any]]) -> rx.Component:
    """A light card (plain boxes: a 500-task board re-renders on every live update)."""
    return rx.box(
        rx.text(task["title"].to(str), weight="medium", size="2"),
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
        min_width="200px",
        width="200px",
        padding="0.5em",
        border_radius="8px",
        background="var(--gray-a2)",
        class_name="board-column",
        data_column=column["status"].to(str),
    )


def board_tab() -> rx.Component:
    return rx.scroll_area(
        rx.hstack(rx.foreach(S.board, board_column), align="start", spacing="3"),
        scrollbars="horizontal",
        width="100%",
        id="board",
    )
