"""Schedules: a cron template fires once per slot however many workers tick; the slot is claimed
in PostgreSQL (row lock + the unique (trigger, slot) run)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlmodel import Session, col, func, select

from berrys_app.db import session_scope
from berrys_app.domain.automation import Trigger, TriggerRun
from berrys_app.domain.events import Event
from berrys_app.domain.projects import Project
from berrys_app.services import triggers
from berrys_app.usecases import trigger_runs
from tests.automation.helpers import headers, make_template
from tests.engine.conftest import WorkerPool, wait_for


@pytest.fixture
def three_workers(env: dict[str, str], tmp_path: Path) -> Iterator[WorkerPool]:
    log_dir = tmp_path / "worker-logs"
    log_dir.mkdir()
    pool = WorkerPool(env={**env, "BERRYS_TRIGGER_INTERVAL": "1"}, log_dir=log_dir)
    try:
        yield pool
    finally:
        pool.stop_all()


async def _schedule(client, people, cron: str, timezone: str = "UTC") -> dict:
    template = await make_template(client, people)
    r = await client.post(
        f"/api/v1/project-templates/{template['id']}/triggers",
        json={"name": "tick", "kind": "schedule", "cron": cron, "timezone": timezone, "params": {"topic": "ticks"}},
        headers=headers(people, "admin"),
    )
    assert r.status_code == 201, r.text
    return r.json()


def _runs(trigger_id: str) -> list[TriggerRun]:
    with session_scope() as s:
        return list(
            s.exec(select(TriggerRun).where(TriggerRun.trigger_id == trigger_id).order_by(col(TriggerRun.slot)))
        )


async def test_a_seconds_schedule_fires_once_per_slot_with_three_workers(client, people, three_workers) -> None:
    trigger = await _schedule(client, people, "* * * * * *")  # every second
    for name in ("w1", "w2", "w3"):
        three_workers.start(name)
    wait_for(lambda: len(_runs(trigger["id"])) >= 5, timeout=90, what=f"5 slots fired\n{three_workers.logs()}")
    r = await client.patch(
        f"/api/v1/triggers/{trigger['id']}", json={"enabled": False}, headers=headers(people, "admin")
    )
    assert r.status_code == 200, r.text
    three_workers.stop_all()

    runs = _runs(trigger["id"])
    slots = [run.slot for run in runs]
    assert len(slots) == len(set(slots))
    assert all(run.status == "started" and run.project_id for run in runs), [(r.status, r.error) for r in runs]
    with session_scope() as s:
        projects = s.exec(select(Project).where(Project.team_id == people["team_a"])).all()
        started = s.exec(select(func.count()).where(Event.kind == "template.started")).one()
    assert len(projects) == len(runs) == started  # one project per slot, none without its run
    assert {p.name for p in projects} == {"Report on ticks"}
    assert all(slot.microsecond == 0 for slot in slots)  # each is a cron slot, not a tick time


async def test_concurrent_ticks_claim_a_due_slot_once(client, people, session: Session) -> None:
    trigger = await _schedule(client, people, "0 3 * * *")
    due = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    row = session.get(Trigger, trigger["id"])
    row.next_run_at = due
    session.add(row)
    session.commit()

    barrier = threading.Barrier(6)
    fired: list[int] = []

    def tick() -> None:
        barrier.wait()
        fired.append(trigger_runs.fire_due())

    threads = [threading.Thread(target=tick) for _ in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)

    assert sum(fired) == 1
    runs = _runs(trigger["id"])
    assert [(r.slot, r.status) for r in runs] == [(due, "started")]
    session.expire_all()
    assert session.get(Trigger, trigger["id"]).next_run_at > datetime.now(UTC)  # moved on past the missed slot


def test_a_schedule_follows_its_time_zone() -> None:
    after = datetime(2026, 12, 7, 10, 0, tzinfo=UTC)
    assert triggers.next_slot("0 9 * * *", "Europe/Paris", after) == datetime(2026, 12, 8, 8, 0, tzinfo=UTC)
    summer = datetime(2026, 7, 1, 10, 0, tzinfo=UTC)
    assert triggers.next_slot("0 9 * * *", "Europe/Paris", summer) == datetime(2026, 7, 2, 7, 0, tzinfo=UTC)


async def test_bad_schedules_are_refused_precisely(client, people) -> None:
    template = await make_template(client, people)
    url = f"/api/v1/project-templates/{template['id']}/triggers"
    cases = [
        ({"cron": "every day"}, "invalid cron expression"),
        ({"cron": "0 9 * * *", "timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"cron": "0 9 * * *", "params": {}}, "'topic' is a required property"),
        ({"cron": "0 9 * * *", "params": {"topic": "a", "colour": "red"}}, "not parameters of the template: colour"),
    ]
    for extra, message in cases:
        body = {"name": "n", "kind": "schedule", "params": {"topic": "a"}, **extra}
        r = await client.post(url, json=body, headers=headers(people, "admin"))
        assert r.status_code == 422 and message in r.json()["message"], (extra, r.text)


async def test_a_slot_whose_values_no_longer_fit_is_logged_and_skipped(client, people, session: Session) -> None:
    trigger = await _schedule(client, people, "0 3 * * *")
    template_id = trigger["template_id"]
    r = await client.patch(  # the template now needs a value the schedule does not give
        f"/api/v1/project-templates/{template_id}",
        json={"parameters": [{"name": "topic"}, {"name": "audience"}, {"name": "region"}]},
        headers=headers(people, "member"),
    )
    assert r.status_code == 200, r.text
    due = datetime.now(UTC).replace(microsecond=0) - timedelta(seconds=5)
    row = session.get(Trigger, trigger["id"])
    row.next_run_at = due
    session.add(row)
    session.commit()

    trigger_runs.fire_due()
    [run] = _runs(trigger["id"])
    assert (run.slot, run.status, run.project_id) == (due, "invalid", None)
    assert "'region' is a required property" in run.error
    session.expire_all()
    assert session.get(Trigger, trigger["id"]).next_run_at > datetime.now(UTC)
    assert session.exec(select(Project).where(Project.team_id == people["team_a"])).all() == []
