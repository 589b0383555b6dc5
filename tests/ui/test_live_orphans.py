"""Closed tabs stop receiving live messages and are forgotten after a grace period."""

from __future__ import annotations

import uuid

import reflex as rx

from berrys_app.ui import live
from tests.live_probes import subscriber_count


class _Tab(rx.State):
    pass


USER = str(uuid.uuid4())  # any signed-in user may follow the system topic


def test_a_tab_without_a_websocket_is_skipped_then_dropped_after_the_grace_period(env: dict[str, str]) -> None:
    """``env``: a database of its own (the access check reads it), not whatever DATABASE_URL names."""
    live.subscribe("system", "tok-closed", _Tab, USER)
    live.subscribe("system", "tok-open", _Tab, USER)
    connected = {"tok-open": "sid-1"}

    assert live.still_open("tok-open", connected, now=0.0)
    assert not live.still_open("tok-closed", connected, now=100.0)  # skipped, still subscribed (may reconnect)
    assert subscriber_count("system") == 2
    assert not live.still_open("tok-closed", connected, now=100.0 + live.ORPHAN_GRACE_S)
    assert subscriber_count("system") == 1  # dropped

    # a tab that reconnects within the grace period keeps its subscription
    live.subscribe("system", "tok-flaky", _Tab, USER)
    assert not live.still_open("tok-flaky", connected, now=200.0)
    connected["tok-flaky"] = "sid-2"
    assert live.still_open("tok-flaky", connected, now=200.0 + live.ORPHAN_GRACE_S)
    assert subscriber_count("system") == 2
    live.drop_token("tok-open")
    live.drop_token("tok-flaky")
