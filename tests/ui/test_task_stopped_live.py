"""``task.stopped`` moves the task on the project page to what it is now (issue 19: the page
handled kinds nobody emits and missed this one): ready after a pause, cancelled with its project."""

from __future__ import annotations

from typing import Any

from berrys_app.domain.event_kinds import EventKind
from berrys_app.ui.state.project_views import task_row


def _project_tab(task: dict[str, Any]):
    from reflex.state import State

    from berrys_app.ui.state.project import ProjectState

    root = State(_reflex_internal_init=True)
    tab = root.get_substate(ProjectState.get_full_name().split(".")[1:])
    tab._tasks = [task_row(task)]
    tab.tab = "board"
    return tab


def test_a_stopped_task_shows_the_status_its_worker_left_it_in() -> None:
    tab = _project_tab({"id": "t-1", "key": "a", "title": "Alpha", "status": "running", "attempt": 1})
    tab._apply_task("t-1", EventKind.TASK_STOPPED, {"key": "a", "attempt": 1, "status": "cancelled"})
    assert tab._tasks[0]["status"] == "cancelled"

    tab = _project_tab({"id": "t-2", "key": "b", "title": "Beta", "status": "running", "attempt": 2})
    tab._apply_task("t-2", EventKind.TASK_STOPPED, {"key": "b", "attempt": 2, "status": "ready"})
    assert tab._tasks[0]["status"] == "ready"
