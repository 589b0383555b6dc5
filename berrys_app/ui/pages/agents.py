"""Agents: the templates (specialisations) and the team's agents with their live state."""

from __future__ import annotations

from typing import Any

import reflex as rx

from berrys_app.ui.components.labels import human
from berrys_app.ui.components.table import data_table, error_callout
from berrys_app.ui.layout import page
from berrys_app.ui.state.workspace import AgentsState

STATUS_COLOR = {"ready": "cyan", "active": "violet", "paused": "orange", "terminated": "gray"}


def status_badge(agent: rx.Var[dict[str, Any]]) -> rx.Component:
    status = agent["status"].to(str)
    return rx.badge(
        human(status),
        color_scheme=rx.match(status, *list(STATUS_COLOR.items()), "gray"),
        class_name="agent-status",
    )


def project_link(agent: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.cond(
        agent["project_id"].to(str) != "",
        rx.link(agent["project"].to(str), href="/projects/" + agent["project_id"].to(str)),
        rx.text(agent["project"].to(str), size="2", color_scheme="gray"),
    )


@page("/agents", "Agents", on_load=AgentsState.load, icon="bot", order=20)
def agents_page() -> rx.Component:
    return rx.vstack(
        error_callout(AgentsState.error),
        rx.heading("Team agents", size="4"),
        data_table(
            AgentsState.agents,
            [("Agent", "name"), ("Role", "role"), ("Model", "model"), ("Current task", "task")],
            table_id="agents",
            extra=("State · project", lambda a: rx.hstack(status_badge(a), project_link(a))),
            empty="No agents yet: they are assembled when a plan is approved.",
        ),
        rx.heading("Templates", size="4"),
        data_table(
            AgentsState.templates,
            [
                ("Template", "name"),
                ("Role", "role"),
                ("Capabilities", "capabilities"),
                ("Model", "model"),
                ("Tools", "tools"),
            ],
            table_id="templates",
        ),
        spacing="4",
        width="100%",
    )
