"""The job queue, kept behind a small interface (arq, pinned in requirements.txt, is in maintenance mode).

Jobs carry ids only. ``enqueue`` writes arq's wire format (JSON serializer)
with a plain sync Redis pipeline so services can enqueue from any context,
several jobs in one round trip.
"""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any, NamedTuple

import redis

from berrys_app.redis_client import sync_redis
from berrys_app.settings import get_settings

JOB_KEY_PREFIX = "arq:job:"
RESULT_KEY_PREFIX = "arq:result:"
IN_PROGRESS_KEY_PREFIX = "arq:in-progress:"
EXPIRES_MS = 86_400_000
WAKE_TOKENS_MAX = 32  # a worker blocked on the wake list polls at once (workers/settings.py)
WORKER_MAX_JOBS = 20  # the queued jobs one wake token stands for: a batch one worker starts in one poll
# arq slots a worker has beyond that batch, for the jobs that are not part of it -- aggregation,
# planning, cron, a straggler queued just ahead: with exactly WORKER_MAX_JOBS slots, one such job
# left a batch's last task for a later poll, after a slot freed (a project's first task started
# ~120 ms late, traced)
WORKER_SPARE_SLOTS = 4


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


def wake_key() -> str:
    """A list workers block on between polls; enqueueing pushes tokens for the jobs due now."""
    return f"{get_settings().queue_name}:wake"


def wake_tokens(due: int) -> int:
    """How many idle workers ``due`` new jobs wake: one per worker-load (``local_tasks``, at most
    the ``WORKER_MAX_JOBS`` one poll can start), not one per job.

    A woken worker reads every due job of the queue, so the jobs of one enqueue (a project's first
    tasks, a surplus hand-off) go to one worker, which then runs their dependents itself; waking
    every idle worker split such a batch at random and made the workers' statements contend for
    the same rows. A larger batch wakes more workers; a worker that is not blocked on the wake
    list still polls every ``WAKE_WAIT_S`` (workers/settings.py).
    """
    if due <= 0:
        return 0
    per_worker = max(1, min(get_settings().local_tasks, WORKER_MAX_JOBS))
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


def serialize(data: dict[str, Any]) -> bytes:
    return json.dumps(data, default=str).encode()


def deserialize(raw: bytes) -> dict[str, Any]:
    return json.loads(raw)


def enqueue_many(
    jobs: Sequence[tuple[str, Sequence[Any], str | None]],
    *,
    defer_s: float = 0.0,
    client: redis.Redis | None = None,
) -> None:
    """Enqueue ``(function, args, job_id)`` tuples in one pipeline.

    A job id that is already queued or running is not added twice (arq semantics
    via ``SET NX``), which makes dispatch idempotent.
    """
    if not jobs:
        return
    client = client or sync_redis()
    queue = get_settings().queue_name
    now_ms = int(time.time() * 1000)
    score = now_ms + int(defer_s * 1000)
    pipe = client.pipeline(transaction=False)
    ids: list[str] = []
    for function, args, job_id in jobs:
        job_id = job_id or uuid.uuid4().hex
        ids.append(job_id)
        payload = serialize({"t": None, "f": function, "a": list(args), "k": {}, "et": now_ms})
        pipe.set(JOB_KEY_PREFIX + job_id, payload, px=EXPIRES_MS, nx=True)
    created = pipe.execute()
    pipe = client.pipeline(transaction=False)
    added = 0
    for job_id, was_set in zip(ids, created, strict=True):
        if was_set:
            pipe.zadd(queue, {job_id: score})
            added += 1
    if defer_s <= 0:
        push_wake(pipe, added)
    pipe.execute()


def enqueue(function: str, *args: Any, job_id: str | None = None, defer_s: float = 0.0) -> None:
    """Enqueue one job (ids only in ``args``)."""
    enqueue_many([(function, args, job_id)], defer_s=defer_s)
