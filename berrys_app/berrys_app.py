"""The Reflex app: dashboard pages, the REST API (``api_transformer``) and the live listener."""

from __future__ import annotations

import os

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")

import reflex as rx
from starlette.types import ASGIApp

import berrys_app.domain
import berrys_app.ui.pages  # noqa: F401  (register every page)
from berrys_app.api import mcp_server
from berrys_app.api.app import create_api, process_resources
from berrys_app.api.fast_tasks import TaskListFastPath
from berrys_app.api.http_metrics import HttpMetrics
from berrys_app.gc_tuning import settle_heap
from berrys_app.observability import logs
from berrys_app.settings import get_settings
from berrys_app.ui import live
from berrys_app.ui.layout import PAGES
from berrys_app.ui.state.session import SessionState


class BerrysApp(rx.App):
    """``rx.App`` whose ASGI app (what Granian serves) answers the hot task list before Reflex's
    own layers (``api.fast_tasks``); everything else goes through them unchanged. Every HTTP
    request is counted and timed by route (``api.http_metrics``)."""

    def __call__(self) -> ASGIApp:
        return HttpMetrics(TaskListFastPath(super().__call__()))


logs.configure(get_settings().log_level, fmt=get_settings().log_format)
app = BerrysApp(api_transformer=create_api())
for spec in PAGES:
    app.add_page(
        spec.render,
        route=spec.route,
        title=f"{spec.title} · Berrys",
        on_load=spec.on_load,
    )
app.register_lifespan_task(live.listen_forever, rx_app=app, session_state=SessionState)
app.register_lifespan_task(mcp_server.serve_forever)  # the SDK's session manager behind /mcp
app.register_lifespan_task(process_resources)  # the async database pool and rate limiter, closed at shutdown
app.register_lifespan_task(settle_heap)  # once built: freeze the permanent heap (p99, see gc_tuning)
