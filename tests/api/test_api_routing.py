"""How ``create_api`` assembles the routes."""

from __future__ import annotations


def test_flat_route_list_documents_like_included_routers(env) -> None:
    """``create_api`` adds each router's routes, not the router (cheaper matching): the
    OpenAPI document must be what ``include_router`` would have produced, with the route functions'
    names as operation ids (what the generated SDK calls them)."""
    import importlib
    import pkgutil

    from fastapi import FastAPI
    from fastapi.routing import APIRoute

    from berrys_app.api import routes
    from berrys_app.api.app import create_api

    nested = FastAPI(title="Berrys API", version="1.0.0")
    for info in sorted(pkgutil.iter_modules(routes.__path__), key=lambda m: m.name):
        router = getattr(importlib.import_module(f"{routes.__name__}.{info.name}"), "router", None)
        if router is not None:
            nested.include_router(router)
    for route in nested.routes:  # as create_api names them
        if isinstance(route, APIRoute) and not route.operation_id:
            route.operation_id = route.name
    flat = create_api().openapi()
    expected = nested.openapi()
    assert list(flat["paths"]) == list(expected["paths"])
    assert _untitled(flat["paths"]) == _untitled(expected["paths"]) and flat["components"] == expected["components"]


def _untitled(value):
    """Without the inline schemas' titles: FastAPI derives them from each route's unique id when the
    route is created (before ``create_api`` names the operations), so only they differ."""
    if isinstance(value, dict):
        return {
            k: _untitled(v)
            for k, v in value.items()
            if not (k == "title" and isinstance(v, str) and v.startswith("Response "))
        }
    if isinstance(value, list):
        return [_untitled(v) for v in value]
    return value
