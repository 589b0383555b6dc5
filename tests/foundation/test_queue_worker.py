"""The queue -> arq worker -> PostgreSQL path, run deterministically in burst mode."""

from __future__ import annotations

import asyncio
import time

import pytest
from sqlmodel import Session, select

from berrys_app import queue
from berrys_app.domain.events import Event
from berrys_app.domain.system import WorkerHeartbeat
from berrys_app.services import system
from berrys_app.services.authz import Actor
from berrys_app.services.errors import Unauthorized
from tests.probes import queued_job_ids, set_setting


async def test_enqueued_job_runs_and_records_an_event(session: Session, run_worker) -> None:
    queue.enqueue("ping", "hello", job_id="ping-1")
    done = await run_worker()
    assert done == 1
    rows = session.exec(select(Event).where(Event.kind == "worker.ping")).all()
    assert [row.payload for row in rows] == [{"note": "hello"}]


async def test_same_job_id_is_enqueued_once(session: Session, run_worker) -> None:
    queue.enqueue("ping", "a", job_id="same")
    queue.enqueue("ping", "b", job_id="same")
    assert queued_job_ids() == ["same"]
    assert await run_worker() == 1


async def test_worker_writes_a_heartbeat_and_marks_itself_stopped(session: Session, run_worker) -> None:
    queue.enqueue("ping")
    await run_worker()
    rows = session.exec(select(WorkerHeartbeat)).all()
    assert len(rows) == 1
    assert rows[0].stopped is True
    assert system.list_workers(session, Actor.system())[0]["status"] == "stopped"


async def test_the_heartbeat_counts_the_jobs_the_worker_ran(session: Session, run_worker) -> None:
    """arq gives each job a copy of the worker's ctx: a count kept in that copy stayed 0 ("Jobs done 0")."""
    for number in range(3):
        queue.enqueue("ping", job_id=f"count-{number}")
    assert await run_worker() == 3
    row = session.exec(select(WorkerHeartbeat)).one()
    assert row.jobs_done == 3
    assert system.list_workers(session, Actor.system())[0]["jobs_done"] == 3


def test_the_worker_list_is_refused_to_a_caller_who_is_nobody(session: Session) -> None:
    """It names processes and hosts: the service wants a person or the system (the public
    ``/health/ready`` gets only a count)."""
    with pytest.raises(Unauthorized):
        system.list_workers(session, Actor(user_id=None, label="anonymous"))


async def test_a_queued_job_is_read_back_by_arqs_own_api(env) -> None:
    """The queue writes jobs through arq's ``serialize_job`` and key names: arq reads them as its own."""
    from arq.connections import create_pool

    from berrys_app.settings import get_settings
    from workers.settings import redis_settings_from_url

    queue.enqueue("ping", "now", job_id="wire-now")
    queue.enqueue("ping", "later", job_id="wire-later", defer_s=30)
    settings = get_settings()
    pool = await create_pool(redis_settings_from_url(settings.require_redis_url()), job_deserializer=queue.deserialize)
    try:
        jobs = sorted(await pool.queued_jobs(queue_name=settings.queue_name), key=lambda job: job.score or 0)
    finally:
        await pool.aclose()
    assert [(job.function, job.args, job.kwargs) for job in jobs] == [("ping", ["now"], {}), ("ping", ["later"], {})]
    now, later = jobs
    assert later.score is not None and now.score is not None and 29_000 < later.score - now.score < 31_000


