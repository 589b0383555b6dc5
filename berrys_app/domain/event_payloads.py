"""The payload of every event kind: one pydantic model per ``EventKind`` (``PAYLOADS``).

``services.events.emit`` refuses a payload its kind's model does not accept, so an emitter adding a
field documents it here (and in ``docs/events.md``) first.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from berrys_app.domain.event_kinds import EventKind


class Payload(BaseModel):
    """A payload names every field it carries: an emitter adding one documents it here first."""

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Named(Payload):
    name: str


class ProjectUpdated(Payload):
    fields: list[str]


class StatusMove(Payload):
    from_: str = Field(alias="from")
    to: str
    reason: str | None = None


class ProjectStatusChanged(StatusMove):
    by: str


class ProjectForked(Payload):
    forked_from: str
    at_task: str | None
    mode: str
    copied: list[str]
    tool_policies: list[str] = []  # the team tools whose policy the fork edited


class ProjectForkCreated(Named):
    fork_id: str
    at_task: str | None
    mode: str


class TemplateCreated(Named):
    template_id: str


class TemplateStarted(Payload):
    template_id: str
    source: str


class ProjectWaiting(Payload):
    reason: str
    message: str
    step: str


class PlanProposed(Payload):
    version: int
    source: str
    tasks: int
    critical_path: list[str]
    estimated_total_minutes: float
    diff: dict[str, Any]
    warnings: list[str]


class PlanApproved(Payload):
    version: int


class PlanRejected(Payload):
    version: int | None
    reason: str


class DeliverableCreated(Payload):
    deliverable_id: str
    title: str
    note: str | None


class TaskKey(Payload):
    key: str


class TaskRetryFromHere(TaskKey):
    rerun: list[str]
    edited: list[str]


class TaskReady(TaskKey):
    why: str | None = None


class TaskAttempt(TaskKey):
    attempt: int


class TaskLeaseExpired(TaskAttempt):
    crashes: int  # worker deaths while running it (``BERRYS_MAX_TASK_CRASHES``)


class TaskStarted(TaskAttempt):
    agent_id: str | None


class TaskCompleted(TaskAttempt):
    output: str | None


class TaskFailed(TaskKey):
    failures: int | None = None  # failed attempts; absent when its workers died running it
    crashes: int | None = None  # worker deaths, when that is why it failed (BERRYS_MAX_TASK_CRASHES)
    error: str


class TaskRetrying(TaskKey):
    failures: int
    error: str
    retry_in_s: float


class TaskWaiting(TaskKey):
    reason: str
    message: str


class TaskStopped(TaskAttempt):
    """The worker stopped; ``status``: what the task is now (ready after a pause, cancelled with
    its project, running when another worker had taken it over)."""

    status: str | None


class TaskInterrupted(TaskKey):
    why: str


class AgentCreated(Payload):
    agent_id: str
    name: str
    template: str
    reason: str


class AgentStatusChanged(StatusMove):
    agent_id: str
    name: str


class AgentBudgetChanged(Payload):
    agent_id: str
    budget_usd: float | None
    budget_tokens: int | None


class AgentToolsChanged(Payload):
    agent_id: str
    name: str
    before: list[str] | None
    allowed_tools: list[str] | None


class TemplateToolsChanged(Payload):
    template: str
    allowed_tools: list[str] | None
    reset: bool


class CommentCreated(Payload):
    comment_id: str
    mentions: list[str]
    excerpt: str
    body: str


class CommentMention(Payload):
    comment_id: str
    user_id: str


class ApprovalEvent(Payload):
    approval_id: str
    kind: str


class ApprovalRequested(ApprovalEvent):
    title: str


class ApprovalDecided(ApprovalEvent):
    status: str


class Membership(Payload):
    user_id: str
    team_id: str


class MemberWithRole(Membership):
    role: str


class MemberRoleChanged(Membership):
    from_: str = Field(alias="from")
    to: str


class BudgetOverrun(Payload):
    model: str
    call_id: str
    agent_id: str
    reserved_tokens: int
    used_tokens: int
    reserved_usd: str
    used_usd: str


class BudgetExceededPayload(Payload):
    """``message`` and ``agent_id`` plus the ``BudgetExceeded`` error's details."""

    message: str
    agent_id: str
    scope: str | None = None
    unit: str | None = None
    limit: int | str | None = None
    used: int | str | None = None
    worst_case: int | str | None = None


class ToolFinished(Payload):
    tool: str
    version: int | None
    call_key: str | None
    duration_ms: float
    error_code: str | None
    arguments: str
    result: str
    message: str | None = None


class ToolRegistered(Payload):
    name: str
    version: int
    kind: str


class McpRegistered(Payload):
    name: str
    status: str
    tools: list[str]


class CredentialCreated(Payload):
    name: str
    kind: str
    allowed_hosts: list[str]


class CredentialBound(Payload):
    name: str
    allowed_hosts: list[str]
    header_names: list[str]


class ArtifactWritten(Payload):
    path: str
    size: int


class WorkerPing(Payload):
    note: str


