"""The queue -> arq worker -> PostgreSQL path, run deterministically in burst mode."""

from __future__ import annotations

from sqlmodel import Session, select

from berrys_app import queue
from berrys_app.domain.events import Event
from berrys_app.domain.system import WorkerHeartbeat
from berrys_app.services import system


async def test_enqueued_job_runs_and_records_an_event(session: Session, run_worker) -> None:
    queue.enqueue("ping", "hello", job_id="ping-1")
    done = await run_worker()
    assert done == 1
    rows = session.exec(select(Event).where(Event.kind == "worker.ping")).all()
    assert [row.payload for row in rows] == [{"note": "hello"}]


async def test_same_job_id_is_enqueued_once(session: Session, run_worker) -> None:
    queue.enqueue("ping", "a", job_id="same")
    queue.enqueue("ping", "b", job_id="same")
    assert queue.queued_job_ids() == ["same"]
    assert await run_worker() == 1


async def test_worker_writes_a_heartbeat_and_marks_itself_stopped(session: Session, run_worker) -> None:
    queue.enqueue("ping")
    await run_worker()
    rows = session.exec(select(WorkerHeartbeat)).all()
    assert len(rows) == 1
    assert rows[0].stopped is True
    assert system.list_workers(session)[0]["status"] == "stopped"
