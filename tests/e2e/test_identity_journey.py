"""Verified identities in the browser: register -> "check your email" -> the link from the real
SMTP server -> sign in (the link confirms only for its own account) -> confirmed; and "Forgot password?" -> the mailed link -> a new password that signs
in (the old one does not)."""

from __future__ import annotations

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import PASSWORD, register, sign_in_here, unique_email
from tests.mailbox import E2E_INBOX, Inbox, wait_for_link

pytestmark = pytest.mark.e2e
NEW_PASSWORD = "a-new-password-for-e2e"


def _mail_from_workers(inbox: Inbox, address: str, path: str) -> str:
    """The link as the platform's workers delivered it (this process does not deliver)."""
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            return inbox.link(address, path)
        except AssertionError:
            time.sleep(0.2)
    return inbox.link(address, path)


def test_register_confirm_by_mail_then_sign_in(stack, new_page) -> None:
    email = unique_email("verify")
    page = new_page("/register")
    page.fill("#name", "Vera")
    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#register")
    expect(page.locator("#auth-notice")).to_contain_text("we sent a link", timeout=20_000)
    expect(page).to_have_url(re.compile(r"/register/?$"))  # not signed in: that would reveal new addresses

    link = _mail_from_workers(E2E_INBOX, email, "/verify-email")
    page.goto(link)  # it confirms only for its own account, signed in: the sign-in page first
    expect(page).to_have_url(re.compile(r"/login\?next="), timeout=20_000)
    sign_in_here(page, email=email)
    expect(page.locator("#auth-notice")).to_have_text(f"Your address {email} is confirmed.", timeout=20_000)
    expect(page).to_have_url(re.compile(r"/verify-email/?\?token="))
    page.goto(link)  # single use
    expect(page.locator("#auth-error")).to_have_text("this link was already used", timeout=20_000)

    page.goto("/profile")
    expect(page.locator("#email-verified")).to_be_visible(timeout=20_000)


def test_forgot_password_then_sign_in_with_the_new_one(stack, new_page) -> None:
    email = unique_email("reset")
    page = new_page("")
    register(page, name="Rita", email=email)
    page.evaluate("localStorage.clear()")  # another browser, without a session
    page.goto("/login")
    page.click("#to-forgot-password")
    # the sign-in page has an #email too: fill only once the link's page is shown (a fill on the
    # outgoing page was lost, and the form went out empty: the CI failure of 2026-12-07)
    expect(page.get_by_role("heading", name="Forgot your password?")).to_be_visible()
    page.fill("#email", email)
    page.click("#send-reset")
    expect(page.locator("#auth-notice")).to_contain_text("we sent it a link", timeout=20_000)

    page.goto(wait_for_link(E2E_INBOX, email, "/reset-password"))
    page.fill("#password", NEW_PASSWORD)
    page.fill("#confirm", NEW_PASSWORD)
    page.click("#set-password")
    expect(page).to_have_url(re.compile(r"/login/?$"), timeout=20_000)
    expect(page.locator("#auth-notice")).to_contain_text("every session signed out")

    page.fill("#email", email)
    page.fill("#password", PASSWORD)
    page.click("#sign-in")
    expect(page.locator("#auth-error")).to_have_text("wrong email or password", timeout=20_000)
    page.fill("#password", NEW_PASSWORD)
    page.click("#sign-in")
    expect(page).to_have_url(re.compile(r"/projects/?$"), timeout=20_000)
