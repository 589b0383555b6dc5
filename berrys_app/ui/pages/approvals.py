"""Approvals inbox: plans, budget raises and tool uses waiting for a person."""

from __future__ import annotations

from typing import Any

import reflex as rx

from berrys_app.ui.components.table import data_table, error_callout
from berrys_app.ui.layout import page
from berrys_app.ui.state.approvals import REASON_MAX, ApprovalsState
from berrys_app.ui.state.nav import NavState


def decision(item: rx.Var[dict[str, Any]]) -> rx.Component:
    approval_id = item["id"].to(str)
    return rx.cond(
        ApprovalsState.can_write,
        rx.hstack(
            rx.vstack(
                rx.input(
                    placeholder="Reason (required to reject)",
                    on_change=lambda value: ApprovalsState.set_reason(approval_id, value),
                    size="1",
                    min_width="220px",
                    max_length=REASON_MAX,
                    aria_label="Reason",
                    class_name="approval-reason",
                ),
                rx.cond(
                    ApprovalsState.row_errors.contains(approval_id),
                    rx.text(
                        ApprovalsState.row_errors[approval_id],
                        color_scheme="red",
                        size="1",
                        class_name="approval-error",
                    ),
                ),
                spacing="1",
            ),
            rx.button("Approve", size="1", color_scheme="green", on_click=ApprovalsState.decide(approval_id, True)),
            rx.button(
                "Reject",
                size="1",
                color_scheme="red",
                variant="soft",
                on_click=ApprovalsState.decide(approval_id, False),
            ),
            rx.link("open", href="/projects/" + item["project_id"].to(str), size="1"),
            align="center",
        ),
        rx.link("open", href="/projects/" + item["project_id"].to(str), size="1"),
    )


@page("/approvals", "Approvals", on_load=ApprovalsState.load, icon="inbox", order=50, badge=NavState.pending_approvals)
def approvals_page() -> rx.Component:
    return rx.vstack(
        error_callout(ApprovalsState.error),
        data_table(
            ApprovalsState.approvals,
            [
                ("Kind", "kind_label"),
                ("What", "title"),
                ("Tool", "tool"),
                ("Target host", "target"),
                ("Arguments (secrets masked)", "arguments"),
                ("Requested by", "requested_by"),
                ("Since", "created"),
            ],
            table_id="approvals",
            extra=("Decision", decision),
            empty="Nothing is waiting for you.",
        ),
        rx.cond(
            ApprovalsState.next_cursor != "",
            rx.button("More", variant="soft", on_click=ApprovalsState.more, id="approvals-more"),
        ),
        spacing="4",
        width="100%",
    )
