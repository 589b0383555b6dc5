"""What tests (and bench scripts) read or reset in the app's process state.

These lived in the app although only tests called them; the app does not need them.
They reach into module state on purpose (tests observe what a user cannot).
"""

from __future__ import annotations

from berrys_app import db, queue
from berrys_app.settings import get_settings
from berrys_app.ui import live


def dispose_all() -> None:
    """Close every pool of ``db`` (tests drop their databases afterwards)."""
    for engine in db._ENGINES.values():
        engine.dispose()
    db._ENGINES.clear()


def queued_job_ids() -> list[str]:
    """Job ids waiting in the queue."""
    return list(queue.sync_redis().zrange(get_settings().queue_name, 0, -1))


def subscriber_count(topic: str) -> int:
    """How many dashboard tabs of this process are subscribed to ``topic``."""
    return len(live._SUBSCRIBERS.get(topic, {}))
