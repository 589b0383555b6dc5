"""The human gate over REST with real worker processes and a real target server: approving a
waiting side-effect call runs it exactly once; rejecting it fails the call with the person's
reason, which the agent sees; a worker SIGKILLed while the call waits loses nothing; a member
retrying the task is refused (it needs the approval's deciding role); an MCP call names its server."""

from __future__ import annotations

import dataclasses
import sys
import uuid

import pytest
from sqlmodel import Session, delete, select

from berrys_app.domain.collab import Approval
from berrys_app.domain.tools import McpServerCreate, ToolCall
from berrys_app.services.errors import ToolApprovalRequired
from berrys_app.services.models import scripted
from berrys_app.services.tools import execute_tool, register_mcp_server
from tests.engine.conftest import team, wait_for, workers  # noqa: F401  (fixtures)
from tests.engine.helpers import fresh, project_row, start_project, status_is, tasks_of
from tests.security.helpers import http_agent, plan
from tests.tools.conftest import Recorder, bearer, register_http_tool
from tests.tools.mcp_http import SERVER


def _waiting_charge(session: Session, team, server: Recorder, model: str) -> tuple[uuid.UUID, Approval]:  # noqa: F811
    """A project whose agent's side-effect POST waits in the inbox; returns it and the approval."""
    http_agent(
        session, team.admin, team.team_id, tool="payments", hosts=[server.host], capability="payer", side_effects=True
    )
    charge = {"method": "POST", "url": f"{server.url}/charge", "body": "100 EUR"}
    scripted.rule(model, contains="one final deliverable", step={"content": "FINAL"})
    scripted.push(model, {"tool_calls": [{"name": "payments", "arguments": charge}]})
    project_id = start_project(session, team.member, team.team_id, plan("payer"), model=f"scripted/{model}")
    wait_for(lambda: tasks_of(project_id)["work"].status == "waiting_approval", timeout=90, what="the call to wait")
    [approval] = fresh(
        lambda s: list(s.exec(select(Approval).where(Approval.project_id == project_id, Approval.kind == "tool")))
    )
    return project_id, approval


def _call(task_id: uuid.UUID) -> ToolCall:
    return fresh(lambda s: s.exec(select(ToolCall).where(ToolCall.call_key == f"task:{task_id}:tool:0:0")).one())


async def test_approving_over_rest_runs_the_call_exactly_once(session: Session, team, workers, http_server, api):  # noqa: F811
    workers.start("w1")
    project_id, approval = _waiting_charge(session, team, http_server, "gate-approve")
    assert http_server.count("/charge") == 0
    inbox = await api.get(f"/api/v1/teams/{team.team_id}/approvals", headers=bearer(team.admin))
    [listed] = [row for row in inbox.json()["data"] if row["kind"] == "tool"]
    assert (listed["kind"], listed["details"]["tool"], listed["details"]["target"]) == (
        "tool",
        "payments",
        http_server.host,
    )
    refused = await api.post(f"/api/v1/approvals/{approval.id}/approve", headers=bearer(team.member))
    assert refused.status_code == 403  # deciding a tool call needs an admin
    task_id = tasks_of(project_id)["work"].id
    retried = await api.post(f"/api/v1/projects/{project_id}/tasks/{task_id}/retry", headers=bearer(team.member))
    # retrying past a pending approval needs its deciding role: a member cannot get around it
    assert retried.status_code == 403 and "tool approval" in retried.json()["message"], retried.text
    assert tasks_of(project_id)["work"].status == "waiting_approval"
    still = fresh(lambda s: s.get(Approval, approval.id))
    assert still.status == "pending" and http_server.count("/charge") == 0

    scripted.push("gate-approve", {"content": "charged"})
    decided = await api.post(f"/api/v1/approvals/{approval.id}/approve", headers=bearer(team.admin))
    assert decided.status_code == 200, decided.text
    wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=90, what="project to finish")
    assert project_row(project_id).status == "completed", workers.logs()
    task = tasks_of(project_id)["work"]
    assert task.output == "charged"
    assert http_server.count("/charge") == 1
    call = _call(task.id)
    assert (call.status, call.attempts) == ("ok", 1)
    again = await api.post(f"/api/v1/approvals/{approval.id}/approve", headers=bearer(team.admin))
    assert again.status_code == 409  # decided once