class ModelUsage(Payload):
    task_id: str | None
    cost_usd: float
    tokens: int


class ModelToken(Payload):
    task_id: str | None
    agent_id: str | None
    call_key: str | None
    model: str
    seq: int
    delta: str
    done: bool
    error: str | None = None
    reset: bool | None = None
    cost_usd: float | None = None
    tokens: int | None = None


class ToolStarted(Payload):
    tool: str
    version: int | None
    call_key: str | None
    task_id: str


class PresenceChanged(Payload):
    viewers: list[str]


class WorkerHeartbeat(Payload):
    worker_id: str
    pid: int
    last_seen: str
    jobs_done: int
    stopped: bool


class WorkerStale(Payload):
    worker_id: str
    at: str


class SessionEnded(Payload):
    session_id: str
    user_id: str


class AccessLost(Payload):
    topic: str


class StreamClosed(Payload):
    reason: str


PAYLOADS: dict[EventKind, type[Payload]] = {
    EventKind.PROJECT_CREATED: Named,
    EventKind.PROJECT_FORKED: ProjectForked,
    EventKind.PROJECT_FORK_CREATED: ProjectForkCreated,
    EventKind.TEMPLATE_CREATED: TemplateCreated,
    EventKind.TEMPLATE_STARTED: TemplateStarted,
    EventKind.TASK_RETRY_FROM_HERE: TaskRetryFromHere,
    EventKind.PROJECT_UPDATED: ProjectUpdated,
    EventKind.PROJECT_DELETED: Named,
    EventKind.PROJECT_STATUS_CHANGED: ProjectStatusChanged,
    EventKind.PROJECT_WAITING: ProjectWaiting,
    EventKind.PLAN_PROPOSED: PlanProposed,
    EventKind.PLAN_APPROVED: PlanApproved,
    EventKind.PLAN_REJECTED: PlanRejected,
    EventKind.DELIVERABLE_CREATED: DeliverableCreated,
    EventKind.TASK_READY: TaskReady,
    EventKind.TASK_STARTED: TaskStarted,
    EventKind.TASK_COMPLETED: TaskCompleted,
    EventKind.TASK_RETRYING: TaskRetrying,
    EventKind.TASK_FAILED: TaskFailed,
    EventKind.TASK_WAITING: TaskWaiting,
    EventKind.TASK_INTERRUPTED: TaskInterrupted,
    EventKind.TASK_CANCELLED: TaskKey,
    EventKind.TASK_STOPPED: TaskStopped,
    EventKind.TASK_LEASE_EXPIRED: TaskLeaseExpired,
    EventKind.AGENT_CREATED: AgentCreated,
    EventKind.AGENT_STATUS_CHANGED: AgentStatusChanged,
    EventKind.AGENT_BUDGET_CHANGED: AgentBudgetChanged,
    EventKind.AGENT_TOOLS_CHANGED: AgentToolsChanged,
    EventKind.AGENT_TEMPLATE_TOOLS_CHANGED: TemplateToolsChanged,
    EventKind.COMMENT_CREATED: CommentCreated,
    EventKind.COMMENT_MENTION: CommentMention,
    EventKind.APPROVAL_REQUESTED: ApprovalRequested,
    EventKind.APPROVAL_DECIDED: ApprovalDecided,
    EventKind.MEMBER_ADDED: MemberWithRole,
    EventKind.MEMBER_ROLE_CHANGED: MemberRoleChanged,
    EventKind.MEMBER_REMOVED: MemberWithRole,
    EventKind.MODEL_BUDGET_OVERRUN: BudgetOverrun,
    EventKind.MODEL_BUDGET_EXCEEDED: BudgetExceededPayload,
    EventKind.TOOL_COMPLETED: ToolFinished,
    EventKind.TOOL_FAILED: ToolFinished,
    EventKind.TOOL_REGISTERED: ToolRegistered,
    EventKind.MCP_REGISTERED: McpRegistered,
    EventKind.CREDENTIAL_CREATED: CredentialCreated,
    EventKind.CREDENTIAL_BOUND: CredentialBound,
    EventKind.CREDENTIAL_DELETED: Named,
    EventKind.ARTIFACT_WRITTEN: ArtifactWritten,
    EventKind.WORKER_PING: WorkerPing,
    EventKind.MODEL_TOKEN: ModelToken,
    EventKind.MODEL_USAGE: ModelUsage,
    EventKind.TOOL_STARTED: ToolStarted,
    EventKind.PRESENCE_CHANGED: PresenceChanged,
    EventKind.WORKER_HEARTBEAT: WorkerHeartbeat,
    EventKind.WORKER_STALE: WorkerStale,
    EventKind.SESSION_ENDED: SessionEnded,
    EventKind.ACCESS_LOST: AccessLost,
    EventKind.STREAM_CLOSED: StreamClosed,
}


def check_payload(kind: EventKind, payload: dict[str, Any]) -> None:
    """Raise ``pydantic.ValidationError`` when ``payload`` is not what ``kind`` carries."""
    PAYLOADS[EventKind(kind)].model_validate(payload)
