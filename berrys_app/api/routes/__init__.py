"""Route modules; each defines ``router`` (an ``APIRouter``).

``setup(api)`` (called by ``create_api`` after every router) installs the problem-JSON
error handlers, request ids, security headers, CORS and the API fallback route.
"""

from __future__ import annotations

from fastapi import FastAPI

from berrys_app.api import problems
from berrys_app.api.fallback import ApiFallback
from berrys_app.settings import get_settings


def setup(api: FastAPI) -> None:
    from fastapi.middleware.cors import CORSMiddleware

    origins = get_settings().cors_origins
    if origins:
        api.add_middleware(
            CORSMiddleware,
            allow_origins=origins,
            allow_methods=["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"],
            allow_headers=["Authorization", "Content-Type", "X-Request-ID"],
            expose_headers=["X-Request-ID", "Retry-After"],
            max_age=600,
        )
    problems.install(api)  # added last = outermost: request id + headers on every response
    api.router.routes.append(ApiFallback())  # last route: before the dashboard Reflex mounts at ""
