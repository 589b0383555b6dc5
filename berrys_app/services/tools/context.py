"""The types every tool module shares: the caller's context, the result the model sees,
and the one exception tool code raises to report a specific, recorded error."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class ToolContext:
    """Who is calling and under which durable key.

    ``call_key`` identifies this call across re-runs (the engine uses
    ``task:<task_id>:tool:<step>:<i>``); a recorded completed call with the same key is
    replayed instead of repeated. ``allowed_tools`` holds names, optionally pinned as
    ``name@version``.
    """

    project_id: uuid.UUID | None
    task_id: uuid.UUID | None
    agent_id: uuid.UUID | None
    allowed_tools: list[str]
    call_key: str


@dataclass(frozen=True)
class ToolResult:
    """What goes back to the agent loop; errors are values, never exceptions."""

    ok: bool
    content: str
    error_code: str | None = None
    replayed: bool = False
    artifact_path: str | None = None


class ToolFailure(Exception):
    """Raised inside tool code; becomes ``ToolResult(ok=False, error_code=code)``.

    ``message`` is written for the model: it says what to change to succeed.
    """

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


@dataclass
class Invocation:
    """One resolved, validated call handed to a tool implementation."""

    ctx: ToolContext
    tool_name: str
    tool_version: int
    kind: str
    config: dict[str, Any]
    arguments: dict[str, Any]
    team_id: uuid.UUID | None
    mcp_server_id: uuid.UUID | None = None
    idempotency_key: str | None = None
    result_schema: dict[str, Any] | None = None  # the result must be JSON matching it (checked)
    needs_approval: bool = False  # the tool's approval policy gates this call (``approval_gate``)
    secrets: list[str] = field(default_factory=list)  # plaintext values used: scrubbed from records
