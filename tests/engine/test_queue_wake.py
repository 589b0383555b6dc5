"""Enqueueing wakes blocked workers: one token per job due now, none for deferred jobs, bounded."""

from __future__ import annotations

from berrys_app import queue


def test_jobs_due_now_push_one_wake_token_each(env) -> None:
    client = queue.sync_redis()
    queue.enqueue_many([("ping", ("a",), "wake-a"), ("ping", ("b",), "wake-b")])
    assert client.llen(queue.wake_key()) == 2
    queue.enqueue_many([("ping", ("a",), "wake-a")])  # already queued: no job, no token
    assert client.llen(queue.wake_key()) == 2


def test_deferred_jobs_wake_nobody(env) -> None:
    queue.enqueue_many([("ping", ("later",), "wake-later")], defer_s=30)
    assert queue.sync_redis().llen(queue.wake_key()) == 0
    assert queue.queued_job_ids() == ["wake-later"]


def test_wake_tokens_are_bounded_when_no_worker_takes_them(env) -> None:
    for batch in range(5):
        queue.enqueue_many([("ping", (str(i),), f"wake-{batch}-{i}") for i in range(queue.WAKE_TOKENS_MAX)])
    assert queue.sync_redis().llen(queue.wake_key()) == 2 * queue.WAKE_TOKENS_MAX
