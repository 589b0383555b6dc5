"""Every event kind, its payload, and the JSON shape of an event on the wire.

One definition for all sides: ``services.events.emit`` refuses a payload its kind's model
(``event_payloads``) does not accept, the engine's SQL writes event rows with ``MESSAGE_COLUMNS`` and kinds from ``EventKind``,
the UI, REST and SSE compare against ``EventKind`` members. ``docs/events.md`` lists them;
``tests/foundation/test_event_kinds.py`` checks that the table, the emitters and the UI agree.

The values are the strings stored in ``events.kind`` (and sent to webhooks): never rename one.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from pydantic import BaseModel


class EventKind(StrEnum):
    # projects and plans
    PROJECT_CREATED = "project.created"
    PROJECT_UPDATED = "project.updated"
    PROJECT_DELETED = "project.deleted"
    PROJECT_STATUS_CHANGED = "project.status_changed"
    PROJECT_WAITING = "project.waiting"
    PLAN_PROPOSED = "plan.proposed"
    PLAN_APPROVED = "plan.approved"
    PLAN_REJECTED = "plan.rejected"
    DELIVERABLE_CREATED = "deliverable.created"
    PROJECT_FORKED = "project.forked"  # on the fork
    PROJECT_FORK_CREATED = "project.fork_created"  # on the project it was forked from
    TEMPLATE_CREATED = "template.created"
    TEMPLATE_STARTED = "template.started"
    # tasks
    TASK_READY = "task.ready"
    TASK_STARTED = "task.started"
    TASK_COMPLETED = "task.completed"
    TASK_RETRYING = "task.retrying"
    TASK_FAILED = "task.failed"
    TASK_WAITING = "task.waiting"
    TASK_INTERRUPTED = "task.interrupted"
    TASK_CANCELLED = "task.cancelled"
    TASK_STOPPED = "task.stopped"
    TASK_LEASE_EXPIRED = "task.lease_expired"
    TASK_RETRY_FROM_HERE = "task.retry_from_here"
    # agents
    AGENT_CREATED = "agent.created"
    AGENT_STATUS_CHANGED = "agent.status_changed"
    AGENT_BUDGET_CHANGED = "agent.budget_changed"
    AGENT_TOOLS_CHANGED = "agent.tools_changed"
    AGENT_TEMPLATE_TOOLS_CHANGED = "agent_template.tools_changed"
    # people
    COMMENT_CREATED = "comment.created"
    COMMENT_MENTION = "comment.mention"
    APPROVAL_REQUESTED = "approval.requested"
    APPROVAL_DECIDED = "approval.decided"
    MEMBER_ADDED = "member.added"
    MEMBER_ROLE_CHANGED = "member.role_changed"
    MEMBER_REMOVED = "member.removed"
    # models and tools
    MODEL_BUDGET_OVERRUN = "model.budget_overrun"
    MODEL_BUDGET_EXCEEDED = "model.budget_exceeded"
    TOOL_COMPLETED = "tool.completed"
    TOOL_FAILED = "tool.failed"
    TOOL_REGISTERED = "tool.registered"
    MCP_REGISTERED = "mcp.registered"
    CREDENTIAL_CREATED = "credential.created"
    CREDENTIAL_BOUND = "credential.bound"
    CREDENTIAL_DELETED = "credential.deleted"
    ARTIFACT_WRITTEN = "artifact.written"
    WORKER_PING = "worker.ping"
    # live-only messages: published, never stored (no id, no cursor)
    MODEL_TOKEN = "model.token"
    MODEL_USAGE = "model.usage"
    TOOL_STARTED = "tool.started"
    PRESENCE_CHANGED = "presence.changed"
    WORKER_HEARTBEAT = "worker.heartbeat"
    WORKER_STALE = "worker.stale"
    SESSION_ENDED = "session.ended"
    ACCESS_LOST = "access.lost"
    STREAM_CLOSED = "stream.closed"


# An event on the wire (Redis, SSE, REST), in this order: ``services.events.to_message`` builds it
# from a row, the engine's statements from ``RETURNING`` these columns (``row_to_json``).
MESSAGE_COLUMNS = ("id", "kind", "team_id", "project_id", "task_id", "actor", "payload", "created_at")


class EventMessage(BaseModel):
    """An event as REST, SSE and the live channel carry it."""

    id: int | None
    kind: EventKind
    team_id: str | None
    project_id: str | None
    task_id: str | None
    actor: str
    payload: dict[str, Any]
    created_at: str | None
