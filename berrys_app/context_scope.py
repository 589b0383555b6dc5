"""A context variable set for the length of a block (and the asyncio tasks started in it).

A worker's job makes its runtime's async pool, Redis client and publisher the current ones this
way (``engine/runtime.Runtime.active``); each module keeps its own variable and a ``using`` over this.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from contextvars import ContextVar
from typing import TypeVar

T = TypeVar("T")


@contextlib.contextmanager
def set_for_block(var: ContextVar[T | None], value: T) -> Iterator[T]:
    """``var`` holds ``value`` inside the block; its previous value is back after it."""
    token = var.set(value)
    try:
        yield value
    finally:
        var.reset(token)
