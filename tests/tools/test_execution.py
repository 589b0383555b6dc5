"""The one execution path: bad input becomes a recorded, specific error; completed calls
are replayed by call_key; long results are truncated into an artifact; events are emitted."""

from __future__ import annotations

import uuid

from sqlmodel import Session, select

from berrys_app.domain.events import Event
from berrys_app.domain.tools import Artifact, ToolCall, ToolCreate, ToolKind
from berrys_app.services.tools import ToolContext, execute_tool, register_tool


def _call(session: Session, key: str) -> ToolCall:
    session.expire_all()
    row = session.exec(select(ToolCall).where(ToolCall.call_key == key)).one()
    return row


async def test_unknown_tool_is_a_recorded_error(session: Session, world) -> None:
    ctx = world.ctx("k:unknown")
    result = await execute_tool(ctx, "teleport", {"where": "mars"})
    assert (result.ok, result.error_code) == (False, "unknown_tool")
    assert "no tool named 'teleport'" in result.content
    row = _call(session, "k:unknown")
    assert (row.status, row.error_code, row.tool_name) == ("error", "unknown_tool", "teleport")


async def test_disallowed_tool_is_refused_before_running(session: Session, world) -> None:
    result = await execute_tool(world.ctx("k:na", allowed=["search_outputs"]), "python", {"code": "print(1)"})
    assert result.error_code == "tool_not_allowed"
    assert "allowed tools: search_outputs" in result.content
    assert _call(session, "k:na").status == "error"


async def test_schema_invalid_arguments_explain_what_to_fix(session: Session, world) -> None:
    result = await execute_tool(world.ctx("k:bad"), "python", {"cod": "print(1)"})
    assert result.error_code == "invalid_arguments"
    assert "'code' is a required property" in result.content
    assert "expected parameters: code (string)" in result.content
    wrong_type = await execute_tool(world.ctx(), "search_outputs", {"query": "x", "limit": 99})
    assert wrong_type.error_code == "invalid_arguments"
    assert "limit: 99 is greater than the maximum of 20" in wrong_type.content
    not_object = await execute_tool(world.ctx(), "python", ["print(1)"])  # type: ignore[arg-type]
    assert not_object.error_code == "invalid_arguments"


async def test_same_call_key_replays_instead_of_rerunning(session: Session, world) -> None:
    code = "import random; print(random.random())"
    first = await execute_tool(world.ctx("task:t1:tool:0:0"), "python", {"code": code})
    again = await execute_tool(world.ctx("task:t1:tool:0:0"), "python", {"code": code})
    other = await execute_tool(world.ctx("task:t1:tool:1:0"), "python", {"code": code})
    assert first.ok and not first.replayed
    assert again.replayed and again.content == first.content
    assert other.content != first.content
    assert _call(session, "task:t1:tool:0:0").attempts == 1


async def test_errors_are_replayed_too(session: Session, world) -> None:
    first = await execute_tool(world.ctx("k:err"), "python", {"code": "raise SystemExit('boom')"})
    again = await execute_tool(world.ctx("k:err"), "python", {"code": "print('different')"})
    assert first.error_code == "python_error" and "boom" in first.content
    assert again.replayed and again.error_code == "python_error"


async def test_long_result_is_truncated_and_kept_whole_as_a_file(session: Session, world) -> None:
    result = await execute_tool(world.ctx("task:big:tool:0:0"), "python", {"code": "print('ab' * 10000)"})
    assert result.ok and result.artifact_path == "tool-results/task_big_tool_0_0.txt"
    assert len(result.content) < 8_300 and "[truncated: 20001 characters" in result.content
    session.expire_all()
    artifact = session.exec(select(Artifact).where(Artifact.path == result.artifact_path)).one()
    assert artifact.content == "ab" * 10000 + "\n"
    read_back = await execute_tool(
        world.ctx(), "project_files", {"action": "read", "path": "tool-results/task_big_tool_0_0.txt"}
    )
    assert read_back.content.startswith("abab")


async def test_rate_limit_per_tool(session: Session, world) -> None:
    register_tool(
        session,
        world.admin,
        team_id=world.team_id,
        data=ToolCreate(
            name="scarce",
            kind=ToolKind.search_outputs,
            parameters_schema={"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
            config={"rate_limit_per_min": 2},
        ),
    )
    session.commit()
    codes = [(await execute_tool(world.ctx(allowed=["scarce"]), "scarce", {"query": "x"})).error_code for _ in range(3)]
    assert codes == [None, None, "rate_limited"]


async def test_events_record_completion_and_failure(session: Session, world) -> None:
    await execute_tool(world.ctx("k:ev1"), "project_files", {"action": "list"})
    await execute_tool(world.ctx("k:ev2"), "teleport", {})
    session.expire_all()
    rows = session.exec(select(Event).where(Event.project_id == world.project_id).order_by(Event.id)).all()
    kinds = [(row.kind, row.payload["call_key"], row.payload["error_code"]) for row in rows]
    assert kinds == [("tool.completed", "k:ev1", None), ("tool.failed", "k:ev2", "unknown_tool")]


async def test_odd_call_keys_and_missing_project(session: Session, world) -> None:
    long_key = "task:" + "x" * 400
    first = await execute_tool(world.ctx(long_key), "project_files", {"action": "list"})
    again = await execute_tool(world.ctx(long_key), "project_files", {"action": "list"})
    assert first.ok and again.replayed  # shortened deterministically, still durable
    empty = ToolContext(project_id=world.project_id, task_id=None, agent_id=None, allowed_tools=["python"], call_key="")
    a = await execute_tool(empty, "python", {"code": "print(1)"})
    b = await execute_tool(empty, "python", {"code": "print(2)"})
    assert (a.content.strip(), b.content.strip(), b.replayed) == ("1", "2", False)  # empty key = not durable
    ghost = ToolContext(project_id=uuid.uuid4(), task_id=None, agent_id=None, allowed_tools=["python"], call_key="g")
    missing = await execute_tool(ghost, "python", {"code": "print(1)"})
    assert missing.error_code == "unknown_project"
