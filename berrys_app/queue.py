"""The job queue: stock arq (pinned in requirements.txt), used through its public API only.

Jobs carry ids only; PostgreSQL decides what may run (leases) and the reconciler rebuilds the
queue from the rows, so the queue is a transport. Jobs are written with arq's own
``serialize_job`` (JSON) and key names, in plain Redis pipelines, because services enqueue after
their commit from sync code (``enqueue_many``) and the worker's loop sends its follow-up jobs with
its live events in one round trip (``services.hot_publish``): ``stage_jobs`` and ``queue_staged``
are the two steps both use. docs/architecture.md ("The queue") says why arq and not PostgreSQL.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import redis
from arq.constants import job_key_prefix
from arq.jobs import serialize_job

from berrys_app.redis_client import sync_redis
from berrys_app.settings import get_settings


class Job(NamedTuple):
    """A job to enqueue once the transaction that made it due has committed (ids only)."""

    function: str
    args: tuple[str, ...]
    job_id: str
    defer_s: float = 0.0


def dispatch(jobs: Iterable[Job]) -> None:
    """Enqueue after commit, one pipeline per distinct delay."""
    groups: dict[float, list[tuple[str, Sequence[Any], str | None]]] = defaultdict(list)
    for function, args, job_id, defer_s in jobs:
        groups[defer_s].append((function, args, job_id))
    for defer_s, batch in groups.items():
        enqueue_many(batch, defer_s=defer_s)


def serialize(data: dict[str, Any]) -> bytes:
    return json.dumps(data, default=str).encode()


def deserialize(raw: bytes) -> dict[str, Any]:
    return json.loads(raw)


def stage_jobs(pipe: Any, jobs: Iterable[Job], now_ms: int) -> list[tuple[str, int]]:
    """Add each job's payload to a (sync or async) pipeline, unless its id is already queued or
    running (``SET NX``, as arq's ``enqueue_job``); returns ``(job_id, score)`` for ``queue_staged``."""
    staged: list[tuple[str, int]] = []
    expires_ms = get_settings().job_expires_s * 1000
    for function, args, job_id, defer_s in jobs:
        job_id = job_id or uuid.uuid4().hex
        payload = serialize_job(function, tuple(args), {}, None, now_ms, serializer=serialize)
        pipe.set(job_key_prefix + job_id, payload, px=expires_ms, nx=True)
        staged.append((job_id, now_ms + int(defer_s * 1000)))
    return staged


def queue_staged(pipe: Any, staged: Sequence[tuple[str, int]], created: Sequence[Any]) -> None:
    """Queue the staged jobs whose payload was written (``created``: the ``SET NX`` replies)."""
    name = get_settings().queue_name
    for (job_id, score), was_set in zip(staged, created, strict=True):
        if was_set:
            pipe.zadd(name, {job_id: score})


def enqueue_many(
    jobs: Sequence[tuple[str, Sequence[Any], str | None]],
    *,
    defer_s: float = 0.0,
    client: redis.Redis | None = None,
) -> None:
    """Enqueue ``(function, args, job_id)`` tuples in two round trips, whatever their number.

    A job id that is already queued or running is not added twice (arq semantics via ``SET NX``),
    which makes dispatch idempotent.
    """
    if not jobs:
        return
    client = client or sync_redis()
    pipe = client.pipeline(transaction=False)
    staged = stage_jobs(pipe, (Job(f, tuple(a), i or "", defer_s) for f, a, i in jobs), int(time.time() * 1000))
    created = pipe.execute()
    pipe = client.pipeline(transaction=False)
    queue_staged(pipe, staged, created)
    pipe.execute()


def enqueue(function: str, *args: Any, job_id: str | None = None, defer_s: float = 0.0) -> None:
    """Enqueue one job (ids only in ``args``)."""
    enqueue_many([(function, args, job_id)], defer_s=defer_s)
