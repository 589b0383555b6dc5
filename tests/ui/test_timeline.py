"""The project timeline: the newest events on load, live events merged without duplicates, the filter."""

from __future__ import annotations

import uuid

from sqlmodel import Session

from berrys_app.domain.event_kinds import EventKind
from berrys_app.services import events
from berrys_app.ui.state.project_views import TIMELINE_LIMIT, event_row, filter_timeline, merge_live_event


def test_list_recent_returns_the_newest_events_of_the_project_newest_first(session: Session) -> None:
    project, other = uuid.uuid4(), uuid.uuid4()
    for number in range(TIMELINE_LIMIT + 50):  # more history than the timeline shows
        events.emit(session, EventKind.TASK_READY, project_id=project, payload={"key": str(number)})
        events.emit(session, EventKind.TASK_READY, project_id=other, payload={"key": str(number)})
    session.commit()
    rows = events.list_recent(session, project_id=project, limit=TIMELINE_LIMIT)
    assert [int(row.payload["key"]) for row in rows] == list(range(TIMELINE_LIMIT + 49, 49, -1))
    assert {row.project_id for row in rows} == {project}


def test_a_live_event_already_loaded_by_a_reload_is_not_shown_twice(session: Session) -> None:
    project = uuid.uuid4()
    first = events.emit(
        session, EventKind.TASK_COMPLETED, project_id=project, payload={"key": "t1", "attempt": 1, "output": "t1 done"}
    )
    second = events.emit(
        session,
        EventKind.PROJECT_STATUS_CHANGED,
        project_id=project,
        payload={"from": "executing", "to": "completed", "reason": "all tasks completed", "by": "system"},
    )
    session.commit()
    # the first message triggered a reload that already read both rows ...
    shown = [event_row(events.to_message(row)) for row in events.list_recent(session, project_id=project)]
    # ... then the second message arrives
    assert merge_live_event(shown, events.to_message(second)) == shown
    assert merge_live_event(shown, events.to_message(first)) == shown
    newer = {"id": second.id + 1, "kind": "comment.created", "payload": {"body": "nice"}}
    merged = merge_live_event(shown, newer)
    assert [row["kind"] for row in merged] == ["comment.created", "project.status_changed", "task.completed"]
    assert merged[0]["summary"] == "nice"


def test_merge_keeps_the_timeline_bounded() -> None:
    rows = [{"id": str(n), "kind": "task.ready"} for n in range(TIMELINE_LIMIT, 0, -1)]
    merged = merge_live_event(rows, {"id": TIMELINE_LIMIT + 1, "kind": "task.ready", "payload": {}})
    assert len(merged) == TIMELINE_LIMIT and merged[0]["id"] == str(TIMELINE_LIMIT + 1)


def test_the_filter_keeps_the_chosen_kind_prefix() -> None:
    rows = [
        {"id": "3", "kind": "task.completed"},
        {"id": "2", "kind": "comment.created"},
        {"id": "1", "kind": "task.ready"},
        {"id": "0", "kind": "tasks.created"},
    ]
    assert filter_timeline(rows, "all") == rows
    assert [r["id"] for r in filter_timeline(rows, "task.")] == ["3", "1"]  # not "tasks.created"
    assert [r["id"] for r in filter_timeline(rows, "comment.")] == ["2"]
    assert filter_timeline(rows, "model.") == []
