"""The page decorator and the shared shell: sidebar navigation, team switcher, user menu.

``@page`` registers a page; pages that need a user get ``SessionState.require_login``
as on_load unless they bring their own loader (which authenticates itself).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx

from berrys_app.ui.components.labels import initials_of
from berrys_app.ui.state.nav import NavState
from berrys_app.ui.state.session import SessionState


@dataclass(frozen=True)
class PageSpec:
    route: str
    title: str
    render: Callable[[], rx.Component]
    on_load: Any = None
    nav: bool = True
    icon: str = "circle"
    public: bool = False
    order: int = 50
    admin_only: bool = False
    badge: Any = None  # a number Var shown next to the link when above 0


PAGES: list[PageSpec] = []


def page(
    route: str,
    title: str,
    *,
    on_load: Any = None,
    nav: bool = True,
    icon: str = "circle",
    public: bool = False,
    bare: bool = False,
    order: int = 50,
    admin_only: bool = False,
    badge: Any = None,
):
    """Register ``render`` as a dashboard page with the shared layout (``bare``: no shell)."""

    def decorator(render: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def wrapped() -> rx.Component:
            return bare_layout(render()) if bare else layout(render(), title)

        load = on_load
        if load is None and not public:
            load = SessionState.require_login
        PAGES.append(PageSpec(route, title, wrapped, load, nav, icon, public, order, admin_only, badge))
        return render

    return decorator


def nav_link(spec: PageSpec) -> rx.Component:
    link = _nav_link(spec)
    if spec.admin_only:
        return rx.cond(SessionState.is_admin, link)
    return link


def _nav_link(spec: PageSpec) -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.icon(spec.icon, size=16),
            rx.text(spec.title, size="2"),
            *([nav_badge(spec)] if spec.badge is not None else []),
            align="center",
            spacing="2",
        ),
        href=spec.route,
        underline="none",
        color_scheme="gray",
        high_contrast=True,
        padding_y="0.35em",
        class_name="nav-link",
    )


def nav_badge(spec: PageSpec) -> rx.Component:
    return rx.cond(
        spec.badge > 0,
        rx.badge(
            spec.badge.to(str), color_scheme="red", variant="solid", radius="full", size="1", class_name="nav-badge"
        ),
    )


def brand() -> rx.Component:
    return rx.link(
        rx.hstack(
            rx.image(src="/logo.svg", alt="", width="28px", height="28px", id="brand-logo"),
            rx.heading("Berrys", size="5"),
            align="center",
        ),
        href="/projects",
        underline="none",
        color_scheme="gray",
        high_contrast=True,
    )


def team_switcher() -> rx.Component:

    return rx.cond(
        SessionState.signed_in,
        rx.select.root(
            rx.select.trigger(placeholder="Team", id="team-switcher", variant="soft"),
            rx.select.content(
                rx.foreach(
                    SessionState.teams,
                    lambda t: rx.select.item(t["name"], value=t["id"]),
                )
            ),
            value=SessionState.team_id,
            on_change=SessionState.switch_team,
            size="2",
        ),
    )


def user_menu() -> rx.Component:

    return rx.cond(
        SessionState.signed_in,
        rx.hstack(
            rx.badge(SessionState.role, variant="surface", id="my-role"),
            rx.menu.root(
                rx.menu.trigger(
                    rx.button(
                        rx.box(
                            rx.avatar(fallback=initials_of(SessionState.user_name), size="1", radius="full"),
                            id="user-avatar",
                        ),
                        rx.text(SessionState.user_name, size="2", id="user-name"),
                        variant="ghost",
                    )
                ),
                rx.menu.content(
                    rx.menu.item(SessionState.user_email, disabled=True),
                    rx.menu.separator(),
                    rx.menu.item("Sign out", on_click=SessionState.logout, id="sign-out", color="red"),
                ),
            ),
            align="center",
            spacing="3",
        ),
        rx.link(rx.button("Sign in", variant="soft"), href="/login"),
    )


def sidebar() -> rx.Component:
    links = [nav_link(spec) for spec in sorted(PAGES, key=lambda s: (s.order, s.route)) if spec.nav]
    return rx.vstack(
        brand(),
        rx.divider(),
        *links,
        rx.spacer(),
        rx.color_mode.button(size="2", variant="ghost"),
        on_mount=NavState.count_pending,
        width="220px",
        min_width="220px",
        min_height="100vh",
        padding="1.2em",
        border_right="1px solid var(--gray-a5)",
        background="var(--gray-a2)",
        spacing="2",
        display=["none", "none", "flex"],
        position="sticky",
        top="0",
    )


def mobile_nav() -> rx.Component:
    """Below the sidebar's breakpoint: the same pages in a menu (the sidebar is hidden there)."""

    def item(spec: PageSpec) -> rx.Component:
        entry = rx.menu.item(
            rx.hstack(rx.icon(spec.icon, size=14), rx.text(spec.title), align="center", spacing="2"),
            on_click=rx.redirect(spec.route),
            class_name="mobile-nav-item",
        )
        return rx.cond(SessionState.is_admin, entry) if spec.admin_only else entry

    specs = [spec for spec in sorted(PAGES, key=lambda s: (s.order, s.route)) if spec.nav]
    return rx.box(
        rx.menu.root(
            rx.menu.trigger(
                rx.icon_button(rx.icon("menu", size=18), variant="soft", id="mobile-nav", aria_label="Menu")
            ),
            rx.menu.content(*[item(spec) for spec in specs]),
        ),
        display=["block", "block", "none"],
    )


def topbar(title: str) -> rx.Component:
    return rx.hstack(
        mobile_nav(),
        rx.box(brand(), display=["block", "block", "none"]),
        rx.heading(title, size="6", id="page-title"),
        rx.spacer(),
        team_switcher(),
        user_menu(),
        align="center",
        width="100%",
        padding_y="0.8em",
        padding_x="1.5em",
        border_bottom="1px solid var(--gray-a4)",
        wrap="wrap",
    )


def favicon() -> rx.Component:
    """The icon link (React hoists it into <head>): assets/favicon.ico, served by Reflex."""
    return rx.el.link(rel="icon", href="/favicon.ico", type="image/x-icon")


def layout(content: rx.Component, title: str) -> rx.Component:
    return rx.hstack(
        favicon(),
        sidebar(),
        rx.vstack(
            topbar(title),
            rx.box(content, padding=["1em", "1.5em", "2em"], width="100%"),
            spacing="0",
            width="100%",
            min_width="0",
        ),
        spacing="0",
        align="start",
        width="100%",
    )


def bare_layout(content: rx.Component) -> rx.Component:
    """Sign-in pages: centred card, no navigation. Mounting it tells the backend this tab is live
    (``SessionState.ui_ready``: their forms wait for it)."""
    return rx.center(
        favicon(),
        rx.vstack(brand(), content, align="center", spacing="5", width="100%", max_width="420px"),
        min_height="100vh",
        padding="1em",
        background="radial-gradient(circle at 20% 10%, var(--accent-a3), transparent 45%)",
        on_mount=SessionState.mark_ready,
    )
