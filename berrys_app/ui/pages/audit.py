"""Audit log (admins): security-relevant actions of the team, newest first."""

from __future__ import annotations

import reflex as rx

from berrys_app.ui.components.table import data_table, error_callout
from berrys_app.ui.layout import page
from berrys_app.ui.state.audit import AuditState


@page("/audit", "Audit log", on_load=AuditState.load, icon="scroll-text", order=70, admin_only=True)
def audit_page() -> rx.Component:
    return rx.vstack(
        error_callout(AuditState.error),
        data_table(
            AuditState.entries,
            [
                ("When", "at"),
                ("Action", "action"),
                ("Actor", "actor"),
                ("Result", "success"),
                ("Target", "target"),
                ("IP", "ip"),
            ],
            table_id="audit",
            empty="No entries.",
        ),
        rx.cond(
            AuditState.next_cursor != "",
            rx.button("Older entries", variant="soft", on_click=AuditState.older, id="audit-older"),
        ),
        spacing="4",
        width="100%",
    )
