"""``/api/docs`` (Swagger UI) and ``/api/redoc`` work in a real browser with no internet: every
asset comes from this origin, and the page's CSP (no 'unsafe-inline' script) lets them run."""

from __future__ import annotations

from urllib.parse import urlsplit

import httpx
import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def _offline_page(new_page, stack):
    """A page whose browser may reach only the stack: any other host is refused and recorded."""
    page = new_page("")
    own = urlsplit(stack.base_url).netloc
    elsewhere: list[str] = []
    violations: list[str] = []

    def route(request_route) -> None:
        url = request_route.request.url
        if urlsplit(url).scheme in ("http", "https") and urlsplit(url).netloc != own:
            elsewhere.append(url)
            request_route.abort()
        else:
            request_route.continue_()

    page.context.route("**/*", route)
    page.on("console", lambda msg: violations.append(msg.text) if "Content Security Policy" in msg.text else None)
    return page, elsewhere, violations


def test_swagger_ui_lists_the_api_operations_offline(stack, new_page) -> None:
    response = httpx.get(stack.url("/api/docs"), timeout=20)
    assert response.status_code == 200
    csp = response.headers["content-security-policy"]
    script_src = next(part for part in csp.split(";") if part.strip().startswith("script-src"))
    assert "'unsafe-inline'" not in script_src and "'sha256-" in script_src
    assert "cdn" not in response.text.lower()

    page, elsewhere, violations = _offline_page(new_page, stack)
    page.goto(stack.url("/api/docs"))
    expect(page.locator(".swagger-ui .info .title")).to_contain_text("Berrys API", timeout=30_000)
    operations = page.locator(".opblock-summary-path")
    expect(operations.first).to_be_visible()
    paths = set(operations.all_inner_texts())
    assert "/api/v1/projects" in {path.replace("\u200b", "") for path in paths}
    assert len(paths) >= 20  # the whole API, not an error page
    page.locator(".opblock-summary-path", has_text="/api/v1/projects").first.click()  # expands (JS runs)
    expect(page.locator(".opblock.is-open").first).to_be_visible()
    assert elsewhere == [] and violations == []


def test_redoc_renders_the_api_offline(stack, new_page) -> None:
    page, elsewhere, violations = _offline_page(new_page, stack)
    page.goto(stack.url("/api/redoc"))
    expect(page.locator("h1").first).to_contain_text("Berrys API", timeout=30_000)
    expect(page.locator("[data-section-id^='operation/']").first).to_be_attached()
    assert page.locator("[data-section-id^='operation/']").count() >= 20
    assert elsewhere == []
    # ReDoc's "API docs by Redocly" footer points an <img> at its CDN: the CSP blocks it (that is
    # the point); nothing else may be refused
    assert [text for text in violations if "cdn.redoc.ly/redoc/logo-mini.svg" not in text] == []
