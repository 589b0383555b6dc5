"""The e2e harness: the real platform (``python -m berrys_app up``) driven by Debian chromium.

One server per test session (see ``stack.py``); the test process shares its
database and Redis so tests can call services directly and watch the browser react.
Its fixtures are registered once, in ``tests/conftest.py``, so browser tests outside this
folder (``tests/security``) share the one browser and server with these.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.stack import CHROMIUM, Stack, launch_chromium, running_stack
from tests.providers.fault_proxy import FaultProxy


@pytest.fixture(scope="session")
def oidc_provider() -> Iterator[object]:
    """A small OpenID Connect provider the platform is configured with (SSO login in the browser)."""
    from tests.api.oidc_provider import Provider
    from tests.api.servers import asgi_thread

    idp = Provider(client_id="berrys-web", client_secret="idp-secret")
    with asgi_thread(idp.app) as url:
        idp.issuer = url
        yield idp


@pytest.fixture(scope="session")
def smtp_inbox() -> Iterator[object]:
    """A real SMTP server the platform sends its mail to (verification, reset, invitations)."""
    from tests.mailbox import E2E_INBOX, start_server

    controller, port = start_server(E2E_INBOX)
    os.environ["SMTP_URL"] = f"smtp://127.0.0.1:{port}"
    try:
        yield E2E_INBOX
    finally:
        controller.stop()
        os.environ.pop("SMTP_URL", None)


@pytest.fixture(scope="session")
def stack(
    infra: dict[str, str],
    tmp_path_factory: pytest.TempPathFactory,
    oidc_provider,
    smtp_inbox,
    _session_proxy: FaultProxy,
) -> Iterator[Stack]:
    """The platform, once per session, on the test PostgreSQL/Redis; its web and worker processes
    may call the tests' OpenAI-compatible server through the fault proxy (and nothing else)."""
    os.environ.update(OIDC_ISSUER=oidc_provider.issuer, OIDC_CLIENT_ID="berrys-web", OIDC_CLIENT_SECRET="idp-secret")
    proxy_host = _session_proxy.base_url.split("/")[2]
    internal = [h for h in os.environ.get("BERRYS_HTTP_INTERNAL_HOSTS", "").split(",") if h]
    os.environ.update(
        BERRYS_TEST_API_BASES=_session_proxy.base_url, BERRYS_HTTP_INTERNAL_HOSTS=",".join([*internal, proxy_host])
    )
    with running_stack(
        admin_url=infra["database_url"],
        redis_url=infra["redis_url"],
        data_dir=tmp_path_factory.mktemp("e2e-data"),
        workers=int(os.environ.get("BERRYS_E2E_WORKERS", "2")),
    ) as running:
        yield running


def _append(path: Path, line: str) -> None:
    with open(path, "a") as handle:
        handle.write(line + "\n")


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    """Debian chromium through Playwright (never ``playwright install``)."""
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: apt-get install -y chromium")
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            yield browser
        finally:
            browser.close()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember each phase's outcome so fixtures can react to a failed test."""
    report = yield
    setattr(item, f"rep_{report.when}", report)
    return report


@pytest.fixture
def new_page(browser, stack: Stack, request: pytest.FixtureRequest):
    """Open pages in fresh browser contexts (separate storage = separate users)."""
    contexts = []

    def open_page(path: str = "/"):
        context = browser.new_context(base_url=stack.base_url, viewport={"width": 1400, "height": 900})
        context.set_default_timeout(15_000)
        contexts.append(context)
        page = context.new_page()
        console_log = Path(tempfile.gettempdir()) / "berrys-e2e-console.log"
        page.on("console", lambda msg: _append(console_log, f"[{msg.type}] {msg.text}"))
        page.on("pageerror", lambda err: _append(console_log, f"[pageerror] {err}"))
        if os.environ.get("BERRYS_E2E_WS_LOG") == "1":  # debugging: every websocket frame, shortened
            page.on(
                "websocket",
                lambda ws: (
                    ws.on("framesent", lambda f: _append(console_log, f"[ws>] {str(f)[:400]}")),
                    ws.on("framereceived", lambda f: _append(console_log, f"[ws<] {str(f)[:400]}")),
                ),
            )
        if path:
            page.goto(stack.url(path))
        return page

    yield open_page
    failed = getattr(request.node, "rep_call", None) is not None and request.node.rep_call.failed
    for number, context in enumerate(contexts):
        if failed:  # what the browser showed, for debugging
            for index, opened in enumerate(context.pages):
                with contextlib.suppress(Exception):
                    opened.screenshot(path=str(Path(tempfile.gettempdir()) / f"berrys-e2e-fail-{number}-{index}.png"))
        context.close()
