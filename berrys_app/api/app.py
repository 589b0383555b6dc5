"""The FastAPI app mounted into Reflex (``api_transformer``): one process, one port.

Every module in ``berrys_app.api.routes`` that defines ``router`` is included, so
adding a route module needs no edit here.
"""

from __future__ import annotations

import contextlib
import importlib
import pkgutil
from collections.abc import AsyncIterator

from fastapi import FastAPI
from fastapi.routing import APIRoute
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor
from starlette.middleware.cors import CORSMiddleware
from starlette.routing import Route
from starlette.types import Receive, Scope, Send

from berrys_app import tracing
from berrys_app.api import docs, fast_tasks, mcp_server, routes
from berrys_app.db import aio
from berrys_app.services import ratelimit_aio

# Reflex mounts the whole dashboard (pages, its websocket) inside this app: only REST is traced
_NOT_REST = r"^[a-z]+://[^/]+/(?!api/v1/)"


class BerrysApi(FastAPI):
    """The FastAPI app, with the task-list fast path (``api.fast_tasks``) ahead of its layers."""

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        cors = any(middleware.cls is CORSMiddleware for middleware in self.user_middleware)  # ours or Reflex's
        if not await fast_tasks.serve(scope, send, cors=cors):
            await super().__call__(scope, receive, send)


@contextlib.asynccontextmanager
async def process_resources(_api: object = None) -> AsyncIterator[None]:
    """The web process's async database pool and rate limiter (the task list's fast path), open
    for the server's life -- one event loop -- and closed at shutdown. The API's own lifespan when
    it is served alone (``uvicorn --factory ...:create_api``); a Reflex lifespan task in the full
    app (Reflex mounts this app and does not run its lifespan)."""
    async with aio.lifespan(), ratelimit_aio.lifespan():
        yield


def create_api() -> FastAPI:
    api = BerrysApi(
        lifespan=process_resources,
        title="Berrys API",
        version="1.0.0",
        description="Multi-agent orchestration: projects, plans, tasks, agents, models and tools.",
        docs_url=None,  # served from local files instead of a CDN (api.docs)
        openapi_url="/api/openapi.json",
        redoc_url=None,
    )
    for module_info in sorted(pkgutil.iter_modules(routes.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{routes.__name__}.{module_info.name}")
        router = getattr(module, "router", None)
        if router is not None:
            # the routes themselves, not the router: FastAPI (0.16x) keeps an included router as
            # one nested candidate and re-matches through every router before the one that
            # serves a request (~13 matcher calls for /projects/{id}/tasks); the routers set
            # nothing at include time (their prefix, tags, responses, dependencies are already
            # on each route), so the flat list routes and documents the same
            api.router.routes.extend(router.routes)
            for route in router.routes:
                # operation ids are the route functions' names (unique, tests/api/test_sdk_coverage.py):
                # what the generated Python client (clients/python) and other generators call them
                if isinstance(route, APIRoute) and not route.operation_id:
                    route.operation_id = route.name
    # Berrys as an MCP server (not a REST operation: outside the OpenAPI document)
    api.router.routes.append(Route(mcp_server.PATH, mcp_server.asgi_app(), methods=["GET", "POST", "DELETE"]))
    docs.install(api)
    setup = getattr(routes, "setup", None)
    if setup is not None:
        setup(api)
    if tracing.setup("web"):  # a span per REST request, joined to a caller's ``traceparent``
        FastAPIInstrumentor.instrument_app(
            api, tracer_provider=tracing.tracer_provider(), excluded_urls=_NOT_REST, exclude_spans=["receive", "send"]
        )
    return api
