"""On the real single-port server (Reflex mounts the dashboard behind the API at ""), unknown
API paths answer problem JSON, known paths with a wrong method 405, and pages still render."""

from __future__ import annotations

import httpx
import pytest

pytestmark = pytest.mark.e2e


def test_unknown_api_paths_are_json_404_and_pages_still_render(stack) -> None:
    with httpx.Client(base_url=stack.base_url, timeout=30) as http:
        for method in ("GET", "POST", "DELETE"):
            r = http.request(method, "/api/v1/no-such-thing", headers={"X-Request-ID": "e2e-404"})
            assert r.status_code == 404, (method, r.status_code, r.text[:200])
            assert r.headers["content-type"].startswith("application/problem+json")
            assert r.json()["status"] == 404 and r.json()["title"] == "Not Found"
            assert r.json()["code"] == "not_found" and r.json()["request_id"] == "e2e-404"
            assert r.headers["X-Request-ID"] == "e2e-404"
        r = http.delete("/api/v1/me")
        assert r.status_code == 405 and r.json()["code"] == "method_not_allowed" and r.headers["Allow"] == "GET"
        r = http.get("/api/v1/me")
        assert r.status_code == 401 and r.json()["code"] == "unauthorized"
        r = http.get("/projects", follow_redirects=True)  # the static export may add a trailing slash
        assert r.status_code == 200 and "text/html" in r.headers["content-type"]
