"""On a phone-sized screen the sidebar is hidden and a menu offers the same pages."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.helpers import register, unique_email

pytestmark = pytest.mark.e2e


def test_the_mobile_menu_reaches_the_pages_the_sidebar_offers(stack, new_page) -> None:
    page = new_page("")
    register(page, name="Pia Phone", email=unique_email("pia"))
    page.set_viewport_size({"width": 390, "height": 800})
    expect(page.locator("a.nav-link").first).to_be_hidden()
    page.click("#mobile-nav")
    expect(page.locator(".mobile-nav-item", has_text="Team")).to_be_visible()
    page.locator(".mobile-nav-item", has_text="Team").click()
    expect(page).to_have_url(re.compile(r"/team/?$"))
    expect(page.locator("#members .members-row")).to_have_count(1)
