"""Landing page: what Berrys is and where to go."""

import reflex as rx

from berrys_app.ui.layout import page
from berrys_app.ui.state.session import SessionState


@page("/", "Berrys", nav=False, public=True, bare=True, on_load=SessionState.home)
def home_page() -> rx.Component:
    return rx.vstack(
        rx.heading("Plan it. Approve it. Watch a team of agents ship it.", size="7", align="center"),
        rx.text(
            "Describe a project, review the plan the planner proposes, and watch agents execute it live "
            "with your team.",
            align="center",
            color_scheme="gray",
        ),
        rx.hstack(
            rx.link(rx.button("Sign in", size="3"), href="/login"),
            rx.link(rx.button("Create account", size="3", variant="soft"), href="/register"),
            rx.link(rx.button("System status", size="3", variant="ghost"), href="/system"),
        ),
        spacing="5",
        align="center",
    )
