"""Models: the catalogue and the team's spending (cost and tokens) by model and by day."""

from __future__ import annotations

import reflex as rx

from berrys_app.ui.components.table import data_table, error_callout
from berrys_app.ui.layout import page
from berrys_app.ui.state.workspace import ModelsState


@page("/models", "Models", on_load=ModelsState.load, icon="cpu", order=30)
def models_page() -> rx.Component:
    return rx.vstack(
        error_callout(ModelsState.error),
        rx.hstack(
            rx.card(
                rx.text("Team spend", size="1", color_scheme="gray"),
                rx.heading(ModelsState.total_cost, size="6", id="team-spend"),
            ),
            rx.card(
                rx.text("Team tokens", size="1", color_scheme="gray"),
                rx.heading(ModelsState.total_tokens, size="6", id="team-tokens"),
            ),
        ),
        rx.grid(
            rx.card(rx.plotly.basic(data=ModelsState.model_chart, config={"displayModeBar": False}), width="100%"),
            rx.card(rx.plotly.basic(data=ModelsState.day_chart, config={"displayModeBar": False}), width="100%"),
            rx.card(
                rx.plotly.basic(data=ModelsState.token_chart, config={"displayModeBar": False}),
                width="100%",
                id="token-chart",
            ),
            columns=rx.breakpoints(initial="1", md="2"),
            spacing="3",
            width="100%",
        ),
        rx.heading("Catalogue", size="4"),
        data_table(
            ModelsState.models,
            [
                ("Model", "name"),
                ("Provider", "provider"),
                ("Capabilities", "capabilities"),
                ("Context", "context"),
                ("Price in/out per 1M", "price"),
                ("State", "active"),
            ],
            table_id="models",
        ),
        spacing="4",
        width="100%",
    )
