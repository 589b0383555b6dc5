"""Sign in and register: pages without the navigation shell (with the mailed links' pages, ``identity``)."""

from __future__ import annotations

import reflex as rx

from berrys_app.ui.layout import page
from berrys_app.ui.state.session import SessionState


def error_callout(message: rx.Var[str] = SessionState.auth_error) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="triangle_alert", color_scheme="red", id="auth-error", width="100%"),
    )


def notice_callout(message: rx.Var[str] = SessionState.auth_notice) -> rx.Component:
    return rx.cond(
        message != "",
        rx.callout(message, icon="mail-check", color_scheme="green", id="auth-notice", width="100%"),
    )


def submit_button(label: str, id_: str) -> rx.Component:
    """Disabled until the tab is live (``SessionState.ui_ready``): a click before that submits the
    form natively (a GET with the fields, a password included, in the URL) and its answer is lost.
    Not ``is_hydrated``: that flips off and on again on every link between pages, and a click in
    that moment lands on a disabled button and is lost."""
    return rx.button(label, type="submit", width="100%", size="3", id=id_, disabled=~SessionState.ui_ready)


def field(label: str, name: str, *, type_: str = "text", placeholder: str = "") -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", weight="medium"),
        # disabled until the tab is live, like the submit button: hydration re-renders the input
        # and would drop what was typed before it
        rx.input(
            name=name,
            id=name,
            type=type_,
            placeholder=placeholder,
            width="100%",
            size="3",
            disabled=~SessionState.ui_ready,
        ),
        spacing="1",
        width="100%",
    )


@page("/login", "Sign in", nav=False, public=True, bare=True, on_load=SessionState.load_login)
def login_page() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Sign in", size="6"),
                error_callout(),
                notice_callout(),
                field("Email", "email", type_="email", placeholder="you@example.com"),
                field("Password", "password", type_="password"),
                rx.link("Forgot password?", href="/forgot-password", size="2", id="to-forgot-password"),
                submit_button("Sign in", "sign-in"),
                rx.cond(
                    SessionState.oidc_available,
                    rx.button(
                        rx.icon("shield-check", size=16),
                        "Sign in with SSO",
                        type="button",
                        variant="outline",
                        width="100%",
                        size="3",
                        on_click=SessionState.oidc_start,
                        id="sign-in-oidc",
                    ),
                ),
                rx.text(
                    "No account? ",
                    rx.link("Create one", href="/register", id="to-register"),
                    size="2",
                ),
                spacing="4",
                width="100%",
            ),
            on_submit=SessionState.login,
            reset_on_submit=False,
        ),
        width="100%",
        size="4",
        on_unmount=SessionState.clear_messages,
    )


@page("/register", "Create account", nav=False, public=True, bare=True)
def register_page() -> rx.Component:
    return rx.card(
        rx.form(
            rx.vstack(
                rx.heading("Create your account", size="6"),
                rx.text("You get a personal team; invite others later.", size="2", color_scheme="gray"),
                error_callout(),
                notice_callout(),
                field("Name", "name", placeholder="Ada Lovelace"),
                field("Email", "email", type_="email", placeholder="you@example.com"),
                field("Password", "password", type_="password", placeholder="at least 8 characters"),
                submit_button("Create account", "register"),
                rx.text("Already registered? ", rx.link("Sign in", href="/login"), size="2"),
                spacing="4",
                width="100%",
            ),
            on_submit=SessionState.register,
            reset_on_submit=False,
        ),
        width="100%",
        size="4",
        on_unmount=SessionState.clear_messages,
    )


@page("/oidc/callback", "Signing in", nav=False, public=True, bare=True, on_load=SessionState.oidc_finish)
def oidc_callback_page() -> rx.Component:
    return rx.card(rx.hstack(rx.spinner(), rx.text("Signing you in…")), size="3")
