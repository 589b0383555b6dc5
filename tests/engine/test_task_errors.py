"""The task drawer lists every failed attempt's error (the task row keeps only the last one)."""

from __future__ import annotations

import pytest
from sqlmodel import Session

from berrys_app.domain.event_kinds import EventKind
from berrys_app.services import events
from berrys_app.services.errors import Forbidden, NotFound
from berrys_app.services.transcripts import task_errors
from tests.engine.helpers import start_project, tasks_of


def test_every_attempts_error_is_listed_in_order_for_members_only(session: Session, team) -> None:
    plan = {"tasks": [{"id": "flaky", "title": "Flaky"}, {"id": "other", "title": "Other"}]}
    project_id = start_project(session, team.member, team.team_id, plan)  # no workers: nothing runs
    tasks = tasks_of(project_id)
    flaky, other = tasks["flaky"].id, tasks["other"].id
    for kind, payload in [
        (EventKind.TASK_RETRYING, {"key": "flaky", "failures": 1, "error": "timeout: no answer", "retry_in_s": 1}),
        (EventKind.TASK_STARTED, {"key": "flaky", "attempt": 2, "agent_id": None}),
        (EventKind.TASK_RETRYING, {"key": "flaky", "failures": 2, "error": "rate_limited: 429", "retry_in_s": 2}),
        (EventKind.TASK_FAILED, {"key": "flaky", "failures": 3, "error": "provider_error: 500"}),
    ]:
        events.emit(session, kind, project_id=project_id, task_id=flaky, payload=payload)
    events.emit(
        session,
        EventKind.TASK_FAILED,
        project_id=project_id,
        task_id=other,
        payload={"key": "other", "failures": 1, "error": "not this one"},
    )
    session.commit()

    rows = task_errors(session, team.viewer, project_id=project_id, task_id=flaky)
    assert [(r["title"], r["text"]) for r in rows] == [
        ("attempt 1 failed, retrying", "timeout: no answer"),
        ("attempt 2 failed, retrying", "rate_limited: 429"),
        ("attempt 3 failed", "provider_error: 500"),
    ]
    with pytest.raises((Forbidden, NotFound)):
        task_errors(session, team.actors["outsider"], project_id=project_id, task_id=flaky)
