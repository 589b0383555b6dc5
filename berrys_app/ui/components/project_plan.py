"""The plan tab: the version under review, its diff and warnings, and the editable task table."""

from __future__ import annotations

import reflex as rx

from berrys_app.ui.components.labels import human
from berrys_app.ui.state.project import ProjectState as S

# the table's columns; each cell's input is named by its column and row for screen readers
PLAN_FIELD_LABELS = {
    "key": "Key",
    "title": "Title",
    "description": "Description",
    "capabilities": "Capabilities",
    "depends_on": "Depends on",
    "estimated_minutes": "Min",
}


def cell_input(row: rx.Var[dict[str, str]], index: rx.Var[int], field: str, width: str) -> rx.Component:
    key = index.to(str) + ":" + field
    return rx.vstack(
        rx.input(
            value=row[field].to(str),
            on_change=lambda value: S.set_plan_cell(index, field, value),
            read_only=~S.plan_editable,
            width=width,
            size="1",
            color_scheme=rx.cond(S.plan_errors.contains(key), "red", "gray"),
            class_name=f"plan-{field}",
            aria_label=f"{PLAN_FIELD_LABELS[field]}, task " + (index + 1).to(str),
        ),
        rx.cond(
            S.plan_errors.contains(key),
            rx.text(S.plan_errors[key], color_scheme="red", size="1", class_name="plan-error"),
        ),
        spacing="1",
    )


def plan_row(row: rx.Var[dict[str, str]], index: rx.Var[int]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(cell_input(row, index, "key", "80px")),
        rx.table.cell(cell_input(row, index, "title", "220px")),
        rx.table.cell(cell_input(row, index, "description", "260px")),
        rx.table.cell(cell_input(row, index, "capabilities", "140px")),
        rx.table.cell(cell_input(row, index, "depends_on", "120px")),
        rx.table.cell(cell_input(row, index, "estimated_minutes", "70px")),
        rx.table.cell(
            rx.cond(
                S.plan_editable,
                rx.icon_button(
                    rx.icon("trash-2", size=14),
                    on_click=S.remove_plan_row(index),
                    variant="ghost",
                    color_scheme="red",
                    class_name="remove-task",
                ),
            )
        ),
        class_name="plan-row",
    )


def plan_diff() -> rx.Component:
    return rx.cond(
        S.plan_diff.length() > 0,
        rx.card(
            rx.vstack(
                rx.text("Changes from the previous version", weight="medium", size="2"),
                rx.foreach(
                    S.plan_diff,
                    lambda item: rx.hstack(
                        rx.badge(item[0]),
                        rx.text(item[1].to(list[str]).join(", "), size="2"),
                    ),
                ),
                spacing="1",
            ),
            width="100%",
            id="plan-diff",
        ),
    )


def plan_tab() -> rx.Component:
    return rx.vstack(
        rx.cond(
            S.plan_version > 0,
            rx.text(
                "Plan version ", S.plan_version.to(str), " · ", human(S.plan_status), size="2", color_scheme="gray"
            ),
        ),
        rx.foreach(S.plan_warnings, lambda w: rx.callout(w, icon="info", color_scheme="amber", size="1")),
        plan_diff(),
        rx.cond(
            S.plan_errors.contains("plan"),
            rx.callout(S.plan_errors["plan"], icon="triangle_alert", color_scheme="red", id="plan-error"),
        ),
        rx.scroll_area(
            rx.table.root(
                rx.table.header(
                    rx.table.row(*[rx.table.column_header_cell(h) for h in (*PLAN_FIELD_LABELS.values(), "")])
                ),
                rx.table.body(rx.foreach(S.plan_rows, plan_row)),
                size="1",
                id="plan-table",
            ),
            scrollbars="horizontal",
            width="100%",
        ),
        rx.cond(
            S.plan_editable,
            rx.hstack(
                rx.button(rx.icon("plus", size=14), "Add task", variant="soft", on_click=S.add_plan_row, id="add-task"),
                rx.spacer(),
                rx.cond(
                    S.plan_dirty,
                    rx.hstack(
                        rx.button("Discard edits", variant="soft", color_scheme="gray", on_click=S.discard_plan_edits),
                        rx.button(
                            "Save as new version", on_click=S.save_plan, disabled=S.has_plan_errors, id="save-plan"
                        ),
                    ),
                ),
                width="100%",
            ),
        ),
        width="100%",
        spacing="3",
    )
