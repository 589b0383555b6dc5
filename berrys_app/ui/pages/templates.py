"""Templates: save a project as a template, start projects from one with parameter values, and
its triggers (schedules, inbound webhooks) with each trigger's run log."""

from __future__ import annotations

from typing import Any

import reflex as rx

from berrys_app.ui.components.table import data_table, error_callout
from berrys_app.ui.layout import page
from berrys_app.ui.state.automation import TemplatesState

S = TemplatesState


def _template_picker() -> rx.Component:
    return rx.select.root(
        rx.select.trigger(placeholder="Template", width="100%"),
        rx.select.content(rx.foreach(S.templates, lambda t: rx.select.item(t["name"].to(str), value=t["id"].to(str)))),
        name="template_id",
    )


def _values(placeholder: str) -> rx.Component:
    return rx.text_area(name="values", placeholder=placeholder, rows="3", width="100%")


def start_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("Start a project", size="3"),
            _template_picker(),
            _values("topic=solar power\naudience=the board"),
            rx.button("Start", type="submit", id="start-from-template"),
            width="100%",
        ),
        on_submit=S.start_from_template,
        reset_on_submit=False,
        id="start-form",
    )


def save_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("Save a project as a template", size="3"),
            rx.select.root(
                rx.select.trigger(placeholder="Project", width="100%"),
                rx.select.content(
                    rx.foreach(S.team_projects, lambda p: rx.select.item(p["name"].to(str), value=p["id"].to(str)))
                ),
                name="project_id",
            ),
            rx.input(name="name", placeholder="Template name", width="100%"),
            rx.button("Save as template", type="submit", id="save-as-template"),
            width="100%",
        ),
        on_submit=S.save_as_template,
        reset_on_submit=True,
        id="save-form",
    )


def trigger_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("New trigger (admins)", size="3"),
            _template_picker(),
            rx.input(name="name", placeholder="Name", width="100%"),
            rx.select(["schedule", "webhook"], name="kind", default_value="schedule"),
            rx.input(name="cron", placeholder="Cron, e.g. 0 9 * * 1-5 (schedules)", width="100%"),
            rx.input(name="timezone", placeholder="Time zone, e.g. Europe/Paris", width="100%"),
            _values("fixed values: topic=weekly news"),
            rx.button("Create trigger", type="submit", id="create-trigger"),
            width="100%",
        ),
        on_submit=S.create_trigger,
        reset_on_submit=False,
        id="trigger-form",
    )


def _runs_button(row: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.button("Runs", size="1", variant="soft", on_click=S.show_runs(row["id"].to(str)), class_name="show-runs")


@page("/templates", "Templates", on_load=S.load, icon="layout-template", order=45)
def templates_page() -> rx.Component:
    return rx.vstack(
        error_callout(S.error),
        rx.cond(S.notice != "", rx.callout(S.notice, icon="info", id="templates-notice")),
        data_table(
            S.templates,
            [("Template", "name"), ("Parameters", "parameters"), ("Plan", "has_plan"), ("Updated", "updated")],
            table_id="templates",
            empty="No templates yet: save a project as one below, or POST one to the API.",
        ),
        rx.grid(start_form(), save_form(), trigger_form(), columns=rx.breakpoints(initial="1", md="3"), spacing="5"),
        rx.heading("Triggers", size="4"),
        data_table(
            S.triggers,
            [
                ("Trigger", "name"),
                ("Template", "template"),
                ("Kind", "kind"),
                ("When / URL", "when"),
                ("Next run", "next"),
                ("Enabled", "enabled"),
            ],
            table_id="triggers",
            extra=("Log", _runs_button),
            empty="No triggers.",
        ),
        rx.cond(
            S.runs_of != "",
            data_table(
                S.runs,
                [
                    ("At", "at"),
                    ("Slot", "slot"),
                    ("Status", "status"),
                    ("Project", "project"),
                    ("Error", "error"),
                    ("From", "ip"),
                ],
                table_id="trigger-runs",
                empty="This trigger has not fired yet.",
            ),
        ),
        spacing="4",
        width="100%",
    )
