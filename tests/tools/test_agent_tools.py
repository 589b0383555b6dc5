"""Agents can be given tools: admins set an agent's allowed tools (service and REST, checked
against the registry), and the engine gives an agent it creates the team's tools whose
capabilities match the task, so a scripted model calls a team http tool through real workers."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from berrys_app.domain.tools import ToolCreate, ToolKind
from berrys_app.domain.work import Agent
from berrys_app.services.errors import Forbidden, NotFound, ValidationFailed
from berrys_app.services.models import scripted
from berrys_app.services.tools import register_tool, set_agent_tools
from tests.api.conftest import api_app, client  # noqa: F401  (fixtures)
from tests.api.world import build_world
from tests.engine.conftest import team, wait_for, workers  # noqa: F401  (fixtures)
from tests.engine.helpers import fresh, project_row, start_project, status_is, tasks_of

HTTP_SCHEMA = {
    "type": "object",
    "properties": {"method": {"type": "string"}, "url": {"type": "string"}, "body": {"type": "string"}},
    "required": ["method", "url"],
}


def _team_http_tool(session: Session, admin, team_id, host: str, name: str, capabilities: list[str]) -> None:
    register_tool(
        session,
        admin,
        team_id=team_id,
        data=ToolCreate(
            name=name,
            kind=ToolKind.http,
            side_effects=True,
            capabilities=capabilities,
            parameters_schema=HTTP_SCHEMA,
            config={"allowed_hosts": [host]},
        ),
    )


def test_admins_set_an_agents_tools_checked_against_the_registry(session: Session, world) -> None:
    agent = Agent(team_id=world.team_id, name="helper-1", role="Helper", capabilities=["general"])
    session.add(agent)
    session.commit()
    _team_http_tool(session, world.admin, world.team_id, "api.example.com", "crm", ["crm"])
    _team_http_tool(session, world.admin, world.team_id, "api.example.com", "crm", ["crm"])  # version 2

    done = set_agent_tools(
        session, world.admin, team_id=world.team_id, agent_id=agent.id, allowed_tools=["python", "crm@1"]
    )
    assert done.allowed_tools == ["python", "crm@1"]
    session.refresh(agent)
    assert agent.allowed_tools == ["python", "crm@1"]
    for refs, word in ((["nope"], "nope"), (["crm@9"], "crm@9"), (["crm", "crm@2"], "twice")):
        with pytest.raises(ValidationFailed) as refused:
            set_agent_tools(session, world.admin, team_id=world.team_id, agent_id=agent.id, allowed_tools=refs)
        assert word in refused.value.message
    with pytest.raises(Forbidden):
        set_agent_tools(session, world.member, team_id=world.team_id, agent_id=agent.id, allowed_tools=["python"])
    with pytest.raises(NotFound):  # another team's admin does not even learn that the agent exists
        set_agent_tools(session, world.outsider, team_id=world.team_id, agent_id=agent.id, allowed_tools=[])
    session.refresh(agent)
    assert agent.allowed_tools == ["python", "crm@1"]  # unchanged by every refusal


async def test_rest_sets_an_agents_tools(client, session: Session) -> None:  # noqa: F811
    world = build_world(session)
    url = f"/api/v1/teams/{world.team_a}/agents/{world.agent_id}/tools"
    r = await client.put(
        url, json={"allowed_tools": ["python", "search_outputs"]}, headers=world.people["admin"].headers
    )
    assert r.status_code == 200, r.text
    assert r.json()["allowed_tools"] == ["python", "search_outputs"]
    assert session.get(Agent, world.agent_id).allowed_tools == ["python", "search_outputs"]
    r = await client.put(url, json={"allowed_tools": ["missing_tool"]}, headers=world.people["admin"].headers)
    assert r.status_code == 422 and "missing_tool" in r.json()["message"]
    r = await client.put(url, json={"allowed_tools": []}, headers=world.people["member"].headers)
    assert r.status_code == 403


PLAN = {"tasks": [{"id": "bill", "title": "Bill the customer", "capabilities": ["billing"]}]}


def test_engine_agent_gets_the_team_tool_matching_its_task(session: Session, team, workers, http_server) -> None:  # noqa: F811
    """No agent row is inserted by the test: assemble_team creates one from a template and adds
    the team's tool whose capability matches the task; the model calls it through a real worker."""
    _team_http_tool(session, team.admin, team.team_id, http_server.host, "billing_api", ["billing"])
    _team_http_tool(session, team.admin, team.team_id, http_server.host, "unrelated_api", ["weather"])
    bill = {"name": "billing_api", "arguments": {"method": "POST", "url": f"{http_server.url}/invoice", "body": "7"}}
    scripted.rule("biller", contains="one final deliverable", step={"content": "FINAL"})
    scripted.push("biller", {"tool_calls": [bill]}, {"content": "invoiced"})
    workers.start("w1")
    project_id = start_project(session, team.member, team.team_id, PLAN, model="scripted/biller")
    wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=90, what="project to finish")
    assert project_row(project_id).status == "completed", workers.logs()
    task = tasks_of(project_id)["bill"]
    assert task.output == "invoiced"
    assert http_server.count("/invoice") == 1
    agent = fresh(lambda s: s.exec(select(Agent).where(Agent.id == task.agent_id)).one())
    assert "billing_api" in agent.allowed_tools and "unrelated_api" not in agent.allowed_tools
    after_tool = scripted.requests("biller")[1]  # the model's second call saw the tool's answer
    assert any(m.get("role") == "tool" and "HTTP 200" in str(m.get("content")) for m in after_tool)
