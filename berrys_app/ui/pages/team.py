"""Team: members and roles; admins invite registered users and change roles."""

from __future__ import annotations

from typing import Any

import reflex as rx

from berrys_app.ui.components.table import data_table, error_callout
from berrys_app.ui.layout import page
from berrys_app.ui.state.workspace import ROLES, TeamState


def member_actions(member: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.cond(
        TeamState.is_admin,
        rx.hstack(
            rx.select(
                ROLES,
                value=member["role"].to(str),
                on_change=lambda role: TeamState.change_role(member["user_id"].to(str), role),
                size="1",
            ),
            rx.icon_button(
                rx.icon("user-minus", size=14),
                on_click=TeamState.remove(member["user_id"].to(str)),
                color_scheme="red",
                variant="ghost",
                size="1",
            ),
        ),
        rx.badge(member["role"].to(str)),
    )


@page("/team", "Team", on_load=TeamState.load, icon="users", order=60)
def team_page() -> rx.Component:
    return rx.vstack(
        error_callout(TeamState.error),
        rx.cond(
            TeamState.is_admin,
            rx.card(
                rx.form(
                    rx.hstack(
                        rx.input(name="email", placeholder="teammate@example.com", id="invite-email", width="280px"),
                        rx.select(ROLES[:3], name="role", default_value="member"),
                        rx.button("Add member", type="submit", id="invite"),
                        align="center",
                        wrap="wrap",
                    ),
                    on_submit=TeamState.invite,
                    reset_on_submit=True,
                ),
                rx.cond(TeamState.invite_error != "", rx.text(TeamState.invite_error, color_scheme="red", size="2")),
                width="100%",
            ),
        ),
        data_table(
            TeamState.members,
            [("Name", "name"), ("Email", "email")],
            table_id="members",
            extra=("Role", member_actions),
        ),
        spacing="4",
        width="100%",
    )
