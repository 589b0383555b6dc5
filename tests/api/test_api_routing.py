"""How ``create_api`` assembles the routes."""

from __future__ import annotations


def test_flat_route_list_documents_like_included_routers(env) -> None:
    """``create_api`` adds each router's routes, not the router (cheaper matching): the
    OpenAPI document must be what ``include_router`` would have produced."""
    import importlib
    import pkgutil

    from fastapi import FastAPI

    from berrys_app.api import routes
    from berrys_app.api.app import create_api

    nested = FastAPI(title="Berrys API", version="1.0.0")
    for info in sorted(pkgutil.iter_modules(routes.__path__), key=lambda m: m.name):
        router = getattr(importlib.import_module(f"{routes.__name__}.{info.name}"), "router", None)
        if router is not None:
            nested.include_router(router)
    flat = create_api().openapi()
    expected = nested.openapi()
    assert list(flat["paths"]) == list(expected["paths"])
    assert flat["paths"] == expected["paths"] and flat["components"] == expected["components"]
