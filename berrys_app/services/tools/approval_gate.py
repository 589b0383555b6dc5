"""The human gate on tool calls: a call its tool's approval policy gates runs only after a
person approved it in the team's inbox.

All state is in PostgreSQL: the approval row (``kind='tool'``, ``details.call_key``) and the
task's status. A gated call with no decision raises ``ToolApprovalRequired``; the agent loop
parks the task (``waiting_approval``, reason ``tool_approval``) and the inbox shows the call.
Deciding it re-runs the task (``task_approvals``): the model calls replay, this call meets its
decision here, and runs once (approved) or fails with ``rejected_by_person`` (rejected).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlmodel import Session, col, select

from berrys_app.domain.collab import Approval, ApprovalKind, ApprovalStatus
from berrys_app.domain.tools import ApprovalPolicy, McpServer, ProjectToolPolicy, Tool, ToolKind
from berrys_app.services.errors import ToolApprovalRequired
from berrys_app.services.tools.context import Invocation, ToolFailure
from berrys_app.services.tools.http_tool import preflight
from berrys_app.services.tools.redaction import redact

REASON = "tool_approval"


def policy_of(tool: Tool, override: ProjectToolPolicy | None = None) -> str:
    """The approval policy a call of ``tool`` meets: the project's for the tool when it has one
    (a fork's edit, ``project_policies``), else the tool version's."""
    if override is not None and override.approval_policy is not None:
        return override.approval_policy
    return tool.approval_policy


def gated(tool: Tool, override: ProjectToolPolicy | None = None) -> bool:
    """Whether calls of this tool version in this project wait for a person."""
    policy = policy_of(tool, override)
    return policy == ApprovalPolicy.always or (policy == ApprovalPolicy.side_effects and tool.side_effects)


def decision(session: Session, team_id: uuid.UUID | None, call_key: str) -> Approval | None:
    """The newest decided tool approval of this call in its team (a pending one is no decision)."""
    return session.exec(
        select(Approval)
        .where(
            Approval.team_id == team_id,
            Approval.kind == ApprovalKind.tool.value,
            col(Approval.details)["call_key"].astext == call_key,
            Approval.status != ApprovalStatus.pending.value,
        )
        .order_by(col(Approval.created_at).desc())
    ).first()


def _target(session: Session, inv: Invocation) -> str:
    """What the call reaches: an http request's host (after every check that would refuse
    it, so a person is never asked about a call that cannot run), an MCP tool's server."""
    if inv.kind == ToolKind.http.value:
        return preflight(session, inv)
    if inv.kind == ToolKind.mcp.value and inv.mcp_server_id is not None:
        server = session.get(McpServer, inv.mcp_server_id)
        return f"MCP server {server.name}" if server is not None else "an MCP server"
    return "this project"


def check(session: Session, inv: Invocation) -> None:
    """Let a gated call through only with an approval for its ``call_key``."""
    if not inv.needs_approval:
        return
    decided = decision(session, inv.team_id, inv.ctx.call_key)
    if decided is not None and decided.status == ApprovalStatus.approved.value:
        return
    if decided is not None:
        raise ToolFailure(
            "rejected_by_person", f"a person rejected this {inv.tool_name} call: {decided.reason or 'no reason given'}"
        )
    target = _target(session, inv)
    if inv.ctx.task_id is None:
        raise ToolFailure(
            "approval_required",
            f"{inv.tool_name} calls need a person's approval, which only an agent's task can wait for",
        )
    raise ToolApprovalRequired(
        f"{inv.tool_name} wants to call {target}: a person must approve this call",
        details=approval_details(inv, target),
    )


def approval_details(inv: Invocation, target: str) -> dict[str, Any]:
    """What the inbox shows: no secret, credential references as ``${credentials.NAME}``."""
    return {
        "reason": REASON,
        "call_key": inv.ctx.call_key,
        "tool": inv.tool_name,
        "tool_version": inv.tool_version,
        "kind": inv.kind,
        "target": target,
        "arguments": redact(inv.arguments, []),
    }
