"""The function-calling loop with the scripted model emitting tool calls: tools run, results
go back to the model, and a retried task replays recorded calls instead of repeating them."""

from __future__ import annotations

import uuid

from sqlmodel import Session, select

from berrys_app.domain.tools import ToolCall, ToolCreate, ToolKind
from berrys_app.services.models import scripted
from berrys_app.services.tools import register_tool, run_function_calling


def _charge_tool(session: Session, world, host: str) -> None:
    register_tool(
        session,
        world.admin,
        team_id=world.team_id,
        data=ToolCreate(
            name="payments",
            kind=ToolKind.http,
            side_effects=True,
            parameters_schema={
                "type": "object",
                "properties": {"method": {"type": "string"}, "url": {"type": "string"}, "body": {"type": "string"}},
                "required": ["method", "url"],
            },
            config={"allowed_hosts": [host]},
        ),
    )


async def test_model_tool_calls_run_and_results_return(session: Session, world) -> None:
    scripted.push(
        "agent",
        {"tool_calls": [{"name": "python", "arguments": {"code": "print(6 * 7)"}}]},
        {"tool_calls": [{"name": "python", "arguments": {"cod": "oops"}}]},
        {
            "tool_calls": [
                {"name": "project_files", "arguments": {"action": "write", "path": "answer.txt", "content": "42"}}
            ]
        },
        {"content": "The answer is 42."},
    )
    outcome = await run_function_calling(
        task_id=uuid.uuid4(),
        project_id=world.project_id,
        messages=[{"role": "user", "content": "compute 6*7 and save it"}],
        allowed_tools=["python", "project_files"],
        model="scripted/agent",
    )
    assert (outcome.stopped, outcome.content, outcome.steps, outcome.tool_calls) == (
        "answered",
        "The answer is 42.",
        4,
        3,
    )
    tool_messages = [m for m in outcome.messages if m["role"] == "tool"]
    assert tool_messages[0]["content"].strip() == "42"
    assert tool_messages[1]["content"].startswith("ERROR [invalid_arguments]")  # the model can correct itself
    assert tool_messages[2]["content"] == "wrote answer.txt (2 bytes)"
    # the model saw the tool results
    last_request = scripted.requests("agent")[-1]
    assert any(m.get("role") == "tool" and m.get("content", "").strip() == "42" for m in last_request)


async def test_step_limit_stops_a_model_that_never_answers(session: Session, world) -> None:
    call = {"tool_calls": [{"name": "search_outputs", "arguments": {"query": "x"}}]}
    scripted.push("looper", call, call, call)
    outcome = await run_function_calling(
        task_id=uuid.uuid4(),
        project_id=world.project_id,
        messages=[{"role": "user", "content": "go"}],
        allowed_tools=["search_outputs"],
        model="scripted/looper",
        max_steps=3,
    )
    assert (outcome.stopped, outcome.steps, outcome.tool_calls) == ("step_limit", 3, 3)


async def test_retried_task_does_not_repeat_recorded_tool_calls(session: Session, world, http_server) -> None:
    _charge_tool(session, world, http_server.host)
    charge = {"name": "payments", "arguments": {"method": "POST", "url": f"{http_server.url}/charge", "body": "10"}}
    scripted.push("payer", {"tool_calls": [charge]})
    task_id = uuid.uuid4()
    request = {
        "task_id": task_id,
        "project_id": world.project_id,
        "messages": [{"role": "user", "content": "charge 10"}],
        "allowed_tools": ["payments"],
        "model": "scripted/payer",
    }
    crashed = await run_function_calling(**request, max_steps=1)  # the worker "dies" after step 0
    assert crashed.stopped == "step_limit" and http_server.count("/charge") == 1

    scripted.push("payer", {"content": "charged"})
    retried = await run_function_calling(**request)
    assert (retried.stopped, retried.content) == ("answered", "charged")
    assert retried.replayed_steps == [0]
    assert http_server.count("/charge") == 1  # the side effect happened once
    session.expire_all()
    row = session.exec(select(ToolCall).where(ToolCall.call_key == f"task:{task_id}:tool:0:0")).one()
    assert (row.status, row.attempts) == ("ok", 1)
