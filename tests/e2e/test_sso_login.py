"""Signing in from the browser: SSO against a small OIDC provider (a failed login says why on
/login, a good one lands signed in) and email + password (verified off the event loop)."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.e2e


def test_a_failed_sso_login_is_explained_and_a_good_one_signs_in(stack, new_page, oidc_provider) -> None:
    sub = uuid.uuid4().hex[:8]
    oidc_provider.user = {"sub": sub, "email": f"sso-{sub}@idp.example", "email_verified": True, "name": "Sam Sso"}

    oidc_provider.wrong_nonce = True  # the ID token does not match this login: refused
    page = new_page("/login")
    page.click("#sign-in-oidc")
    expect(page).to_have_url(re.compile(r"/login"), timeout=20_000)
    expect(page.locator("#auth-error")).to_contain_text("Single sign-on failed: invalid ID token")

    oidc_provider.wrong_nonce = False
    page.click("#sign-in-oidc")
    expect(page).to_have_url(re.compile(r"/projects/?$"), timeout=20_000)
    expect(page.locator("#user-name")).to_have_text("Sam Sso")
    expect(page.locator("#auth-error")).to_have_count(0)


def test_password_sign_in_after_sign_out_and_a_wrong_password_is_explained(stack, new_page) -> None:
    from tests.e2e.helpers import register, sign_in, unique_email

    email = unique_email("pat")
    page = new_page("")
    register(page, name="Pat Password", email=email)
    page.click("#user-name")
    page.click("#sign-out")
    expect(page).to_have_url(re.compile(r"/login"))
    page.fill("#email", email)
    page.fill("#password", "not-the-password")
    page.click("#sign-in")
    expect(page.locator("#auth-error")).to_contain_text("wrong email or password")
    sign_in(page, email=email, next_path="/team")
    expect(page.locator("#user-name")).to_have_text("Pat Password")
