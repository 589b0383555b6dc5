"""Reflex configuration. Every value comes from settings/env; nothing is hard-coded here."""

import os

import reflex as rx

from berrys_app.settings import get_settings

os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")

_settings = get_settings()
_port = _settings.port

config = rx.Config(
    app_name="berrys_app",
    telemetry_enabled=False,
    frontend_port=_port,
    backend_port=_port,
    api_url=_settings.public_base_url,
    show_built_with_reflex=False,
    # Reflex wraps the app (and the API) in its own CORS layer: give it the same origins as the API.
    cors_allowed_origins=_settings.cors_origins or ["*"],
    plugins=[
        rx.plugins.RadixThemesPlugin(theme=rx.theme(appearance="inherit", accent_color="violet", radius="medium"))
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
