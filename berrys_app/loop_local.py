"""State that belongs to one event loop, in one place.

asyncio objects (connections, locks, futures, tasks) work only on the loop that made them. A worker
or web process runs one loop for its whole life, but tests and bench scripts run a loop per test,
so such state is kept per loop: keyed by the loop object itself (never ``id(loop)``, which a new
loop can reuse), created on first use, and dropped when a new loop arrives and finds its loop
closed. A process opens and closes the state it owns at startup and shutdown (``workers/runtime.py``,
the web app's lifespan); this only makes sure a loop never gets another loop's objects.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Generic, TypeVar

T = TypeVar("T")


class LoopLocal(Generic[T]):
    """One ``T`` per running event loop, made by ``factory`` on first use."""

    def __init__(self, factory: Callable[[], T]) -> None:
        self._factory = factory
        self._values: dict[asyncio.AbstractEventLoop, T] = {}

    def get(self) -> T:
        """The running loop's value (made now if it has none)."""
        loop = asyncio.get_running_loop()
        value = self._values.get(loop)
        if value is None:
            value = self.set(self._factory())
        return value

    def existing(self, loop: asyncio.AbstractEventLoop | None = None) -> T | None:
        """The value of ``loop`` (default: the running one), if it has one."""
        return self._values.get(loop or asyncio.get_running_loop())

    def set(self, value: T) -> T:
        """Make ``value`` the running loop's (and forget the values of closed loops)."""
        for closed in [other for other in self._values if other.is_closed()]:
            del self._values[closed]
        self._values[asyncio.get_running_loop()] = value
        return value

    def pop(self) -> T | None:
        """Remove and return the running loop's value (a process's shutdown)."""
        return self._values.pop(asyncio.get_running_loop(), None)
