"""Reflex configuration. Every value comes from settings/env; nothing is hard-coded here."""

import os
from urllib.parse import urlsplit

import reflex as rx

from berrys_app.settings import get_settings

os.environ.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
os.environ.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")

_settings = get_settings()
_port = _settings.port
_public_origin = "{0.scheme}://{0.netloc}".format(urlsplit(_settings.public_base_url))

config = rx.Config(
    app_name="berrys_app",
    telemetry_enabled=False,
    frontend_port=_port,
    backend_port=_port,
    api_url=_settings.public_base_url,
    show_built_with_reflex=False,
    # With a Redis URL every tab's state lives in Redis (the Redis state manager, locked per tab),
    # so the web tier can run as many processes and hosts; one process keeps it on its own disk,
    # which loads pages ~0.5 s faster (docs/deploy.md): BERRYS_TAB_STATE decides.
    redis_url=_settings.redis_url if _settings.tab_state_in_redis else None,
    # Reflex wraps the app (and the API) in its own CORS layer (with credentials): only the
    # configured origins, else only the dashboard's own public origin, never "*".
    cors_allowed_origins=_settings.cors_origins or [_public_origin],
    plugins=[
        rx.plugins.RadixThemesPlugin(theme=rx.theme(appearance="inherit", accent_color="violet", radius="medium"))
    ],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
