"""Mail delivery: the outbox in PostgreSQL is drained by a cron on every worker (rows are
claimed with SKIP LOCKED, so workers share the work without sending a row twice)."""

from __future__ import annotations

import asyncio
from typing import Any

from arq import cron

from berrys_app.services import mail
from berrys_app.settings import get_settings


async def deliver_mail(ctx: dict[str, Any]) -> str:
    """Send (or, without SMTP_URL, log) the due outbox rows."""
    return f"mails={await asyncio.to_thread(mail.deliver_due)}"


CRON_JOBS: list[Any] = [
    cron(
        deliver_mail,
        second=set(range(0, 60, get_settings().mail_interval_s)),
        microsecond=0,
        run_at_startup=True,
        timeout=120,
    )
]