async def test_a_poll_claims_only_jobs_still_queued_and_not_running_elsewhere(session: Session, env) -> None:
    """``BerrysWorker.start_jobs`` claims a whole read in one round trip with arq's own checks."""
    from arq.connections import create_pool
    from arq.constants import in_progress_key_prefix

    from berrys_app.settings import get_settings
    from workers.settings import build_worker

    queue.enqueue_many([("ping", (note,), f"claim-{note}") for note in ("a", "b", "c")])
    client = queue.sync_redis()
    client.set(in_progress_key_prefix + "claim-b", "1", px=60_000)  # another worker runs it
    client.zrem(get_settings().queue_name, "claim-c")  # finished meanwhile
    worker = build_worker(burst=True)
    worker._pool = await create_pool(worker.redis_settings, default_queue_name=worker.queue_name)
    worker.ctx["redis"] = worker._pool
    try:
        await worker.start_jobs([b"claim-a", b"claim-b", b"claim-c"])
        assert set(worker.tasks) == {"claim-a"}
        await asyncio.gather(*worker.tasks.values())
    finally:
        await worker._pool.aclose()
    assert client.exists(in_progress_key_prefix + "claim-c") == 0  # nothing claimed for a finished job
    rows = session.exec(select(Event).where(Event.kind == "worker.ping")).all()
    assert [row.payload["note"] for row in rows] == ["a"]
    settings = get_settings()
    assert worker.sem._value == settings.worker_max_jobs + settings.worker_spare_slots  # every slot given back


async def test_one_poll_starts_a_whole_batch_queued_behind_another_job(session: Session, env) -> None:
    """A wake token stands for ``worker_max_jobs`` jobs; a job queued ahead of such a batch (an
    aggregation, a straggler) must not leave the batch's last job for a later poll."""
    from arq.connections import create_pool

    from berrys_app.settings import get_settings
    from workers.settings import build_worker

    batch = get_settings().worker_max_jobs
    queue.enqueue_many([("ping", ("ahead",), "batch-ahead")])
    queue.enqueue_many([("ping", (str(i),), f"batch-{i}") for i in range(batch)])
    worker = build_worker(burst=True)
    worker._pool = await create_pool(worker.redis_settings, default_queue_name=worker.queue_name)
    worker.ctx["redis"] = worker._pool
    try:
        await worker.start_jobs([job_id.encode() for job_id in queued_job_ids()])
        assert len(worker.tasks) == batch + 1  # every job of the read started at once
        await asyncio.gather(*worker.tasks.values())
    finally:
        await worker._pool.aclose()


async def test_a_poll_no_enqueue_woke_leaves_fresh_jobs_to_the_worker_woken_for_them(
    session: Session, env, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A job is "fresh" for ``worker_unwoken_min_age_ms`` (20 ms by default: less than building a
    worker takes on a loaded machine, which made this test flaky); a minute here."""
    from arq.connections import create_pool

    from berrys_app.settings import get_settings
    from workers.settings import build_worker

    set_setting(monkeypatch, "BERRYS_WORKER_UNWOKEN_MIN_AGE_MS", "60000")
    queue.enqueue("ping", "fresh", job_id="fresh")
    worker = build_worker(burst=True)
    worker._pool = await create_pool(worker.redis_settings, default_queue_name=worker.queue_name)
    worker.ctx["redis"] = worker._pool
    worker._woken = False  # a poll on the worker's timer, not after a wake token
    try:
        await worker.start_jobs([b"fresh"])
        assert worker.tasks == {}  # left to the worker the enqueue woke
        aged = time.time() * 1000 - 2 * get_settings().worker_unwoken_min_age_ms
        queue.sync_redis().zadd(get_settings().queue_name, {"fresh": aged})  # nobody took it meanwhile
        await worker.start_jobs([b"fresh"])
        assert set(worker.tasks) == {"fresh"}
        await asyncio.gather(*worker.tasks.values())
    finally:
        await worker._pool.aclose()
    rows = session.exec(select(Event).where(Event.kind == "worker.ping")).all()
    assert [row.payload["note"] for row in rows] == ["fresh"]


async def test_a_worker_connects_a_redis_connection_for_each_job_it_may_start_at_once(env) -> None:
    from arq.connections import create_pool

    from berrys_app.settings import get_settings
    from workers.settings import open_connections, redis_settings_from_url

    pool = await create_pool(redis_settings_from_url(get_settings().require_redis_url()))
    try:
        await open_connections(pool, 6)
        idle = pool.connection_pool._available_connections  # arq takes one per job it starts
        assert len(idle) == 6 and all(connection.is_connected for connection in idle)
    finally:
        await pool.aclose()
