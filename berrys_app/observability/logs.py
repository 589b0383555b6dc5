"""Structured logs: every process's stdlib logging rendered by structlog, with the ids of the
work in progress on every line.

The code keeps logging through ``logging.getLogger(__name__)`` (so do arq, litellm, granian);
the root handler's ``ProcessorFormatter`` turns each record into one JSON object when stderr is
not a terminal (containers, files: what a log pipeline parses) and a readable coloured line on a
terminal. ``request_id``, ``project_id``, ``task_id`` and ``trace_id`` are on every line (null when
no such work is in progress): the first three come from contextvars bound by the request
middleware and the worker's jobs (``bind``/``bound``), so every task, thread hop and child task
started from there carries them; the trace id is the current OpenTelemetry span's
(``tracing.current_trace_id``).
"""

from __future__ import annotations

import logging
import sys
from collections.abc import Awaitable, Iterator, MutableMapping
from contextlib import contextmanager
from typing import Any, TextIO, TypeVar

import structlog
from structlog.contextvars import bind_contextvars, bound_contextvars, merge_contextvars

from berrys_app.tracing import current_trace_id

T = TypeVar("T")
IDS = ("request_id", "project_id", "task_id", "trace_id")


def _ids(_logger: Any, _method: str, event: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    """Every line carries the four ids, null when unknown (so a log query never misses a key)."""
    event["trace_id"] = event.get("trace_id") or current_trace_id()
    for key in IDS:
        value = event.get(key)
        event[key] = None if value is None else str(value)
    return event


_SHARED: list[Any] = [
    merge_contextvars,
    structlog.stdlib.add_log_level,
    structlog.stdlib.add_logger_name,
    structlog.processors.TimeStamper(fmt="iso", utc=True),
    _ids,
]


def configure(level: str | int = "WARNING", *, fmt: str = "auto", stream: TextIO | None = None) -> None:
    """Route the root logger (and structlog's own loggers) through one renderer on ``stream``
    (stderr). ``fmt``: ``json``, ``console`` or ``auto`` (console only on a terminal)."""
    stream = stream or sys.stderr
    as_json = fmt == "json" or (fmt == "auto" and not stream.isatty())
    renderer: Any = (
        structlog.processors.JSONRenderer() if as_json else structlog.dev.ConsoleRenderer(colors=stream.isatty())
    )
    final = [structlog.processors.format_exc_info] if as_json else []  # a string: no locals (secrets)
    formatter = structlog.stdlib.ProcessorFormatter(
        foreign_pre_chain=[*_SHARED, structlog.stdlib.ExtraAdder()],
        processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *final, renderer],
    )
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    root = logging.getLogger()
    for old in list(root.handlers):
        root.removeHandler(old)
    root.addHandler(handler)
    root.setLevel(level)
    structlog.configure(
        processors=[
            structlog.stdlib.filter_by_level,
            *_SHARED,
            structlog.stdlib.PositionalArgumentsFormatter(),
            structlog.stdlib.ProcessorFormatter.wrap_for_formatter,
        ],
        logger_factory=structlog.stdlib.LoggerFactory(),
        wrapper_class=structlog.stdlib.BoundLogger,
        cache_logger_on_first_use=True,
    )


def bind(**ids: Any) -> None:
    """Bind ids for the rest of the current task or thread (and what it starts)."""
    bind_contextvars(**ids)


@contextmanager
def bound(**ids: Any) -> Iterator[None]:
    """Bind ids for a block (a request), restoring the previous ones after it."""
    with bound_contextvars(**ids):
        yield


async def with_ids(work: Awaitable[T], task: Any) -> T:
    """Await ``work`` with ``task``'s project and task ids bound (a coroutine about to become its
    own asyncio task: it would otherwise carry the ids of the run that started it)."""
    bind_contextvars(project_id=task.project_id, task_id=task.task_id)
    return await work
