"""What tests (and bench scripts) read or reset in the app's process state.

These lived in the app although only tests called them; the app does not need them.
They reach into module state on purpose (tests observe what a user cannot). The dashboard's
live subscriptions are in ``tests/live_probes.py`` (it imports Reflex, this module does not).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from berrys_app import db, queue
from berrys_app.settings import get_settings

if TYPE_CHECKING:
    import pytest


def dispose_all() -> None:
    """Close every pool of ``db`` (tests drop their databases afterwards)."""
    db.dispose()


def queued_job_ids() -> list[str]:
    """Job ids waiting in the queue."""
    return list(queue.sync_redis().zrange(get_settings().queue_name, 0, -1))


def set_setting(monkeypatch: pytest.MonkeyPatch, name: str, value: str) -> None:
    """Set one setting's environment variable for this test (settings are cached per process;
    the ``db_url`` fixture clears the cache again for the next test)."""
    monkeypatch.setenv(name, value)
    get_settings.cache_clear()
