"""Links between the sign-in pages: the next page's form is usable at once and keeps its answer.

A link inside the app is a client-side route change: Reflex sends ``on_load_internal`` and, until its
answer is back, marks the tab "not hydrated". Forms gated on that flag were disabled for that round
trip (a click in it was lost), and an on_load that cleared the page's messages ran after a quick
submit and wiped its answer (CI: "we sent it a link" never showed). Here the server's replies are
held while the person acts, so the round trip is as slow as a busy machine makes it."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import WebSocketRoute, expect

from tests.e2e.helpers import unique_email

pytestmark = pytest.mark.e2e


class HeldReplies:
    """Relays this page's websocket, holding the server's messages while ``on``."""

    def __init__(self) -> None:
        self.on = False
        self.held: list[tuple[WebSocketRoute, str | bytes]] = []

    def route(self, ws: WebSocketRoute) -> None:
        server = ws.connect_to_server()

        def from_server(message: str | bytes) -> None:
            if self.on:
                self.held.append((ws, message))
            else:
                ws.send(message)

        server.on_message(from_server)

    def release(self) -> None:
        self.on = False
        for ws, message in self.held:
            ws.send(message)
        self.held.clear()


def test_forgot_password_after_a_link_from_sign_in_while_the_server_is_slow(stack, new_page) -> None:
    page = new_page("")
    replies = HeldReplies()
    page.route_web_socket(re.compile(r"/_event"), replies.route)
    page.goto("/login")
    expect(page.locator("#sign-in")).to_be_enabled(timeout=20_000)

    replies.on = True  # from here the server's answers wait
    page.click("#to-forgot-password")
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    expect(page.locator("#send-reset")).to_be_enabled(timeout=2_000)  # not waiting for the route's round trip
    page.fill("#email", unique_email("held"))
    page.click("#send-reset")
    page.wait_for_timeout(500)  # the route change's answer and the submit are both queued now
    replies.release()

    expect(page.locator("#auth-notice")).to_contain_text("we sent it a link", timeout=20_000)
    page.click("#to-sign-in")  # leaving clears the answer: it is not the sign-in page's
    expect(page.locator("#sign-in")).to_be_enabled(timeout=20_000)
    page.click("#to-forgot-password")
    expect(page.locator("#send-reset")).to_be_enabled(timeout=20_000)
    expect(page.locator("#auth-notice")).to_have_count(0)
