"""Team: members and roles; admins invite by email (registered or not), see and revoke
invitations and change roles; anyone can start a new team."""

from __future__ import annotations

from typing import Any

import reflex as rx

from berrys_app.ui.components.table import data_table, error_callout
from berrys_app.ui.layout import page
from berrys_app.ui.state.session import SessionState
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


def invitation_actions(invitation: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.cond(
        invitation["status"].to(str) == "pending",
        rx.button(
            "Revoke",
            on_click=TeamState.revoke_invitation(invitation["id"].to(str)),
            color_scheme="red",
            variant="soft",
            size="1",
            class_name="revoke-invitation",
        ),
    )


def new_team_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("plus"), "New team", variant="soft", id="new-team")),
        rx.dialog.content(
            rx.dialog.title("New team"),
            rx.dialog.description("You will be its owner; invite people from this page afterwards."),
            rx.form(
                rx.vstack(
                    rx.input(name="name", placeholder="Team name", id="new-team-name", width="100%"),
                    rx.cond(
                        TeamState.new_team_error != "",
                        rx.text(TeamState.new_team_error, color_scheme="red", size="2", id="new-team-error"),
                    ),
                    rx.hstack(
                        rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray", type="button")),
                        rx.button("Create team", type="submit", id="create-team"),
                        justify="end",
                        width="100%",
                    ),
                    spacing="3",
                ),
                on_submit=TeamState.create_team,
            ),
            max_width="440px",
        ),
        open=TeamState.new_team_open,
        on_open_change=TeamState.set_new_team_open,
    )


def invite_card() -> rx.Component:
    return rx.card(
        rx.form(
            rx.hstack(
                rx.input(name="email", placeholder="teammate@example.com", id="invite-email", width="280px"),
                rx.select(ROLES[:3], name="role", default_value="member"),
                rx.button("Invite", type="submit", id="invite"),
                align="center",
                wrap="wrap",
            ),
            on_submit=TeamState.invite,
            reset_on_submit=True,
        ),
        rx.cond(
            TeamState.invite_error != "",
            rx.text(TeamState.invite_error, color_scheme="red", size="2", id="invite-error"),
        ),
        rx.cond(
            TeamState.invite_notice != "",
            rx.text(TeamState.invite_notice, color_scheme="green", size="2", id="invite-notice"),
        ),
        width="100%",
    )


@page("/team", "Team", on_load=TeamState.load, icon="users", order=60)
def team_page() -> rx.Component:
    return rx.vstack(
        rx.hstack(rx.heading(SessionState.team_name, size="4"), rx.spacer(), new_team_dialog(), width="100%"),
        error_callout(TeamState.error),
        rx.cond(TeamState.is_admin, invite_card()),
        data_table(
            TeamState.members,
            [("Name", "name"), ("Email", "email")],
            table_id="members",
            extra=("Role", member_actions),
        ),
        rx.cond(
            TeamState.is_admin,
            rx.vstack(
                rx.heading("Invitations", size="3"),
                data_table(
                    TeamState.invitations,
                    [("Email", "email"), ("Role", "role"), ("Status", "status"), ("Sent", "created")],
                    table_id="invitations",
                    extra=("", invitation_actions),
                    empty="No invitations.",
                ),
                width="100%",
            ),
        ),
        rx.heading("Activity", size="3"),
        data_table(
            TeamState.activity_rows,
            [("When", "at"), ("Who", "actor"), ("What", "kind"), ("", "what")],
            table_id="activity",
            empty="Nothing yet.",
        ),
        rx.cond(
            TeamState.activity_pages > 1,
            rx.hstack(
                rx.button(
                    "Previous",
                    size="1",
                    variant="soft",
                    on_click=TeamState.activity_go(-1),
                    id="activity-prev",
                    disabled=TeamState.activity_page <= 1,
                ),
                rx.text(
                    "Page ",
                    TeamState.activity_page.to(str),
                    " of ",
                    TeamState.activity_pages.to(str),
                    size="2",
                    id="activity-page",
                ),
                rx.button(
                    "Next",
                    size="1",
                    variant="soft",
                    on_click=TeamState.activity_go(1),
                    id="activity-next",
                    disabled=TeamState.activity_page >= TeamState.activity_pages,
                ),
                align="center",
            ),
        ),
        spacing="4",
        width="100%",
    )
