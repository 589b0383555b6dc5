"""The one path every tool call takes:

replay-if-recorded -> resolve (pin or latest) -> allowance -> schema validation (and the
project's own argument constraints, ``project_policies``) -> the human gate (``approval_gate``,
the project's policy for the tool if it has one) -> record "running" -> rate limit (per team)
-> run with a timeout -> truncate (full result kept as a project file) -> record the outcome
with secrets redacted -> ``tool.*`` events.

Every failure becomes a recorded ``ToolResult(ok=False, error_code=...)`` whose content
tells the model what to change; nothing raises into the agent loop but
``ToolApprovalRequired`` (the task then waits for a person).
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
import json
import logging
import re
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any

from jsonschema import Draft202012Validator
from sqlalchemy.dialects.postgresql import insert
from sqlmodel import Session, select

from berrys_app import tracing
from berrys_app.db import session_scope
from berrys_app.domain.common import utcnow
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.projects import Project
from berrys_app.domain.tools import Tool, ToolCall, ToolCallStatus, ToolKind
from berrys_app.observability import metrics
from berrys_app.services import events, ratelimit
from berrys_app.services.errors import RateLimited, ToolApprovalRequired
from berrys_app.services.tools import approval_gate, project_policies, registry
from berrys_app.services.tools.context import Invocation, ToolContext, ToolFailure, ToolResult
from berrys_app.services.tools.files import run_project_files, write_artifact
from berrys_app.services.tools.http_tool import run_http
from berrys_app.services.tools.mcp import run_mcp
from berrys_app.services.tools.redaction import redact, scrub
from berrys_app.services.tools.sandbox import SandboxLimits, SandboxUnavailable, run_python
from berrys_app.services.tools.search import run_search_outputs
from berrys_app.settings import get_settings

log = logging.getLogger(__name__)

EVENT_EXCERPT = 500  # characters of arguments/result carried by tool.completed events

Runner = Callable[[Invocation], Awaitable[str]]


async def _run_python_tool(inv: Invocation) -> str:
    limits = SandboxLimits.from_config(inv.config)
    try:
        result = await run_python(inv.arguments["code"], limits=limits)
    except SandboxUnavailable as exc:
        raise ToolFailure("sandbox_unavailable", str(exc)) from exc
    reason = result.reason
    if reason == "ok":
        out = result.stdout
        if result.stderr.strip():
            out += f"\n[stderr]\n{result.stderr[-2000:]}"
        return out or "(no output; use print() to return values)"
    messages = {
        "timeout": f"the snippet ran longer than {limits.wall_s:g} s and was killed",
        "cpu_limit": f"the snippet used more than {limits.cpu_s} s of CPU and was killed",
        "memory_limit": f"the snippet tried to use more than {limits.memory_mb} MB of memory (MemoryError)",
        "process_limit": f"the snippet tried to start more than {limits.nproc} processes",
        "output_limit": f"the snippet printed more than {limits.max_output_bytes} bytes and was stopped",
        "file_size_limit": "the snippet tried to write a file larger than allowed",
        "killed": "the snippet was killed by the sandbox",
    }
    if reason in messages:
        raise ToolFailure(f"sandbox_{reason}" if reason != "timeout" else "timeout", messages[reason])
    tail = result.stderr.strip()[-1500:] or f"exit code {result.exit_code}"
    raise ToolFailure("python_error", f"the snippet failed:\n{tail}")


RUNNERS: dict[str, Runner] = {
    ToolKind.python.value: _run_python_tool,
    ToolKind.http.value: run_http,
    ToolKind.project_files.value: run_project_files,
    ToolKind.search_outputs.value: run_search_outputs,
    ToolKind.mcp.value: run_mcp,
}


# --- helpers ---------------------------------------------------------------------------------


def validation_message(schema: dict[str, Any], arguments: Any) -> str | None:
    """All schema violations as one message the model can act on, or None when valid."""
    validator = Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(arguments), key=lambda e: list(e.absolute_path))
    if not errors:
        return None
    lines = []
    for error in errors[:8]:
        where = "/".join(str(p) for p in error.absolute_path) or "(arguments)"
        lines.append(f"- {where}: {error.message}")
    props = schema.get("properties", {})
    expected = ", ".join(f"{k} ({v.get('type', 'any')})" for k, v in props.items()) or "none"
    required = ", ".join(schema.get("required", [])) or "none"
    return "invalid arguments:\n" + "\n".join(lines) + f"\nexpected parameters: {expected}; required: {required}"


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def idempotency_key(call_key: str) -> str:
    """Stable per call_key, so a retried side effect can be deduplicated by the receiver."""
    return hashlib.sha256(call_key.encode()).hexdigest()[:32]


def _allowed_version(allowed: list[str], name: str) -> tuple[bool, int | None]:
    for ref in allowed:
        ref_name, _, version = ref.partition("@")
        if ref_name == name:
            return True, int(version) if version.isdigit() else None
    return False, None


def _check_rate(team_id: uuid.UUID | None, tool_name: str, per_minute: int | None) -> None:
    """Each team has its own bucket per tool: one team's calls never use up another's."""
    if not per_minute:
        return
    try:
        ratelimit.hit(f"tool:{team_id or 'none'}:{tool_name}", limit=per_minute, window_s=60)
    except RateLimited as refused:
        raise ToolFailure(
            "rate_limited", f"{tool_name} allows {per_minute} calls per minute; retry in {refused.retry_after_s} s"
        ) from None


def _team_of(session: Session, project_id: uuid.UUID | None) -> uuid.UUID | None:
    if project_id is None:
        return None
    project = session.get(Project, project_id)
    if project is None:
        raise ToolFailure("unknown_project", f"project {project_id} does not exist")
    return project.team_id


MAX_CALL_KEY = 300


def durable_key(call_key: str) -> str:
    """The key a call is recorded under: long keys are shortened deterministically (so a
    re-run still matches); an empty key means "not durable" and gets a unique one."""
    call_key = (call_key or "").replace("\x00", "")
    if not call_key:
        return f"adhoc:{uuid.uuid4().hex}"
    if len(call_key) <= MAX_CALL_KEY:
        return call_key
    return f"{call_key[:200]}#{hashlib.sha256(call_key.encode()).hexdigest()}"


def _prepare(session: Session, ctx: ToolContext, name: str, arguments: Any) -> Invocation:
    """Resolve, check allowance and validate; raise ToolFailure with a specific code."""
    registry.ensure_builtins(session)
    team_id = _team_of(session, ctx.project_id)
    if not isinstance(name, str) or not name:
        raise ToolFailure("unknown_tool", f"the tool name must be a string; available: {', '.join(ctx.allowed_tools)}")
    allowed, pinned = _allowed_version(ctx.allowed_tools, name)
    tool: Tool | None = registry.resolve(session, name, version=pinned, team_id=team_id)
    if tool is None:
        if pinned is not None and registry.resolve(session, name, team_id=team_id) is not None:
            raise ToolFailure("unknown_tool", f"tool {name}@{pinned} does not exist")
        raise ToolFailure("unknown_tool", f"there is no tool named {name!r}; available: {', '.join(ctx.allowed_tools)}")
    if not allowed:
        raise ToolFailure(
            "tool_not_allowed", f"this agent may not use {name!r}; allowed tools: {', '.join(ctx.allowed_tools)}"
        )
    if not tool.is_active and pinned is None:
        raise ToolFailure("unknown_tool", f"tool {name!r} is retired")
    if not isinstance(arguments, dict):
        raise ToolFailure("invalid_arguments", "arguments must be a JSON object")
    problem = validation_message(tool.parameters_schema, arguments)
    if problem:
        raise ToolFailure("invalid_arguments", problem)
    if _has_nul(arguments):
        raise ToolFailure("invalid_arguments", "arguments must not contain NUL characters")
    override = project_policies.get(session, ctx.project_id, tool.name)  # a fork's edit of the tool's policy
    project_policies.check_arguments(override, tool.name, arguments)
    return Invocation(
        ctx=ctx,
        tool_name=tool.name,
        tool_version=tool.version,
        kind=tool.kind,
        config=dict(tool.config),
        arguments=arguments,
        team_id=team_id,
        mcp_server_id=tool.mcp_server_id,
        idempotency_key=idempotency_key(ctx.call_key) if tool.side_effects else None,
        result_schema=tool.result_schema,
        needs_approval=approval_gate.gated(tool, override),
    )


def check_result(schema: dict[str, Any], kind: str, content: str) -> None:
    """A tool version with a ``result_schema`` promises JSON matching it (an http tool: its
    response body); anything else is the specific error ``invalid_result``."""
    text = content.split("\n\n", 1)[1] if kind == ToolKind.http.value and "\n\n" in content else content
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ToolFailure(
            "invalid_result", f"the tool's result is not JSON ({exc.msg}); its result_schema needs JSON"
        ) from exc
    errors = sorted(Draft202012Validator(schema).iter_errors(value), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"- {'/'.join(str(p) for p in e.absolute_path) or '(result)'}: {e.message}" for e in errors[:5]]
        raise ToolFailure("invalid_result", "the tool's result does not match its result_schema:\n" + "\n".join(lines))


def _replay(session: Session, call_key: str) -> ToolResult | None:
    prior = session.exec(select(ToolCall).where(ToolCall.call_key == call_key)).first()
    if prior is None or prior.status == ToolCallStatus.running.value:
        return None
    return ToolResult(
        ok=prior.status == ToolCallStatus.ok.value,
        content=prior.content,
        error_code=prior.error_code,
        replayed=True,
        artifact_path=prior.artifact_path,
    )


def _mark_running(session: Session, inv: Invocation) -> None:
    """Insert the call row (or bump attempts when a crashed attempt left it running)."""
    ctx = inv.ctx
    values = {
        "id": uuid.uuid4(),
        "call_key": ctx.call_key,
        "project_id": ctx.project_id,
        "task_id": ctx.task_id,
        "agent_id": ctx.agent_id,
        "tool_name": inv.tool_name,
        "tool_version": inv.tool_version,
        "arguments": redact(inv.arguments, []),
        "status": ToolCallStatus.running.value,
        "content": "",
        "idempotency_key": inv.idempotency_key,
        "attempts": 1,
        "started_at": utcnow(),
    }
    stmt = insert(ToolCall).values(**values)
    stmt = stmt.on_conflict_do_update(
        index_elements=["call_key"],
        set_={"attempts": ToolCall.__table__.c.attempts + 1, "started_at": values["started_at"]},
    )
    session.execute(stmt)


def _finish(
    *,
    ctx: ToolContext,
    name: str,
    inv: Invocation | None,
    arguments: Any,
    ok: bool,
    content: str,
    error_code: str | None,
    duration_ms: float,
    started_at: datetime,
) -> ToolResult:
    """Record the outcome (truncating into an artifact when long) and emit the event."""
    secrets = inv.secrets if inv else []
    content = scrub(content, secrets)
    max_chars = int((inv.config if inv else {}).get("max_result_chars", get_settings().tool_max_result_chars))
    artifact_path: str | None = None
    with session_scope() as session:
        if len(content) > max_chars and ctx.project_id is not None:
            safe_key = re.sub(r"[^A-Za-z0-9_.-]", "_", ctx.call_key)[:200]
            artifact_path = f"tool-results/{safe_key}.txt"
            write_artifact(session, project_id=ctx.project_id, path=artifact_path, content=content, task_id=ctx.task_id)
            content = (
                content[:max_chars]
                + f"\n[truncated: {len(content)} characters in total; the full result is the project file "
                f"{artifact_path!r} (read it with project_files)]"
            )
        elif len(content) > max_chars:
            content = content[:max_chars] + f"\n[truncated: {len(content)} characters in total]"
        tool_name = inv.tool_name if inv else scrub(str(name), [])[:64]
        tool_version = inv.tool_version if inv else None
        outcome = {
            "arguments": redact(
                arguments if isinstance(arguments, dict) else {"_raw": repr(arguments)[:2000]}, secrets
            ),
            "status": (ToolCallStatus.ok if ok else ToolCallStatus.error).value,
            "error_code": error_code,
            "content": content,
            "artifact_path": artifact_path,
            "duration_ms": duration_ms,
            "finished_at": utcnow(),
            "tool_version": tool_version,
        }
        stmt = insert(ToolCall).values(
            id=uuid.uuid4(),
            call_key=ctx.call_key,
            project_id=ctx.project_id,
            task_id=ctx.task_id,
            agent_id=ctx.agent_id,
            tool_name=tool_name,
            idempotency_key=inv.idempotency_key if inv else None,
            attempts=1,
            started_at=started_at,
            **outcome,
        )
        session.execute(stmt.on_conflict_do_update(index_elements=["call_key"], set_=outcome))
        payload = {
            "tool": tool_name,
            "version": tool_version,
            "call_key": ctx.call_key,
            "duration_ms": round(duration_ms, 2),
            "error_code": error_code,
            # the task drawer shows the call live (excerpts; the full call is in tool_calls)
            "arguments": json.dumps(outcome["arguments"], default=str)[:EVENT_EXCERPT],
            "result": content[:EVENT_EXCERPT] if ok else "",
        }
        if not ok:
            payload["message"] = content[:300]
        events.emit(
            session,
            EventKind.TOOL_COMPLETED if ok else EventKind.TOOL_FAILED,
            project_id=ctx.project_id,
            task_id=ctx.task_id,
            actor=f"agent:{ctx.agent_id}" if ctx.agent_id else "system",
            payload=payload,
        )
    return ToolResult(ok=ok, content=content, error_code=error_code, replayed=False, artifact_path=artifact_path)


# --- the entry point ------------------------------------------------------------------------


async def execute_tool(ctx: ToolContext, name: str, arguments: dict[str, Any]) -> ToolResult:
    """Run one tool call for an agent; see the module docstring for the steps."""
    started, started_at, started_ns = time.perf_counter(), utcnow(), time.time_ns()
    ctx = dataclasses.replace(ctx, call_key=durable_key(ctx.call_key))
    inv: Invocation | None = None
    try:
        with session_scope() as session:
            replayed = _replay(session, ctx.call_key)
            if replayed is not None:
                return replayed
            inv = _prepare(session, ctx, name, arguments)
            approval_gate.check(session, inv)
            if inv.idempotency_key:  # side effects: record the attempt before acting
                _mark_running(session, inv)
        events.publish_transient(
            EventKind.TOOL_STARTED,
            {"tool": inv.tool_name, "version": inv.tool_version, "call_key": ctx.call_key, "task_id": str(ctx.task_id)},
            project_id=ctx.project_id,
        )
        _check_rate(inv.team_id, inv.tool_name, inv.config.get("rate_limit_per_min"))
        runner = RUNNERS[inv.kind]
        timeout = float(inv.config.get("timeout_s", get_settings().tool_timeout_s))
        if inv.kind == ToolKind.python.value:  # the sandbox kills on its own wall limit first
            timeout = max(timeout, float(inv.config.get("wall_s", 20)) + 10)
        elif inv.kind == ToolKind.mcp.value:  # mcp.call times the call itself; starting a server may add more
            timeout += get_settings().mcp_connect_timeout_s + 5
        try:
            content = await asyncio.wait_for(runner(inv), timeout=timeout)
        except TimeoutError as exc:
            raise ToolFailure("timeout", f"{inv.tool_name} did not finish within {timeout:g} s") from exc
        if inv.result_schema:
            check_result(inv.result_schema, inv.kind, content)
        ok, error_code = True, None
    except ToolFailure as failure:
        ok, error_code, content = False, failure.code, failure.message
    except ToolApprovalRequired:  # nothing ran and nothing is recorded: the task waits for a person
        raise
    except Exception as exc:  # a bug or an infrastructure fault: recorded, never raised to the loop
        log.exception("tool %s failed unexpectedly (call_key=%s)", name, ctx.call_key)
        ok, error_code, content = False, "internal_error", f"the tool failed unexpectedly ({type(exc).__name__})"
    duration_ms = (time.perf_counter() - started) * 1000
    metrics.tool_call(inv.tool_name if inv else "unknown", error_code or "ok", duration_ms / 1000)
    tracing.record(
        f"execute_tool {name}"[:200],
        start_ns=started_ns,
        end_ns=time.time_ns(),
        attributes={"gen_ai.operation.name": "execute_tool", "gen_ai.tool.name": name, "error.type": error_code},
        error=error_code,  # the code only: a result's text stays out of the exported trace
    )
    return _finish(
        ctx=ctx,
        name=name,
        inv=inv,
        arguments=arguments,
        ok=ok,
        content=content,
        error_code=error_code,
        duration_ms=duration_ms,
        started_at=started_at,
    )


def tool_message(tool_call_id: str, name: str, result: ToolResult) -> dict[str, Any]:
    """The chat message that returns a result to the model."""
    content = result.content if result.ok else f"ERROR [{result.error_code}]: {result.content}"
    return {"role": "tool", "tool_call_id": tool_call_id, "name": name, "content": content}
