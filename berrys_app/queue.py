"""The job queue: arq 0.25 (pinned in requirements.txt), with a wake list in front of its poll.

Jobs carry ids only; PostgreSQL decides what may run (leases) and the reconciler rebuilds the
queue from the rows, so the queue is a transport. Jobs are written with arq's own
``serialize_job`` (JSON) and key names, in plain Redis pipelines, because services enqueue after
their commit from sync code (``enqueue_many``) and the worker's loop sends its follow-up jobs with
its live events in one round trip (``services.hot_publish``): ``stage_jobs`` and ``queue_staged``
are the two steps both use. Enqueueing jobs due now also pushes wake tokens that idle workers
block on (``workers/settings.py``). docs/architecture.md ("The queue") has the measurements
behind this and the way out of arq's internals.
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

WAKE_TOKENS_MAX = 32  # a bound on the wake list when no worker takes its tokens


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


def queue_staged(pipe: Any, staged: Sequence[tuple[str, int]], created: Sequence[Any], now_ms: int) -> None:
    """Queue the staged jobs whose payload was written (``created``: the ``SET NX`` replies), and
    wake idle workers for the ones due now."""
    name = get_settings().queue_name
    due_now = 0
    for (job_id, score), was_set in zip(staged, created, strict=True):
        if was_set:
            pipe.zadd(name, {job_id: score})
            due_now += score <= now_ms
    push_wake(pipe, due_now)


def wake_key() -> str:
    """A list workers block on between polls; enqueueing pushes tokens for the jobs due now."""
    return f"{get_settings().queue_name}:wake"


def wake_tokens(due: int) -> int:
    """How many idle workers ``due`` new jobs wake: one per worker-load (``local_tasks``, at most
    the ``worker_max_jobs`` one poll can start), not one per job.

    A woken worker reads every due job of the queue, so the jobs of one enqueue (a project's first
    tasks, a surplus hand-off) go to one worker, which then runs their dependents itself; waking
    every idle worker split such a batch at random and made the workers' statements contend for
    the same rows. A larger batch wakes more workers; a worker that is not blocked on the wake
    list still polls every ``worker_wake_wait_s``.
    """
    if due <= 0:
        return 0
    settings = get_settings()
    per_worker = max(1, min(settings.local_tasks, settings.worker_max_jobs))
    return min(-(-due // per_worker), WAKE_TOKENS_MAX)


def push_wake(pipe: Any, due: int) -> None:
    """Add the wake-up for ``due`` jobs due now to a (sync or async) pipeline.

    The new tokens replace any left unclaimed: a stale token would wake a second worker for the
    same batch (and the first woken worker reads the older jobs too).
    """
    tokens = wake_tokens(due)
    if tokens:
        pipe.lpush(wake_key(), *["1"] * tokens)
        pipe.ltrim(wake_key(), 0, tokens - 1)


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
    now_ms = int(time.time() * 1000)
    pipe = client.pipeline(transaction=False)
    staged = stage_jobs(pipe, (Job(f, tuple(a), i or "", defer_s) for f, a, i in jobs), now_ms)
    created = pipe.execute()
    pipe = client.pipeline(transaction=False)
    queue_staged(pipe, staged, created, now_ms)
    pipe.execute()


def enqueue(function: str, *args: Any, job_id: str | None = None, defer_s: float = 0.0) -> None:
    """Enqueue one job (ids only in ``args``)."""
    enqueue_many([(function, args, job_id)], defer_s=defer_s)
