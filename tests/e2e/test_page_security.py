"""Dashboard pages carry a Content-Security-Policy (and the other security headers) that the
real dashboard works under; cross-origin browsers get no CORS grant unless configured."""

from __future__ import annotations

import httpx
import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import register, unique_email

pytestmark = pytest.mark.e2e


def test_pages_send_a_csp_and_the_dashboard_works_under_it(stack, new_page) -> None:
    response = httpx.get(stack.url("/login"), timeout=20, follow_redirects=True)
    assert response.status_code == 200
    csp = response.headers.get("content-security-policy", "")
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp and "default-src 'self'" in csp
    assert response.headers.get("x-frame-options") == "DENY"
    assert response.headers.get("x-content-type-options") == "nosniff"

    violations: list[str] = []
    page = new_page("")
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    register(page, name="Cass Csp", email=unique_email("cass"))  # the websocket state round trip works
    page.click("#new-project")
    page.fill("#project-name", "Under a policy")
    page.fill("#project-objectives", "stay safe")
    page.click("#create-project")
    expect(page.locator("#project-status")).to_have_attribute("data-status", "created", timeout=20_000)
    page.goto("/models")
    expect(page.locator("#models .models-row").first).to_be_visible()
    expect(page.locator("#token-chart .main-svg").first).to_be_attached()  # plotly renders
    page.goto("/team")
    expect(page.locator("#members .members-row")).to_have_count(1)
    assert violations == []


def test_cors_grants_only_the_dashboards_own_origin_by_default(stack) -> None:
    url = stack.url("/health/live")
    preflight = {"Access-Control-Request-Method": "GET"}
    evil = httpx.options(url, headers={"Origin": "https://evil.example", **preflight}, timeout=20)
    assert evil.headers.get("access-control-allow-origin") is None
    simple = httpx.get(url, headers={"Origin": "https://evil.example"}, timeout=20)
    assert simple.headers.get("access-control-allow-origin") is None

    own = stack.base_url.rstrip("/")
    allowed = httpx.options(url, headers={"Origin": own, **preflight}, timeout=20)
    assert allowed.headers.get("access-control-allow-origin") == own
