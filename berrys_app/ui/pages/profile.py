"""Profile: your API keys (the plain key is shown once, only its digest is kept) and your
signed-in sessions, each of which you can sign out."""

from __future__ import annotations

from typing import Any

import reflex as rx

from berrys_app.ui.components.table import data_table, error_callout
from berrys_app.ui.layout import page
from berrys_app.ui.state.profile import EXPIRY_CHOICES, ProfileState


def revoke_button(key: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.cond(
        key["revoked"].to(str) == "",
        rx.button(
            "Revoke", size="1", variant="soft", color_scheme="red", on_click=ProfileState.revoke(key["id"].to(str))
        ),
        rx.badge("revoked", color_scheme="gray"),
    )


def session_button(item: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.hstack(
        rx.cond(item["current"].to(str) != "", rx.badge(item["current"].to(str), color_scheme="green")),
        rx.button(
            "Sign out",
            size="1",
            variant="soft",
            color_scheme="red",
            class_name="revoke-session",
            on_click=ProfileState.revoke_session(item["id"].to(str)),
        ),
        align="center",
    )


def invitation_buttons(item: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.hstack(
        rx.button(
            "Accept",
            size="1",
            class_name="accept-invitation",
            on_click=ProfileState.accept_invitation(item["id"].to(str)),
        ),
        rx.button(
            "Decline",
            size="1",
            variant="soft",
            color_scheme="gray",
            class_name="decline-invitation",
            on_click=ProfileState.decline_invitation(item["id"].to(str)),
        ),
    )


@page("/profile", "Profile", on_load=ProfileState.load, icon="key-round", order=80)
def profile_page() -> rx.Component:
    return rx.vstack(
        error_callout(ProfileState.error),
        rx.card(
            rx.vstack(
                rx.text(ProfileState.user_name, weight="bold"),
                rx.text(ProfileState.user_email, color_scheme="gray", size="2"),
                rx.cond(
                    ProfileState.email_verified,
                    rx.badge("address confirmed", color_scheme="green", id="email-verified"),
                    rx.hstack(
                        rx.badge("address not confirmed", color_scheme="orange", id="email-unverified"),
                        rx.text("Invitations wait until you open the link we mailed you.", size="2"),
                        rx.button(
                            "Send the link again",
                            size="1",
                            variant="soft",
                            on_click=ProfileState.resend_verification,
                            id="resend-verification",
                        ),
                        align="center",
                        wrap="wrap",
                    ),
                ),
            ),
            width="100%",
        ),
        rx.heading("Invitations", size="4"),
        data_table(
            ProfileState.invitations,
            [("Team", "team"), ("Role", "role"), ("Sent", "sent")],
            table_id="my-invitations",
            extra=("", invitation_buttons),
            empty="No invitations waiting for you.",
        ),
        rx.heading("API keys", size="4"),
        rx.form(
            rx.hstack(
                rx.input(name="name", placeholder="key name", id="key-name"),
                rx.hstack(rx.switch(name="write"), rx.text("write access", size="2"), align="center"),
                rx.select(list(EXPIRY_CHOICES), name="expires", default_value="90 days", id="key-expiry", size="2"),
                rx.button("Create key", type="submit", id="create-key"),
                align="center",
            ),
            on_submit=ProfileState.create_key,
            reset_on_submit=True,
        ),
        rx.cond(
            ProfileState.new_key != "",
            rx.callout(
                rx.text("Copy it now, it is not shown again: ", rx.code(ProfileState.new_key, id="new-key")),
                icon="key-round",
                color_scheme="green",
            ),
        ),
        data_table(
            ProfileState.keys,
            [
                ("Name", "name"),
                ("Prefix", "prefix"),
                ("Scopes", "scopes"),
                ("Created", "created"),
                ("Expires", "expires"),
                ("Last used", "last_used"),
            ],
            table_id="api-keys",
            extra=("", revoke_button),
            empty="No API keys yet.",
        ),
        rx.heading("Sessions", size="4"),
        data_table(
            ProfileState.my_sessions,
            [("Client", "client"), ("Signed in", "started"), ("Last refreshed", "last_used"), ("Ends", "expires")],
            table_id="sessions",
            extra=("", session_button),
            empty="No signed-in sessions.",
        ),
        spacing="4",
        width="100%",
    )
