"""Forks on the project page: the drawer's "Fork from here" / "Retry from here" with its edit
form, and the Forks tab (lineage, then the side-by-side diff against the origin)."""

from __future__ import annotations

import reflex as rx

from berrys_app.ui.state.project import ProjectState as S
from berrys_app.ui.state.project_forks import APPROVAL_CHOICES


def fork_actions() -> rx.Component:
    """In the task drawer: fork a finished project here; retry a failed task (and what follows) in place."""
    status = S.selected["status"].to(str)
    return rx.cond(
        S.can_write & (S.can_fork | (status == "failed")),
        rx.vstack(
            rx.hstack(
                rx.cond(
                    S.can_fork,
                    rx.button("Fork from here", on_click=S.open_fork, variant="soft", id="fork-from-here"),
                ),
                rx.cond(
                    status == "failed",
                    rx.button(
                        "Retry from here",
                        on_click=S.retry_from_here,
                        color_scheme="amber",
                        variant="soft",
                        id="retry-from-here",
                    ),
                ),
                spacing="2",
            ),
            rx.text(
                "A fork copies the tasks before this one with their results (no call is made again) "
                "and runs this task and everything after it in a new project.",
                size="1",
                color_scheme="gray",
            ),
            fork_form(),
            spacing="2",
            width="100%",
        ),
    )


def fork_form() -> rx.Component:
    return rx.cond(
        S.fork_open,
        rx.card(
            rx.vstack(
                rx.text("Fork from " + S.selected["key"].to(str), size="2", weight="medium"),
                rx.text("Description (what the agent is asked)", size="1"),
                rx.text_area(
                    value=S.fork_description,
                    on_change=S.set_fork_description,
                    rows="4",
                    width="100%",
                    id="fork-description",
                ),
                rx.text("Model for the tasks that run again (empty: the same as now)", size="1"),
                rx.input(value=S.fork_model, on_change=S.set_fork_model, width="100%", id="fork-model"),
                rx.text(
                    "A team tool's policy in the fork (empty: as now; a member may only make it stricter)", size="1"
                ),
                rx.hstack(
                    rx.input(value=S.fork_tool, on_change=S.set_fork_tool, placeholder="tool name", id="fork-tool"),
                    rx.select(
                        APPROVAL_CHOICES,
                        value=S.fork_tool_approval,
                        on_change=S.set_fork_tool_approval,
                        id="fork-tool-approval",
                    ),
                    spacing="2",
                    width="100%",
                ),
                rx.text_area(
                    value=S.fork_tool_schema,
                    on_change=S.set_fork_tool_schema,
                    placeholder='argument constraints, JSON Schema: {"properties": {"url": {"pattern": "^https://"}}}',
                    rows="2",
                    width="100%",
                    id="fork-tool-schema",
                ),
                rx.cond(
                    S.fork_error != "",
                    rx.callout(S.fork_error, icon="triangle_alert", color_scheme="red", size="1", id="fork-error"),
                ),
                rx.hstack(
                    rx.button("Create fork and run", on_click=S.submit_fork, id="submit-fork"),
                    rx.button("Close", on_click=S.set_fork_open(False), variant="soft", color_scheme="gray"),
                    spacing="2",
                ),
                spacing="2",
                width="100%",
            ),
            width="100%",
            id="fork-form",
        ),
    )


def lineage_row(row: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.link(
            row["name"].to(str),
            href="/projects/" + row["id"].to(str),
            weight=rx.cond(row["current"].to(bool), "bold", "regular"),
        ),
        rx.badge(row["status_label"].to(str), data_status=row["status"].to(str), variant="soft"),
        rx.text(row["how"].to(str), size="1", color_scheme="gray"),
        rx.text(row["at"].to(str), size="1", color_scheme="gray"),
        padding_left=row["indent"].to(str),
        align="center",
        class_name="lineage-row",
        data_current=row["current"].to(str),
    )


def output_cell(text: rx.Var, status: rx.Var) -> rx.Component:
    return rx.table.cell(
        rx.text(status, size="1", color_scheme="gray"),
        rx.text(text, size="2", white_space="pre-wrap", word_break="break-word"),
        width="42%",
        vertical_align="top",
    )


def diff_row(row: rx.Var) -> rx.Component:
    state = row["state"].to(str)
    return rx.table.row(
        rx.table.cell(
            rx.text(row["key"].to(str), weight="medium", size="2"),
            rx.text(row["title"].to(str), size="1", color_scheme="gray"),
            rx.badge(
                state,
                color_scheme=rx.match(state, ("changed", "amber"), ("copied", "gray"), "green"),
                variant="soft",
            ),
            vertical_align="top",
        ),
        output_cell(row["left"].to(str), row["left_status"].to(str)),
        output_cell(row["right"].to(str), row["right_status"].to(str)),
        class_name="diff-row",
        data_key=row["key"].to(str),
        data_state=state,
    )


def forks_tab() -> rx.Component:
    return rx.vstack(
        rx.heading("Lineage", size="3"),
        rx.vstack(rx.foreach(S.lineage, lineage_row), spacing="1", id="fork-lineage"),
        rx.cond(
            S.is_fork,
            rx.vstack(
                rx.heading("Task outputs: " + S.diff_against + " (left) and this fork (right)", size="3"),
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Task"),
                            rx.table.column_header_cell("Original"),
                            rx.table.column_header_cell("This fork"),
                        )
                    ),
                    rx.table.body(rx.foreach(S.diff_rows, diff_row)),
                    width="100%",
                    id="fork-diff",
                ),
                width="100%",
                spacing="2",
            ),
            rx.text(
                "Not a fork. Open a task and use Fork from here to re-run it (and what follows) with changes.",
                size="2",
                color_scheme="gray",
            ),
        ),
        width="100%",
        spacing="3",
    )
