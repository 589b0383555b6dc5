"""Webhooks (team admins): endpoints subscribed to event types, each endpoint's delivery log
with every attempt's status code, and redelivery by hand."""

from __future__ import annotations

from typing import Any

import reflex as rx

from berrys_app.ui.components.table import data_table, error_callout
from berrys_app.ui.layout import page
from berrys_app.ui.state.automation import WebhooksState

S = WebhooksState


def endpoint_form() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.heading("New webhook", size="3"),
            rx.input(name="url", placeholder="https://example.com/hooks/berrys", width="100%", id="webhook-url"),
            rx.input(name="description", placeholder="Description", width="100%"),
            rx.flex(
                rx.foreach(S.event_types, lambda t: rx.checkbox(t, name="type_" + t, class_name="webhook-type")),
                wrap="wrap",
                spacing="3",
            ),
            rx.button("Create webhook", type="submit", id="create-webhook"),
            width="100%",
        ),
        on_submit=S.create_endpoint,
        reset_on_submit=False,
        id="webhook-form",
    )


def _deliveries_button(row: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.button(
        "Deliveries", size="1", variant="soft", on_click=S.show_deliveries(row["id"].to(str)), class_name="show-log"
    )


def _redeliver_button(row: rx.Var[dict[str, Any]]) -> rx.Component:
    return rx.button(
        "Redeliver", size="1", variant="soft", on_click=S.redeliver(row["id"].to(str)), class_name="redeliver"
    )


@page("/webhooks", "Webhooks", on_load=S.load, icon="webhook", order=75, admin_only=True)
def webhooks_page() -> rx.Component:
    return rx.vstack(
        error_callout(S.error),
        rx.cond(S.notice != "", rx.callout(S.notice, icon="info", id="webhooks-notice")),
        data_table(
            S.endpoints,
            [("URL", "url"), ("Event types", "types"), ("Description", "description"), ("Enabled", "enabled")],
            table_id="webhooks",
            extra=("Log", _deliveries_button),
            empty="No webhooks.",
        ),
        endpoint_form(),
        rx.cond(
            S.deliveries_of != "",
            rx.vstack(
                rx.heading("Delivery log", size="4"),
                data_table(
                    S.deliveries,
                    [
                        ("Created", "at"),
                        ("Event type", "type"),
                        ("Status", "status"),
                        ("Attempts", "attempts"),
                        ("Status codes", "codes"),
                        ("Last error", "error"),
                        ("Next attempt", "next"),
                    ],
                    table_id="deliveries",
                    extra=("", _redeliver_button),
                    empty="Nothing delivered yet.",
                ),
                width="100%",
            ),
        ),
        spacing="4",
        width="100%",
    )
