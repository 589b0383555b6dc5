"""What tests read of the dashboard's live state in this process (imports Reflex)."""

from __future__ import annotations

from berrys_app.ui import live


def subscriber_count(topic: str) -> int:
    """How many dashboard tabs of this process are subscribed to ``topic``."""
    return len(live._SUBSCRIBERS.get(topic, {}))
