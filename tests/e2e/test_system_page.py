"""The live path end to end: a worker's heartbeat reaches an open System page without reload."""

from __future__ import annotations

import re
import time
import uuid

import pytest
from playwright.sync_api import Page, expect

from tests.e2e.helpers import register, unique_email

pytestmark = pytest.mark.e2e


def _system_page(new_page) -> Page:
    """The System page, as a signed-in person (it names worker processes)."""
    page = new_page("")
    register(page, name="Sys Admin", email=unique_email("sys"))
    page.goto("/system")
    return page


def test_system_page_is_for_signed_in_people(stack, new_page) -> None:
    page = new_page("/system")  # the stack's workers have heartbeats: rows the page would list
    expect(page).to_have_url(re.compile(r"/login"), timeout=20_000)
    expect(page.locator("tr.worker-row")).to_have_count(0)


def test_system_page_shows_worker_heartbeat_live_and_staleness(stack, new_page) -> None:
    page = _system_page(new_page)
    expect(page.locator("#workers-table")).to_be_visible()
    worker_id = f"e2e-{uuid.uuid4().hex[:6]}"
    row = page.locator(f'tr.worker-row[data-worker="{worker_id}"]')
    expect(row).to_have_count(0)

    # the page is already open: the row can only arrive through the live push
    stack.start_worker(worker_id)
    expect(row).to_have_attribute("data-status", "live", timeout=30_000)
    first_seen = row.locator("td").nth(3).inner_text()
    expect(row.locator("td").nth(3)).not_to_have_text(first_seen, timeout=5_000)

    stack.kill_worker(worker_id)
    killed_at = time.monotonic()
    expect(row).to_have_attribute("data-status", "stale", timeout=5_000)
    assert time.monotonic() - killed_at <= 5.0

    stack.start_worker(worker_id)
    expect(row).to_have_attribute("data-status", "live", timeout=30_000)


def test_system_page_reports_database_and_redis_up(stack, new_page) -> None:
    page = _system_page(new_page)
    expect(page.get_by_test_id("health-postgresql")).to_have_text("up")
    expect(page.get_by_test_id("health-redis")).to_have_text("up")
    # how python snippets are isolated on this host (the web process probes the same sandbox)
    expect(page.get_by_test_id("sandbox-isolation")).to_have_text("bubblewrap")
    expect(page.get_by_test_id("sandbox-limits")).to_have_text(re.compile(r"^(cgroup v2|rlimits)$"))
    expect(page.get_by_test_id("sandbox-seccomp")).to_have_text("on")


def test_system_page_rechecks_database_and_redis_while_open(stack, new_page) -> None:
    page = _system_page(new_page)
    badges = page.locator("#health-badges")
    expect(badges).to_have_attribute("data-checked-at", re.compile(r"\d{4}-"))
    first = badges.get_attribute("data-checked-at")
    # no reload: only the page's own health watcher can change it (an outage sends no message)
    expect(badges).not_to_have_attribute("data-checked-at", first or "", timeout=15_000)
    expect(page.get_by_test_id("health-postgresql")).to_have_text("up")
    expect(page.get_by_test_id("health-redis")).to_have_text("up")