async def test_rejecting_fails_the_call_with_the_reason_the_agent_sees(
    session: Session,
    team,  # noqa: F811
    workers,  # noqa: F811
    http_server,
    api,
):
    workers.start("w1")
    project_id, approval = _waiting_charge(session, team, http_server, "gate-reject")
    no_reason = await api.post(
        f"/api/v1/approvals/{approval.id}/reject", headers=bearer(team.admin), json={"reason": ""}
    )
    assert no_reason.status_code == 422
    scripted.push("gate-reject", {"content": "not charged, as the person asked"})
    rejected = await api.post(
        f"/api/v1/approvals/{approval.id}/reject",
        headers=bearer(team.admin),
        json={"reason": "we never pay on Sundays"},
    )
    assert rejected.status_code == 200, rejected.text
    wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=90, what="project to finish")
    assert project_row(project_id).status == "completed", workers.logs()
    task = tasks_of(project_id)["work"]
    assert http_server.count("/charge") == 0
    call = _call(task.id)
    assert call.error_code == "rejected_by_person" and "we never pay on Sundays" in call.content
    seen = "\n".join(str(m.get("content")) for msgs in scripted.requests("gate-reject") for m in msgs)
    assert "rejected_by_person" in seen and "we never pay on Sundays" in seen


async def test_a_worker_killed_while_the_call_waits_loses_nothing(
    session: Session,
    team,  # noqa: F811
    workers,  # noqa: F811
    http_server,
    api,
):
    workers.start("w1")
    project_id, approval = _waiting_charge(session, team, http_server, "gate-kill")
    workers.kill9("w1")
    workers.start("w2")
    scripted.push("gate-kill", {"content": "charged after the restart"})
    decided = await api.post(f"/api/v1/approvals/{approval.id}/approve", headers=bearer(team.admin))
    assert decided.status_code == 200, decided.text
    wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=90, what="project to finish")
    assert project_row(project_id).status == "completed", workers.logs()
    assert http_server.count("/charge") == 1
    assert tasks_of(project_id)["work"].output == "charged after the restart"


async def test_an_mcp_call_names_its_server_as_the_target(session: Session, world) -> None:
    server = await register_mcp_server(
        session,
        world.admin,
        team_id=world.team_id,
        data=McpServerCreate(name="berry", transport="stdio", command=sys.executable, args=[SERVER], timeout_s=20),
    )
    assert server.status == "ok", server.last_error
    ctx = dataclasses.replace(world.ctx(allowed=["berry__add"]), task_id=uuid.uuid4())
    with pytest.raises(ToolApprovalRequired) as waiting:
        await execute_tool(ctx, "berry__add", {"a": 2, "b": 40})
    details = waiting.value.details
    assert (details["tool"], details["target"], details["arguments"]) == (
        "berry__add",
        "MCP server berry",
        {"a": 2, "b": 40},
    )
    assert fresh(lambda s: s.exec(select(ToolCall).where(ToolCall.call_key == ctx.call_key)).first()) is None


async def test_a_recorded_call_replays_without_asking_again(session: Session, world, http_server) -> None:
    register_http_tool(session, world, [http_server.host], name="payments", side_effects=True)
    ctx = world.approved_ctx(session, allowed=["payments"])
    charge = {"method": "POST", "url": f"{http_server.url}/charge"}
    first = await execute_tool(ctx, "payments", charge)
    assert first.ok and http_server.count("/charge") == 1
    session.exec(delete(Approval))  # whatever happens to the inbox later, the recorded call stands
    session.commit()
    again = await execute_tool(ctx, "payments", charge)
    assert again.replayed and again.content == first.content and http_server.count("/charge") == 1
