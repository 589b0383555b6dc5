"""Mentions: where teammates @mentioned you, newest first, with the full comment."""

from __future__ import annotations

from typing import Any

import reflex as rx

from berrys_app.ui.components.table import error_callout
from berrys_app.ui.layout import page
from berrys_app.ui.state.mentions import MentionsState


def mention_card(item: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(item["author"].to(str), weight="medium", size="2"),
                rx.text("in", size="2", color_scheme="gray"),
                rx.link(item["project"].to(str), href="/projects/" + item["project_id"].to(str), size="2"),
                rx.spacer(),
                rx.text(item["at"].to(str), size="1", color_scheme="gray"),
                width="100%",
                align="center",
            ),
            rx.text(item["body"].to(str), size="2", white_space="pre-wrap", class_name="mention-body"),
            spacing="1",
            width="100%",
        ),
        class_name="mention",
        width="100%",
    )


@page("/mentions", "Mentions", on_load=MentionsState.load, icon="at-sign", order=55)
def mentions_page() -> rx.Component:
    return rx.vstack(
        error_callout(MentionsState.error),
        rx.cond(
            MentionsState.mentions.length() > 0,
            rx.vstack(rx.foreach(MentionsState.mentions, mention_card), id="mentions", width="100%"),
            rx.text("Nobody has mentioned you yet.", color_scheme="gray", id="mentions-empty"),
        ),
        spacing="4",
        width="100%",
    )
