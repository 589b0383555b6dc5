"""A worker's publisher sends what one loop turn hands over in one go: events as one message."""

from __future__ import annotations

import asyncio
import json
import time
import uuid

import pytest
import redis

from berrys_app.domain.event_kinds import EventKind
from berrys_app.engine.jobs import task_job
from berrys_app.engine.runtime import running
from berrys_app.keys import events_channel
from berrys_app.services import events, hot_publish
from tests.probes import queued_job_ids, set_setting

TOKEN = {
    "task_id": None,
    "agent_id": None,
    "call_key": None,
    "model": "scripted/x",
    "seq": 0,
    "delta": "text",
    "done": False,
}  # a model.token message's payload


def test_events_handed_over_in_one_loop_turn_leave_as_one_message(redis_url: str) -> None:
    pubsub = redis.Redis.from_url(redis_url, decode_responses=True).pubsub()
    pubsub.subscribe(events_channel())
    assert pubsub.get_message(timeout=1)["type"] == "subscribe"
    sent = [json.dumps({"id": i, "kind": f"test.e{i}", "project_id": None, "payload": {}}) for i in range(3)]

    async def worker_turn() -> None:
        async with running() as rt:  # a job of a worker: its runtime's publisher is the current one
            hot_publish.send(sent[:2])  # e.g. a lease statement's events ...
            hot_publish.send(sent[2:])  # ... and a completion's, in the same turn
            await rt.publisher.flushed()

    asyncio.run(worker_turn())
    message = pubsub.get_message(timeout=2)
    assert [m["kind"] for m in events.unpack(message["data"])] == ["test.e0", "test.e1", "test.e2"]
    assert pubsub.get_message(timeout=0.3) is None


def _subscribed(redis_url: str):
    pubsub = redis.Redis.from_url(redis_url, decode_responses=True).pubsub()
    pubsub.subscribe(events_channel())
    assert pubsub.get_message(timeout=1)["type"] == "subscribe"
    return pubsub


def test_live_updates_alone_wait_for_company(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Events and token streams with no job wait up to LIVE_BATCH_S: a burst leaves as one message."""
    set_setting(monkeypatch, "BERRYS_LIVE_BATCH", "0.5")
    pubsub = _subscribed(redis_url)

    async def burst() -> float:
        async with running() as rt:
            start = time.monotonic()
            hot_publish.send([json.dumps({"id": 1, "kind": "worker.ping", "project_id": None, "payload": {}})])
            await asyncio.sleep(0.1)  # a later loop turn: before, this went as a message of its own
            hot_publish.publish_transient(EventKind.MODEL_TOKEN, TOKEN)
            await rt.publisher.flushed()
            return time.monotonic() - start

    waited = asyncio.run(burst())
    message = pubsub.get_message(timeout=2)
    assert [m["kind"] for m in events.unpack(message["data"])] == ["worker.ping", "model.token"]
    assert waited >= 0.5
    assert pubsub.get_message(timeout=0.3) is None


def test_a_job_takes_waiting_live_updates_along_at_once(redis_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Another worker may be idle: a job never waits for company, and what waited goes with it."""
    set_setting(monkeypatch, "BERRYS_LIVE_BATCH", "5.0")
    pubsub = _subscribed(redis_url)
    job = task_job(uuid.uuid4(), 0)

    async def turn() -> float:
        async with running() as rt:
            start = time.monotonic()
            hot_publish.publish_transient(EventKind.MODEL_TOKEN, TOKEN)
            await asyncio.sleep(0.1)
            hot_publish.send(None, [job])
            await rt.publisher.flushed()
            return time.monotonic() - start

    took = asyncio.run(turn())
    assert took < 2.0  # not the 5 s the live update alone would have waited
    assert queued_job_ids() == [job[2]]
    message = pubsub.get_message(timeout=2)
    assert [m["kind"] for m in events.unpack(message["data"])] == ["model.token"]
