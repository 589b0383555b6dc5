"""The last route of the API: unknown ``/api/...`` and ``/health/...`` paths answer problem JSON.

Reflex mounts the dashboard at ``""`` *after* every API route, and a mount matches every
path fully, so without this route an unknown API path (or a known one with a wrong method,
which the router only matches partially) would be served the dashboard's HTML with 200.
This route matches API paths fully, so it is chosen before that mount, and decides like the
router would have: a path some route serves with other methods -> 405 with ``Allow``;
otherwise 404. Both are raised as HTTP errors, so ``problems`` shapes them.
"""

from __future__ import annotations

from starlette.exceptions import HTTPException
from starlette.routing import BaseRoute, Match, Mount, NoMatchFound
from starlette.types import Receive, Scope, Send

API_PREFIXES = ("/api/", "/health/")


def is_api_path(path: str) -> bool:
    return path in ("/api", "/health") or path.startswith(API_PREFIXES)


class ApiFallback(BaseRoute):
    """Matches every API path no earlier route matched fully (include it last)."""

    def matches(self, scope: Scope) -> tuple[Match, Scope]:
        if scope["type"] == "http" and is_api_path(scope.get("path", "")):
            return Match.FULL, {}
        return Match.NONE, {}

    def url_path_for(self, name: str, /, **path_params: object) -> None:  # type: ignore[override]
        raise NoMatchFound(name, path_params)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        for route in _api_routes(scope.get("app")):  # a route added after this one (tests, plugins)
            match, child_scope = route.matches(scope)
            if match is Match.FULL:
                scope.update(child_scope)
                await route.handle(scope, receive, send)
                return
        method = scope.get("method", "GET")
        if _served_with_other_methods(scope):
            raise HTTPException(405, detail=f"{method} is not allowed on {scope['path']}")
        raise HTTPException(404, detail=f"no API route matches {method} {scope['path']}")


METHODS = ("GET", "POST", "PUT", "PATCH", "DELETE")


def _served_with_other_methods(scope: Scope) -> bool:
    """True when another route matches this path but not this method (``Match.PARTIAL``)."""
    return any(route.matches(scope)[0] is Match.PARTIAL for route in _api_routes(scope.get("app")))


def allowed_methods(app: object, scope: Scope) -> list[str]:
    """Every method some route serves on this path (asks each route, so nested routers count)."""
    routes = list(_api_routes(app))
    return [
        method
        for method in METHODS
        if any(route.matches({**scope, "method": method})[0] is Match.FULL for route in routes)
    ]


def _api_routes(app: object) -> list[BaseRoute]:
    """The app's routes without this fallback and without mounts (the dashboard matches all)."""
    return [r for r in getattr(app, "routes", ()) if not isinstance(r, ApiFallback | Mount)]
