"""One Redis subscription per web process for all its SSE streams, fanned out by project.

Each stream used to open its own Redis connection and subscription to the events channel and
decode every event of every project: with 60 streams open, each event was parsed 60 times and
Redis held 60 connections. Here one reader per event loop decodes each message once and hands
it only to the streams of its project. The reader runs while at least one stream listens, and
``LINGER_S`` after the last one left.

If the subscription breaks, the reader puts ``RESYNC`` in every queue once it is back: events
published meanwhile were missed, so the streams re-read their backlog from their cursor
(PostgreSQL is the source of truth).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import weakref
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import Any

import redis.asyncio as aioredis

from berrys_app.keys import events_channel
from berrys_app.services import events, live_access
from berrys_app.settings import get_settings

log = logging.getLogger(__name__)
RESYNC: dict[str, Any] = {"kind": "sse.resync"}  # not an event: "read the backlog again"
Queue = asyncio.Queue[dict[str, Any]]


class _Hub:
    def __init__(self, url: str, channel: str) -> None:
        self.url, self.channel = url, channel
        self.queues: dict[str, set[Queue]] = defaultdict(set)
        self.ready = asyncio.Event()
        self.task: asyncio.Task[None] | None = None

    def listeners(self) -> int:
        return sum(len(queues) for queues in self.queues.values())

    async def run(self) -> None:
        broken = False
        while True:
            try:
                client = aioredis.Redis.from_url(self.url, decode_responses=True)
                async with client, client.pubsub() as pubsub:
                    await pubsub.subscribe(self.channel)
                    self.ready.set()
                    if broken:
                        self._broadcast(RESYNC)
                    async for raw in pubsub.listen():
                        if raw.get("type") == "message":
                            self._dispatch(raw["data"])
            except asyncio.CancelledError:
                raise
            except Exception:
                log.warning("SSE hub lost Redis; reconnecting", exc_info=True)
                broken = True
                await asyncio.sleep(1)

    def _dispatch(self, data: str) -> None:
        for message in events.unpack(data):
            live_access.observe(message)
            for queue in self.queues.get(message.get("project_id") or "", ()):
                queue.put_nowait(message)

    def _broadcast(self, message: dict[str, Any]) -> None:
        for queues in self.queues.values():
            for queue in queues:
                queue.put_nowait(message)


_HUBS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, dict[tuple[str, str], _Hub]] = weakref.WeakKeyDictionary()


@contextlib.asynccontextmanager
async def listen(project_id: str) -> AsyncIterator[Queue]:
    """A queue of the project's live messages, subscribed before this returns (so a backlog read
    afterwards misses nothing); ``RESYNC`` in it means "re-read the backlog"."""
    key = (get_settings().require_redis_url(), events_channel())
    hubs = _HUBS.setdefault(asyncio.get_running_loop(), {})
    hub = hubs.get(key)
    if hub is None:
        hub = hubs[key] = _Hub(*key)
    queue: Queue = asyncio.Queue()
    hub.queues[project_id].add(queue)
    if hub.task is None or hub.task.done():
        hub.ready.clear()
        hub.task = asyncio.create_task(hub.run(), name="sse-hub")
    try:
        await asyncio.wait_for(hub.ready.wait(), timeout=10)  # Redis down: the stream fails, not hangs
        yield queue
    finally:
        hub.queues[project_id].discard(queue)
        if not hub.queues[project_id]:
            del hub.queues[project_id]
        if hub.listeners() == 0:
            asyncio.get_running_loop().call_later(LINGER_S, _stop_if_idle, hubs, key, hub)


# The subscription outlives its last stream this long: one client watching its projects one after
# the other reuses it (a new Redis connection and subscription per stream cost ~4 ms of CPU, most of
# it the client library reading its own package metadata for each connection).
LINGER_S = 10.0


def _stop_if_idle(hubs: dict[tuple[str, str], _Hub], key: tuple[str, str], hub: _Hub) -> None:
    if hub.listeners() == 0 and hub.task is not None:
        hub.task.cancel()
        hub.task = None
        if hubs.get(key) is hub:
            del hubs[key]
