"""The pages the identity mails link to, and "Forgot password?" (bare pages, like sign-in)."""

from __future__ import annotations

import reflex as rx

from berrys_app.ui.layout import page
from berrys_app.ui.pages.auth import error_callout, field, notice_callout, submit_button
from berrys_app.ui.state.identity import IdentityState


def _card(*children: rx.Component) -> rx.Component:
    return rx.card(
        rx.vstack(*children, spacing="4", width="100%"),
        width="100%",
        size="4",
        on_unmount=IdentityState.clear,
    )


def _to_sign_in() -> rx.Component:
    return rx.text(rx.link("Sign in", href="/login", id="to-sign-in"), size="2")


@page("/verify-email", "Confirm your address", nav=False, public=True, bare=True, on_load=IdentityState.load_verify)
def verify_email_page() -> rx.Component:
    return _card(
        rx.heading("Confirm your address", size="6"),
        error_callout(IdentityState.problem),
        notice_callout(IdentityState.message),
        _to_sign_in(),
    )


@page("/forgot-password", "Forgot password", nav=False, public=True, bare=True)
def forgot_password_page() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Forgot your password?", size="6"),
                rx.text("We mail you a link to choose a new one.", size="2", color_scheme="gray"),
                error_callout(IdentityState.problem),
                notice_callout(IdentityState.message),
                field("Email", "email", type_="email", placeholder="you@example.com"),
                submit_button("Send the link", "send-reset"),
                _to_sign_in(),
                spacing="4",
                width="100%",
            ),
            on_submit=IdentityState.request_reset,
            reset_on_submit=False,
        ),
        width="100%",
        size="4",
        on_unmount=IdentityState.clear,
    )


@page("/reset-password", "New password", nav=False, public=True, bare=True)
def reset_password_page() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Choose a new password", size="6"),
                rx.text("Every session of your account is signed out.", size="2", color_scheme="gray"),
                error_callout(IdentityState.problem),
                field("New password", "password", type_="password", placeholder="at least 8 characters"),
                field("Repeat it", "confirm", type_="password"),
                submit_button("Set the password", "set-password"),
                spacing="4",
                width="100%",
            ),
            on_submit=IdentityState.confirm_reset,
            reset_on_submit=False,
        ),
        width="100%",
        size="4",
        on_unmount=IdentityState.clear,
    )


@page("/invitation", "Invitation", nav=False, public=True, bare=True, on_load=IdentityState.load_invitation)
def invitation_page() -> rx.Component:
    return _card(
        rx.heading("Team invitation", size="6"),
        error_callout(IdentityState.problem),
        notice_callout(IdentityState.message),
        rx.cond(IdentityState.link_done, rx.link("Go to your projects", href="/projects", id="to-projects")),
    )
