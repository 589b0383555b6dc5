"""Tools: the registry, MCP servers and credentials (masked; secrets never reach the browser)."""

from __future__ import annotations

import reflex as rx

from berrys_app.ui.components.table import data_table, error_callout
from berrys_app.ui.layout import page
from berrys_app.ui.state.workspace import ToolsState


@page("/tools", "Tools", on_load=ToolsState.load, icon="wrench", order=40)
def tools_page() -> rx.Component:
    return rx.vstack(
        error_callout(ToolsState.error),
        rx.heading("Registry", size="4"),
        data_table(
            ToolsState.tools,
            [
                ("Tool", "name"),
                ("Version", "version"),
                ("Kind", "kind"),
                ("Category", "category"),
                ("Description", "description"),
                ("Approval", "approval"),
                ("State", "active"),
            ],
            table_id="tools",
        ),
        rx.heading("MCP servers", size="4"),
        data_table(
            ToolsState.servers,
            [("Server", "name"), ("Transport", "transport"), ("Status", "status"), ("Tools", "tools")],
            table_id="mcp-servers",
            empty="No MCP servers registered.",
        ),
        rx.heading("Credentials", size="4"),
        data_table(
            ToolsState.credentials,
            [
                ("Name", "name"),
                ("Kind", "kind"),
                ("Secret", "hint"),
                ("For tools", "tools"),
                ("Sent only to", "hosts"),
                ("In headers", "headers"),
            ],
            table_id="credentials",
            empty="No credentials (or your role cannot see them).",
        ),
        spacing="4",
        width="100%",
    )
