"""Enqueueing wakes blocked workers: one token per worker-load of jobs due now (one worker takes
such a batch whole), none for deferred jobs; unclaimed tokens do not pile up."""

from __future__ import annotations

from berrys_app import queue
from berrys_app.settings import get_settings
from tests.probes import queued_job_ids


def test_a_batch_of_jobs_due_now_wakes_one_worker_per_local_tasks_jobs(env, local_tasks) -> None:
    local_tasks(2)
    client = queue.sync_redis()
    queue.enqueue_many([("ping", (str(i),), f"wake-{i}") for i in range(5)])
    assert client.llen(queue.wake_key()) == 3  # 5 jobs, 2 per worker: three workers
    queue.enqueue_many([("ping", ("0",), "wake-0")])  # already queued: no job, no token
    assert client.llen(queue.wake_key()) == 3
    queue.enqueue_many([("ping", ("new",), "wake-new")])  # a single job wakes one worker, who reads
    assert client.llen(queue.wake_key()) == 1  # every due job: the unclaimed tokens are replaced


def test_a_batch_larger_than_one_poll_can_start_wakes_more_workers(env, local_tasks) -> None:
    local_tasks(50)
    queue.enqueue_many([("ping", (str(i),), f"wake-{i}") for i in range(get_settings().worker_max_jobs + 1)])
    assert queue.sync_redis().llen(queue.wake_key()) == 2  # one poll starts at most worker_max_jobs


def test_without_local_runs_every_job_wakes_a_worker(env, local_tasks) -> None:
    local_tasks(0)
    queue.enqueue_many([("ping", ("a",), "wake-a"), ("ping", ("b",), "wake-b")])
    assert queue.sync_redis().llen(queue.wake_key()) == 2


def test_deferred_jobs_wake_nobody(env) -> None:
    queue.enqueue_many([("ping", ("later",), "wake-later")], defer_s=30)
    assert queue.sync_redis().llen(queue.wake_key()) == 0
    assert queued_job_ids() == ["wake-later"]


def test_wake_tokens_are_bounded_when_no_worker_takes_them(env, local_tasks) -> None:
    local_tasks(1)
    for batch in range(5):
        queue.enqueue_many([("ping", (str(i),), f"wake-{batch}-{i}") for i in range(2 * queue.WAKE_TOKENS_MAX)])
    assert queue.sync_redis().llen(queue.wake_key()) == queue.WAKE_TOKENS_MAX
