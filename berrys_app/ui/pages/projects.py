"""Projects list: status, progress, cost, owner; search and filter; the New Project dialog."""

from __future__ import annotations

from typing import Any

import reflex as rx

from berrys_app.domain.projects import OBJECTIVE_MAX_CHARS, OBJECTIVES_MAX, ProjectBase, ProjectStatus
from berrys_app.ui.components.labels import human
from berrys_app.ui.format import label, max_length_of
from berrys_app.ui.layout import page
from berrys_app.ui.state.projects import ProjectsState

STATUSES = ["all", *(status.value for status in ProjectStatus)]  # every status a project can be in
NAME_MAX = max_length_of(ProjectBase, "name")
MODEL_MAX = max_length_of(ProjectBase, "model")
DESCRIPTION_MAX = max_length_of(ProjectBase, "description")
CONSTRAINTS_MAX = 5_000
OBJECTIVES_TEXT_MAX = OBJECTIVES_MAX * (OBJECTIVE_MAX_CHARS + 1)  # the per-line limit is checked on submit
KEEP_DIALOG_ON_FIELD_ESC = rx.vars.FunctionStringVar.create(
    "(event) => { if (event.target?.closest?.('input, textarea, select')) event.preventDefault(); }"
)


def field_error(name: str) -> rx.Component:
    return rx.cond(
        ProjectsState.errors.contains(name),
        rx.text(ProjectsState.errors[name], color_scheme="red", size="1", class_name="field-error", data_field=name),
    )


def labelled(label: str, control: rx.Component, name: str, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", weight="medium"),
        control,
        rx.cond(hint != "", rx.text(hint, size="1", color_scheme="gray")),
        field_error(name),
        spacing="1",
        width="100%",
    )


def new_project_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.cond(
                ProjectsState.errors.contains("form"),
                rx.callout(ProjectsState.errors["form"], icon="triangle_alert", color_scheme="red", width="100%"),
            ),
            labelled("Name", rx.input(name="name", id="project-name", width="100%", max_length=NAME_MAX), "name"),
            labelled(
                "Objectives",
                rx.text_area(
                    name="objectives", id="project-objectives", rows="3", width="100%", max_length=OBJECTIVES_TEXT_MAX
                ),
                "objectives",
                f"One per line (up to {OBJECTIVES_MAX}, {OBJECTIVE_MAX_CHARS} characters each).",
            ),
            labelled(
                "Description",
                rx.text_area(
                    name="description", id="project-description", rows="2", width="100%", max_length=DESCRIPTION_MAX
                ),
                "description",
            ),
            labelled(
                "Constraints",
                rx.text_area(
                    name="constraints", id="project-constraints", rows="2", width="100%", max_length=CONSTRAINTS_MAX
                ),
                "constraints",
                "One per line (deadline, style, sources…).",
            ),
            rx.hstack(
                labelled(
                    "Budget (USD)", rx.input(name="budget_usd", id="project-budget", placeholder="none"), "budget_usd"
                ),
                labelled(
                    "Token budget",
                    rx.input(name="budget_tokens", id="project-tokens", placeholder="none"),
                    "budget_tokens",
                ),
                labelled("Max agents", rx.input(name="max_agents", placeholder="5"), "max_agents"),
                width="100%",
            ),
            rx.hstack(
                labelled(
                    "Model",
                    rx.fragment(
                        rx.input(
                            name="model",
                            id="project-model",
                            placeholder="default (team/agent preference)",
                            list="model-choices",
                            max_length=MODEL_MAX,
                            auto_complete="off",
                            width="100%",
                        ),
                        rx.el.datalist(
                            rx.foreach(ProjectsState.model_choices, lambda name: rx.el.option(value=name)),
                            id="model-choices",
                        ),
                    ),
                    "model",
                    "Pick from the catalogue (models of this team and global ones).",
                ),
                labelled(
                    "Deadline (UTC)",
                    rx.input(name="deadline", id="project-deadline", type="datetime-local"),
                    "deadline",
                ),
                width="100%",
            ),
            rx.cond(
                ProjectsState.demo_model,
                rx.callout(
                    rx.text(
                        "Without a model named here, the project runs on a built-in demo model (SmolLM2 135M "
                        "unless the operator chose another): tiny and offline, fine to try Berrys, but its plans "
                        "and answers are poor. ",
                        rx.link(
                            "Connect a model",
                            href="/models#connect-model",
                            id="connect-model-link",
                            on_click=ProjectsState.set_dialog_open(False),
                        ),
                        " (OpenAI, Anthropic, Ollama or any OpenAI-compatible endpoint) for real work.",
                    ),
                    icon="info",
                    color_scheme="amber",
                    size="1",
                    id="demo-model-note",
                ),
            ),
            rx.hstack(rx.switch(name="auto_approve", id="project-auto-approve"), rx.text("Auto-approve the plan")),
            rx.hstack(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                rx.button("Create project", type="submit", id="create-project"),
                justify="end",
                width="100%",
            ),
            spacing="3",
            width="100%",
        ),
        on_submit=ProjectsState.create,
        reset_on_submit=False,
    )


