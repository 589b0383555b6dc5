"""An expired lease is a crash of its task: counted, its calls in flight settled as spent, and at
``max_task_crashes`` the task fails with that reason (the statements, without worker processes;
``test_exactly_once.py`` does it with real workers and SIGKILL)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import text
from sqlmodel import Session, select

from berrys_app.domain.common import utcnow
from berrys_app.domain.models import ModelCall
from berrys_app.engine.reconciler import reconcile_once
from berrys_app.services.models.budgets import spent
from tests.engine.helpers import events_of, lease_now, project_row, start_project, tasks_of

ONE = {"tasks": [{"id": "a", "title": "Alpha"}, {"id": "b", "title": "Beta", "depends_on": ["a"]}]}


def _in_flight(session: Session, project_id: uuid.UUID, task_id: uuid.UUID) -> uuid.UUID:
    """A call in flight of the running attempt: its reservation row, as ``models.run`` writes it."""
    row = ModelCall(
        project_id=project_id,
        task_id=task_id,
        model="scripted/echo",
        call_key=f"task:{task_id}:model:0:abc",
        status="running",
        reserved_tokens=120,
        reserved_usd=Decimal("0.5"),
        reserved_until=utcnow() + timedelta(seconds=60),
    )
    session.add(row)
    session.commit()
    return row.id


def _expire(session: Session, task_id: uuid.UUID) -> None:
    session.execute(
        text("UPDATE tasks SET lease_expires_at = now() - interval '1 second' WHERE id = :t"), {"t": task_id}
    )
    session.commit()


def test_an_expired_lease_is_a_crash_and_its_call_in_flight_is_spent(session: Session, team) -> None:
    project_id = start_project(session, team.member, team.team_id, ONE, model="scripted/echo")
    a = tasks_of(project_id)["a"]
    assert lease_now(a.id, worker="dead#1-aaaaaa") is not None
    call_id = _in_flight(session, project_id, a.id)
    assert spent(session, project_id=project_id) == (Decimal("0.5"), 120)  # in flight: reserved
    _expire(session, a.id)

    report = reconcile_once()

    assert (report.expired, report.calls_settled, report.crashed) == (1, 1, 0)
    a = tasks_of(project_id)["a"]
    assert (a.status, a.crashes, a.leased_by) == ("ready", 1, None)
    session.expire_all()
    call = session.get(ModelCall, call_id)
    assert call is not None
    assert (call.status, call.error, call.prompt_tokens, call.cost_usd) == ("error", "worker_lost", 120, Decimal("0.5"))
    assert (call.reserved_tokens, call.reserved_until) == (0, None)
    assert spent(session, project_id=project_id) == (Decimal("0.5"), 120)  # settled: still spent
    assert events_of(project_id, "task.lease_expired")[0].payload["crashes"] == 1


def test_an_expired_lease_taken_over_by_a_lease_counts_too(session: Session, team) -> None:
    project_id = start_project(session, team.member, team.team_id, ONE, model="scripted/echo")
    a = tasks_of(project_id)["a"]
    assert lease_now(a.id, worker="dead#1-aaaaaa") is not None
    call_id = _in_flight(session, project_id, a.id)
    _expire(session, a.id)

    again = lease_now(a.id, worker="alive#2-bbbbbb")  # a job for it came before the reconciler

    assert again is not None and again.attempt == 2
    assert tasks_of(project_id)["a"].crashes == 1
    session.expire_all()
    call = session.get(ModelCall, call_id)
    assert call is not None and (call.status, call.error) == ("error", "worker_lost")


def test_the_third_crash_fails_the_task_with_that_reason(session: Session, team) -> None:
    project_id = start_project(session, team.member, team.team_id, ONE, model="scripted/echo", max_replans=0)
    a_id = tasks_of(project_id)["a"].id
    for crash in (1, 2, 3):
        assert lease_now(a_id, worker=f"w#{crash}-cccccc") is not None
        _expire(session, a_id)
        report = reconcile_once()
        assert report.expired == 1 and report.crashed == (1 if crash == 3 else 0)

    a = tasks_of(project_id)["a"]
    assert (a.status, a.crashes, a.last_error) == ("failed", 3, "worker died 3 times running this task")
    (failed,) = events_of(project_id, "task.failed")
    assert failed.payload == {"key": "a", "crashes": 3, "error": "worker died 3 times running this task"}
    project = project_row(project_id)
    assert project.status == "failed" and "worker died 3 times" in (project.status_reason or "")
    assert tasks_of(project_id)["b"].status == "cancelled"
    assert lease_now(a_id, worker="w#4-dddddd") is None  # failed: nothing leases it again


def test_a_reservation_past_its_time_is_settled_as_spent(session: Session, team) -> None:
    """A call whose worker died where no lease expiry names it (a run started ahead of its lease)."""
    project_id = start_project(session, team.member, team.team_id, ONE, model="scripted/echo")
    b = tasks_of(project_id)["b"]  # pending: never leased
    call_id = _in_flight(session, project_id, b.id)
    session.execute(
        text("UPDATE model_calls SET reserved_until = now() - interval '1 second' WHERE id = :i"), {"i": call_id}
    )
    session.commit()

    assert reconcile_once().calls_settled == 1

    session.expire_all()
    rows = session.exec(select(ModelCall).where(ModelCall.task_id == b.id)).all()
    assert [(r.status, r.error, r.cost_usd) for r in rows] == [("error", "worker_lost", Decimal("0.5"))]
