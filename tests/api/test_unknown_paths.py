"""Unknown API paths answer problem JSON even with the dashboard mounted behind the API.

Reflex mounts its backend (which serves the dashboard's HTML for any path) at ``""`` on the
FastAPI app given as ``api_transformer``; ``dashboard_app`` does exactly that with a stand-in
dashboard, so the routing is the production one.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.responses import HTMLResponse
from starlette.types import Receive, Scope, Send

from tests.api.conftest import Person

DASHBOARD = "<!doctype html><title>Berrys</title>"


async def _dashboard(scope: Scope, receive: Receive, send: Send) -> None:
    await HTMLResponse(DASHBOARD)(scope, receive, send)


@pytest.fixture
async def dclient(env: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    from berrys_app.api.app import create_api

    api = create_api()
    api.mount("", _dashboard)  # what rx.App(api_transformer=api) does
    transport = httpx.ASGITransport(app=api, client=("10.4.4.4", 1234))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


def _assert_problem(r: httpx.Response, status: int, code: str) -> dict:
    assert r.status_code == status, (r.request.method, r.request.url, r.status_code, r.text[:200])
    assert r.headers["content-type"].startswith("application/problem+json")  # RFC 9457
    body = r.json()
    assert body["code"] == code and body["message"]
    assert body["type"] == f"urn:berrys:problem:{code}" and body["status"] == status
    assert body["title"] and body["detail"] == body["message"]
    assert body["request_id"] and r.headers["X-Request-ID"] == body["request_id"]
    return body


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"])
@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/v2/projects", "/api", "/api/", "/health/nope"])
async def test_unknown_api_paths_are_a_json_404_for_any_method(dclient, method: str, path: str) -> None:
    r = await dclient.request(method, path)
    if method == "HEAD":  # no body by definition; status and headers still say it
        assert r.status_code == 404 and r.headers["X-Request-ID"] and DASHBOARD not in r.text
        return
    body = _assert_problem(r, 404, "not_found")
    assert path in body["message"]


async def test_known_path_with_a_wrong_method_is_still_405_with_allow(dclient) -> None:
    r = await dclient.put("/api/v1/projects")
    _assert_problem(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "GET, POST"
    r = await dclient.delete("/api/v1/me")
    _assert_problem(r, 405, "method_not_allowed")
    assert r.headers["Allow"] == "GET"


async def test_known_api_routes_and_dashboard_pages_still_work(dclient, session) -> None:
    from tests.api.conftest import make_person

    person: Person = make_person(session)
    r = await dclient.get("/api/v1/me", headers=person.headers)
    assert r.status_code == 200 and r.json()["email"] == person.email
    assert (await dclient.get("/health/live")).status_code == 200
    assert (await dclient.get("/api/openapi.json")).json()["info"]["title"] == "Berrys API"
    for page in ("/", "/projects", "/projects/123", "/approvals", "/apiary", "/healthy"):
        r = await dclient.get(page)
        assert r.status_code == 200 and r.text == DASHBOARD, page
    r = await dclient.get("/api/v1/me")
    _assert_problem(r, 401, "unauthorized")
