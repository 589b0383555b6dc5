"""Tool replay through the production loop (``engine.agent_loop.run_agent`` in a real worker): a task
whose side-effect tool call was recorded, then its worker SIGKILLed, is re-run by another
worker; the recorded model and tool calls replay, the side effect happened once, and the
task completes."""

from __future__ import annotations

from sqlmodel import Session, select

from berrys_app.domain.tools import ToolCall, ToolCreate, ToolKind
from berrys_app.domain.work import Agent
from berrys_app.services.models import scripted
from berrys_app.services.tools import register_tool
from tests.engine.conftest import team, wait_for, workers  # noqa: F401  (fixtures)
from tests.engine.helpers import events_of, fresh, project_row, start_project, status_is, tasks_of

PLAN = {"tasks": [{"id": "charge", "title": "Charge the card", "capabilities": ["payer"]}]}


def _payments_tool(session: Session, team, host: str) -> None:  # noqa: F811
    register_tool(
        session,
        team.admin,
        team_id=team.team_id,
        data=ToolCreate(
            name="payments",
            kind=ToolKind.http,
            side_effects=True,
            approval_policy="never",  # the replay is the point here; the gate: test_tool_approvals
            parameters_schema={
                "type": "object",
                "properties": {"method": {"type": "string"}, "url": {"type": "string"}, "body": {"type": "string"}},
                "required": ["method", "url"],
            },
            config={"allowed_hosts": [host]},
        ),
    )
    session.commit()
    session.add(
        Agent(team_id=team.team_id, name="payer-1", role="Payer", capabilities=["payer"], allowed_tools=["payments"])
    )
    session.commit()


def _tool_row(task_id) -> ToolCall | None:
    return fresh(lambda s: s.exec(select(ToolCall).where(ToolCall.call_key == f"task:{task_id}:tool:0:0")).first())


def test_killed_worker_rerun_replays_the_recorded_tool_call(session: Session, team, workers, http_server) -> None:  # noqa: F811
    _payments_tool(session, team, http_server.host)
    charge = {"name": "payments", "arguments": {"method": "POST", "url": f"{http_server.url}/charge", "body": "10"}}
    scripted.rule("payer", contains="one final deliverable", step={"content": "FINAL"})
    # step 0 charges; step 1 hangs long enough for the test to SIGKILL the worker mid-task
    scripted.push("payer", {"tool_calls": [charge]}, {"content": "too late", "delay": 120})
    workers.start("w1")
    project_id = start_project(session, team.member, team.team_id, PLAN, model="scripted/payer", max_task_attempts=10)
    task_id = wait_for(
        lambda: tasks_of(project_id).get("charge") and tasks_of(project_id)["charge"].id, timeout=90, what="task"
    )
    wait_for(
        lambda: (row := _tool_row(task_id)) is not None and row.status == "ok", timeout=90, what="the recorded charge"
    )
    wait_for(
        lambda: scripted.calls("payer") >= 2, timeout=90, what="the model call after the tool"
    )  # now inside the delay
    assert http_server.count("/charge") == 1
    workers.kill9("w1")

    # what any re-run's next (new) model call answers: it sees the (replayed) tool result
    scripted.rule("payer", contains="HTTP 200", step={"content": "charged"})
    workers.start("w2")
    try:
        wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=120, what="project to finish")
    except AssertionError:
        task = tasks_of(project_id)["charge"]
        raise AssertionError((task.status, task.attempt, task.leased_by, workers.logs()[-4000:])) from None
    project = project_row(project_id)
    history = [(e.kind, str(e.payload)[:300]) for e in events_of(project_id)]
    assert project.status == "completed", (project.status_reason, history, workers.logs()[-3000:])
    task = tasks_of(project_id)["charge"]
    assert task.output == "charged" and task.attempt >= 2  # really re-run, by another attempt
    assert http_server.count("/charge") == 1  # the side effect happened once
    row = _tool_row(task_id)
    assert (row.status, row.attempts) == ("ok", 1)
    # the killed run's step 1 and the re-run's step 1 both saw the tool result (replayed the second time)
    with_result = [
        messages
        for messages in scripted.requests("payer")
        if any(m.get("role") == "tool" and "HTTP 200" in str(m.get("content")) for m in messages)
    ]
    assert len(with_result) >= 2
