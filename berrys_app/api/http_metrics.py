"""HTTP latency and status by route template, for every request the web process answers.

Pure ASGI around the whole app (outside the task-list fast path, so its answers count too). The
label is the matched route's template (``/api/v1/projects/{project_id}``), never the raw path:
ids in paths would make one series per project. Paths no route matched are ``unmatched`` (API)
or ``dashboard`` (the Reflex pages and assets).
"""

from __future__ import annotations

import time

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from berrys_app.api.fallback import is_api_path
from berrys_app.api.fast_tasks import is_fast_path
from berrys_app.observability import metrics

FAST_TASKS_ROUTE = "/api/v1/projects/{project_id}/tasks"


def route_template(scope: Scope) -> str:
    """The label of a request once answered (routing has put the matched route in ``scope``)."""
    route = scope.get("route")
    template = getattr(route, "path", None)
    if template:
        return template
    path = scope.get("path", "")
    if is_fast_path(path):  # no route ran: the fast path answered
        return FAST_TASKS_ROUTE
    return "unmatched" if is_api_path(path) or path == "/metrics" else "dashboard"


class HttpMetrics:
    """Counts and times each HTTP request (websockets and lifespan pass through)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500  # an exception before the response started

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            metrics.http_request(scope.get("method", ""), route_template(scope), status, time.perf_counter() - started)
