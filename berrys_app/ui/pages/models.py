"""Models: connect the team's own model, the catalogue, and the team's spending (cost and tokens)
by model and by day."""

from __future__ import annotations

import reflex as rx

from berrys_app.ui.components.table import data_table, error_callout
from berrys_app.ui.layout import page
from berrys_app.ui.state.models_connect import KINDS, ConnectModelState
from berrys_app.ui.state.session import SessionState
from berrys_app.ui.state.workspace import ModelsState


def _field(label: str, control: rx.Component, hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.el.label(
            label,
            rx.box(control, width="100%", margin_top="4px"),
            style={"font-size": "14px", "font-weight": 500, "display": "block", "width": "100%"},
        ),
        rx.cond(hint != "", rx.text(hint, size="1", color_scheme="gray")),
        spacing="1",
        width="100%",
    )


def connect_form() -> rx.Component:
    """Team admins connect an endpoint; the key field is a password input emptied after saving."""
    return rx.form(
        rx.vstack(
            rx.hstack(
                _field(
                    "Provider",
                    rx.select(
                        list(KINDS),
                        value=ConnectModelState.kind,
                        on_change=ConnectModelState.set_kind,
                        id="connect-kind",
                        width="100%",
                    ),
                ),
                _field(
                    "Model id",
                    rx.input(
                        name="model_id", id="connect-model-id", width="100%", placeholder="gpt-4.1-mini, llama3.2, ..."
                    ),
                    "As the provider names it.",
                ),
                _field(
                    "Display name",
                    rx.input(name="display_name", id="connect-display-name", width="100%", max_length=200),
                ),
                width="100%",
            ),
            rx.hstack(
                _field(
                    "Endpoint URL",
                    rx.input(
                        name="api_base",
                        id="connect-endpoint",
                        width="100%",
                        value=ConnectModelState.endpoint,
                        on_change=ConnectModelState.set_endpoint,
                        placeholder="https://host/v1",
                        max_length=500,
                    ),
                ),
                _field(
                    "API key",
                    rx.input(
                        name="api_key",
                        id="connect-api-key",
                        width="100%",
                        type="password",
                        auto_complete="off",
                        placeholder="stored encrypted, never shown again",
                        max_length=500,
                    ),
                ),
                width="100%",
            ),
            rx.button("Connect", type="submit", id="connect-submit"),
            spacing="3",
            width="100%",
        ),
        on_submit=ConnectModelState.connect,
        reset_on_submit=False,
        width="100%",
    )


def team_model_row(model: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.cell(rx.text(model["label"], weight="medium"), rx.text(model["name"], size="1", color_scheme="gray")),
        rx.table.cell(model["endpoint"]),
        rx.table.cell(model["key"]),
        rx.table.cell(
            rx.hstack(
                rx.button(
                    "Test connection",
                    size="1",
                    variant="soft",
                    loading=ConnectModelState.testing == model["id"],
                    on_click=ConnectModelState.test_connection(model["id"]),
                    class_name="test-connection",
                ),
                rx.cond(
                    ConnectModelState.default_model == model["name"],
                    rx.badge("team default", color_scheme="green"),
                    rx.button(
                        "Make team default",
                        size="1",
                        variant="outline",
                        on_click=ConnectModelState.make_default(model["name"]),
                        class_name="make-default",
                    ),
                ),
            )
        ),
    )


def connect_section() -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.heading("Connect a model", size="4"),
            rx.text(
                "Without one, projects run on the built-in demo model (SmolLM2 135M: tiny, offline, poor answers). "
                "Add an OpenAI, Anthropic, Ollama or any OpenAI-compatible endpoint; team admins only.",
                size="2",
                color_scheme="gray",
            ),
            rx.cond(
                ConnectModelState.notice != "",
                rx.callout(
                    ConnectModelState.notice,
                    color_scheme=rx.cond(ConnectModelState.notice_ok, "green", "red"),
                    id="connect-notice",
                    style={"overflow-wrap": "anywhere"},
                ),
            ),
            rx.cond(SessionState.is_admin, connect_form()),
            rx.cond(
                ConnectModelState.team_models.length() > 0,
                rx.table.root(
                    rx.table.header(
                        rx.table.row(
                            rx.table.column_header_cell("Team model"),
                            rx.table.column_header_cell("Endpoint"),
                            rx.table.column_header_cell("Key"),
                            rx.table.column_header_cell(""),
                        )
                    ),
                    rx.table.body(rx.foreach(ConnectModelState.team_models, team_model_row)),
                    id="team-models",
                    width="100%",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        id="connect-model",
        width="100%",
    )


@page("/models", "Models", on_load=[ModelsState.load, ConnectModelState.load], icon="cpu", order=30)
def models_page() -> rx.Component:
    return rx.vstack(
        error_callout(ModelsState.error),
        error_callout(ConnectModelState.error),
        connect_section(),
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
                ("From", "owner"),
                ("Provider", "provider"),
                ("Capabilities", "capabilities"),
                ("Context", "context"),
                ("Price in / out per 1M tokens", "price"),
                ("State", "active"),
            ],
            table_id="models",
        ),
        spacing="4",
        width="100%",
    )