def new_project_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("plus"), "New project", id="new-project")),
        rx.dialog.content(
            rx.dialog.title("New project"),
            rx.dialog.description("Describe what you want; the planner proposes tasks for you to review."),
            new_project_form(),
            max_width="640px",
            # Esc in a field (closing the model suggestions, undoing a word) must not throw the form away
            on_escape_key_down=KEEP_DIALOG_ON_FIELD_ESC,
            id="new-project-dialog",
        ),
        open=ProjectsState.dialog_open,
        on_open_change=ProjectsState.set_dialog_open,
    )


def project_row(row: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.link(row["name"].to(str), href="/projects/" + row["id"].to(str), weight="medium")),
        rx.table.cell(
            rx.badge(human(row["status"]), color_scheme=row["color"].to(str), data_status=row["status"].to(str))
        ),
        rx.table.cell(
            rx.hstack(
                rx.progress(value=row["progress"].to(int), width="90px"),
                rx.text(row["tasks"].to(str), size="1", color_scheme="gray"),
                align="center",
            )
        ),
        rx.table.cell(row["cost"].to(str)),
        rx.table.cell(row["owner"].to(str)),
        rx.table.cell(row["updated"].to(str)),
        class_name="project-row",
        data_project=row["id"].to(str),
    )


@page("/projects", "Projects", on_load=ProjectsState.load, icon="folder-kanban", order=10)
def projects_page() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.input(
                rx.input.slot(rx.icon("search", size=14)),
                placeholder="Search projects",
                value=ProjectsState.query,
                on_change=ProjectsState.set_query.debounce(250),
                width="260px",
                id="project-search",
            ),
            rx.select.root(
                rx.select.trigger(aria_label="Status", id="status-filter"),
                rx.select.content(
                    *[rx.select.item("All statuses" if s == "all" else label(s), value=s) for s in STATUSES]
                ),
                value=ProjectsState.status_filter,
                on_change=ProjectsState.set_status_filter,
            ),
            rx.spacer(),
            rx.cond(ProjectsState.can_write, new_project_dialog()),
            width="100%",
            wrap="wrap",
        ),
        rx.cond(
            ProjectsState.list_error != "",
            rx.callout(ProjectsState.list_error, icon="triangle_alert", color_scheme="red"),
        ),
        rx.cond(
            ProjectsState.total == 0,
            rx.card(
                rx.vstack(
                    rx.icon("sparkles", size=28),
                    rx.text("No projects yet.", weight="medium"),
                    rx.text("Create one and let the planner propose the tasks.", color_scheme="gray", size="2"),
                    align="center",
                ),
                width="100%",
                padding="2em",
            ),
            rx.table.root(
                rx.table.header(
                    rx.table.row(
                        rx.table.column_header_cell("Project"),
                        rx.table.column_header_cell("Status"),
                        rx.table.column_header_cell("Progress"),
                        rx.table.column_header_cell("Cost"),
                        rx.table.column_header_cell("Owner"),
                        rx.table.column_header_cell("Updated"),
                    )
                ),
                rx.table.body(rx.foreach(ProjectsState.projects, project_row)),
                width="100%",
                variant="surface",
                id="projects-table",
            ),
        ),
        rx.hstack(
            rx.button("Previous", variant="soft", on_click=ProjectsState.go_page(-1), disabled=ProjectsState.page <= 1),
            rx.text(ProjectsState.page.to(str) + " / " + ProjectsState.pages.to(str), size="2"),
            rx.button(
                "Next",
                variant="soft",
                on_click=ProjectsState.go_page(1),
                disabled=ProjectsState.next_cursor == "",
            ),
            align="center",
        ),
        width="100%",
        spacing="4",
    )
