"""Group commit: concurrent requests of one kind in one worker share one statement.

A worker runs many tasks at once. Each lease or completion used to be a statement (and a commit)
of its own; here the first request of a burst starts a writer that runs the batch function on
everything queued so far, and whatever queues while that statement is in flight goes into the
next one. One task alone still costs one round trip (no waiting for company, unless its caller
says the item can wait); twenty tasks finishing together cost one or two.

A batch that fails is retried item by item, so one bad item (or a deadlock victim) fails alone
and the others still get their results.

A worker's group commits live in its runtime (``GroupCommits``, one per kind, ``engine.runtime``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import Generic, TypeVar

log = logging.getLogger(__name__)

Item = TypeVar("Item")
Result = TypeVar("Result")
BatchFn = Callable[[Sequence[Item]], Awaitable[Sequence[Result]]]


class GroupCommit(Generic[Item, Result]):
    """Merges ``submit`` calls made while a statement is in flight into the next statement.

    ``run_batch(items)`` returns one result per item, in order. ``max_batch`` bounds a statement.
    """

    def __init__(self, run_batch: BatchFn, *, max_batch: int = 100, name: str = "batch") -> None:
        self._run_batch = run_batch
        self._max_batch = max_batch
        self._name = name
        self._queued: list[tuple[Item, asyncio.Future[Result]]] = []
        self._writer: asyncio.Task[None] | None = None
        self._timer: asyncio.TimerHandle | None = None  # the start of a statement that waits for company
        self.statements = 0  # batches run (tests and the bench read it)
        self.items = 0

    async def submit(self, item: Item, *, wait_s: float = 0.0) -> Result:
        """Queue ``item`` for the next statement and wait for its result.

        ``wait_s``: the item is not urgent; the statement may wait up to that long for company
        (it goes sooner with any urgent item, in queue order).

        A caller cancelled while waiting does not cancel the statement (its item may already be
        in flight): the statement's outcome stays the record either way.
        """
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Result] = loop.create_future()
        self._queued.append((item, future))
        if wait_s <= 0:
            self._start()
        elif self._timer is None or self._timer.when() > loop.time() + wait_s:
            if self._timer is not None:
                self._timer.cancel()
            self._timer = loop.call_later(wait_s, self._start)
        return await asyncio.shield(future)

    def _start(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._queued and (self._writer is None or self._writer.done()):
            self._writer = asyncio.get_running_loop().create_task(self._write(), name=f"group-commit-{self._name}")

    async def _write(self) -> None:
        while self._queued:
            batch, self._queued = self._queued[: self._max_batch], self._queued[self._max_batch :]
            await self._run(batch)

    async def _run(self, batch: list[tuple[Item, asyncio.Future[Result]]]) -> None:
        items = [item for item, _ in batch]
        self.statements += 1
        self.items += len(items)
        try:
            results = await self._run_batch(items)
        except Exception as exc:
            if len(batch) == 1:
                _settle(batch[0][1], exc=exc)
                return
            log.warning("%s of %d failed (%s); retrying one by one", self._name, len(batch), exc)
            for pair in batch:
                await self._run([pair])
            return
        except BaseException as exc:  # cancelled (shutdown): nobody must wait forever
            for _, future in batch:
                _settle(future, exc=asyncio.CancelledError())
            raise exc from None
        for (_, future), result in zip(batch, results, strict=True):
            _settle(future, result=result)


def _settle(future: asyncio.Future, *, result: object = None, exc: BaseException | None = None) -> None:
    if future.done():
        return
    if exc is not None:
        future.set_exception(exc)
    else:
        future.set_result(result)


class GroupCommits:
    """A worker's group commits, one per kind (statement and worker), made on first use."""

    def __init__(self) -> None:
        self._by_kind: dict[Hashable, GroupCommit] = {}

    def get(self, kind: Hashable, factory: Callable[[], GroupCommit]) -> GroupCommit:
        """The ``kind`` group commit (made by ``factory`` on first use)."""
        found = self._by_kind.get(kind)
        if found is None:
            found = self._by_kind[kind] = factory()
        return found

    def existing(self, kind: Hashable) -> GroupCommit | None:
        """The ``kind`` group commit, if it was used (tests, statistics)."""
        return self._by_kind.get(kind)
