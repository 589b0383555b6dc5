"""A worker's event loop sends what one loop turn hands over in one go: events as one message."""

from __future__ import annotations

import asyncio
import json

import redis

from berrys_app.keys import events_channel
from berrys_app.services import events, hot_publish


def test_events_handed_over_in_one_loop_turn_leave_as_one_message(redis_url: str) -> None:
    pubsub = redis.Redis.from_url(redis_url, decode_responses=True).pubsub()
    pubsub.subscribe(events_channel())
    assert pubsub.get_message(timeout=1)["type"] == "subscribe"
    sent = [json.dumps({"id": i, "kind": f"test.e{i}", "project_id": None, "payload": {}}) for i in range(3)]

    async def worker_turn() -> None:
        hot_publish.enable()
        hot_publish.send(sent[:2])  # e.g. a lease statement's events ...
        hot_publish.send(sent[2:])  # ... and a completion's, in the same turn
        await hot_publish.flushed()

    asyncio.run(worker_turn())
    message = pubsub.get_message(timeout=2)
    assert [m["kind"] for m in events.unpack(message["data"])] == ["test.e0", "test.e1", "test.e2"]
    assert pubsub.get_message(timeout=0.3) is None
