"""Triggers and webhooks out: two crons on every worker. Each tick claims its rows in
PostgreSQL (a schedule slot, a due delivery), so any number of workers share the work without
firing a slot or sending an attempt twice."""

from __future__ import annotations

import asyncio
from typing import Any

from arq import cron

from berrys_app.services import webhook_delivery
from berrys_app.settings import get_settings
from berrys_app.usecases import trigger_runs


async def fire_triggers(ctx: dict[str, Any]) -> str:
    """Start a project for every due schedule slot."""
    return f"fired={await asyncio.to_thread(trigger_runs.fire_due)}"


async def deliver_webhooks(ctx: dict[str, Any]) -> str:
    """Send the due webhook deliveries (signed, through the SSRF guard)."""
    return f"attempts={await webhook_delivery.deliver_due()}"


def _every(seconds: int) -> set[int]:
    return set(range(0, 60, max(1, seconds)))


CRON_JOBS: list[Any] = [
    cron(
        fire_triggers, second=_every(get_settings().trigger_interval_s), microsecond=0, run_at_startup=True, timeout=60
    ),
    cron(
        deliver_webhooks,
        second=_every(get_settings().webhook_interval_s),
        microsecond=0,
        run_at_startup=True,
        timeout=get_settings().webhook_timeout_s * 2 + 30,
    ),
]
