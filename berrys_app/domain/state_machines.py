"""The task and agent state machines: every status change the engine may make.

``engine/statements.py`` holds every statement that changes a task's or an agent's status; a
test parses each of them and checks its from -> to pairs against these tables, so a new
statement with a move not listed here fails (tests/engine/test_state_machines.py).
"""

from __future__ import annotations

from berrys_app.domain.work import AgentStatus, TaskStatus

T = TaskStatus
_CLOSE = frozenset({T.cancelled, T.superseded})  # a project cancelled, failed or replanned closes open tasks

TASK_TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    # dependencies done (start, completion of the last one)
    T.pending: frozenset({T.ready}) | _CLOSE,
    # leased by a worker
    T.ready: frozenset({T.running}) | _CLOSE,
    # the backoff is over: leased again
    T.retrying: frozenset({T.running}) | _CLOSE,
    # completed; failed (retry or for good); a person is needed; given back (pause, interrupt,
    # expired lease) -- or leased again by another worker once its lease expired (running -> running)
    T.running: frozenset({T.running, T.completed, T.retrying, T.failed, T.waiting_approval, T.ready}) | _CLOSE,
    # a person retried it (budget raised, tool call decided)
    T.waiting_approval: frozenset({T.ready}) | _CLOSE,
    # a person retried it
    T.failed: frozenset({T.ready}),
    T.completed: frozenset(),
    T.cancelled: frozenset(),
    T.superseded: frozenset(),
}

# the statuses a project's cancellation, failure or replan closes
OPEN_TASK_STATUSES: tuple[TaskStatus, ...] = (T.pending, T.ready, T.running, T.retrying, T.waiting_approval)

A = AgentStatus
# ready <-> active (runs a task or not), either -> paused -> back, anything -> terminated (final)
AGENT_TRANSITIONS: dict[AgentStatus, frozenset[AgentStatus]] = {
    A.ready: frozenset({A.active, A.paused, A.terminated}),
    A.active: frozenset({A.ready, A.paused, A.terminated}),
    A.paused: frozenset({A.ready, A.active, A.terminated}),
    A.terminated: frozenset(),
}


def status_params() -> dict[str, str]:
    """Every status as a bound parameter (``:t_running``, ``:a_active``...) for the engine's SQL."""
    return {**{f"t_{s.value}": s.value for s in TaskStatus}, **{f"a_{s.value}": s.value for s in AgentStatus}}


STATUS_PARAMS = status_params()
