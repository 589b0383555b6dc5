"""Agents can be given tools: admins set an agent's allowed tools, and their team's list for a
template (service and REST, checked against the registry); the engine gives an agent it
creates that list plus the team's tools whose capabilities match the task, so a scripted model
calls a team http tool through real workers."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from berrys_app.domain.tools import ToolCreate, ToolKind
from berrys_app.domain.work import Agent, AgentTemplate
from berrys_app.services.agents import list_template_tools, seed_templates
from berrys_app.services.errors import Forbidden, NotFound, ValidationFailed
from berrys_app.services.models import scripted
from berrys_app.services.tools import register_tool, set_agent_tools, set_template_tools
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
            approval_policy="never",  # the human gate has its own tests (test_tool_approvals)
            capabilities=capabilities,
            parameters_schema=HTTP_SCHEMA,
            config={"allowed_hosts": [host]},
        ),
    )
    session.commit()


def test_admins_set_an_agents_tools_checked_against_the_registry(session: Session, world) -> None:
    agent = Agent(team_id=world.team_id, name="helper-1", role="Helper", capabilities=["general"])
    session.add(agent)
    session.commit()
    _team_http_tool(session, world.admin, world.team_id, "api.example.com", "crm", ["crm"])
    _team_http_tool(session, world.admin, world.team_id, "api.example.com", "crm", ["crm"])  # version 2

    done = set_agent_tools(
        session, world.admin, team_id=world.team_id, agent_id=agent.id, allowed_tools=["python", "crm@1"]
    )
    session.commit()
    assert done.allowed_tools == ["python", "crm@1"]
    session.refresh(agent)
    assert agent.allowed_tools == ["python", "crm@1"]
    for refs, word in ((["nope"], "nope"), (["crm@9"], "crm@9"), (["crm", "crm@2"], "twice")):
        with pytest.raises(ValidationFailed) as refused:
            set_agent_tools(session, world.admin, team_id=world.team_id, agent_id=agent.id, allowed_tools=refs)
            session.commit()
        assert word in refused.value.message
    with pytest.raises(Forbidden):
        set_agent_tools(session, world.member, team_id=world.team_id, agent_id=agent.id, allowed_tools=["python"])
        session.commit()
    with pytest.raises(NotFound):  # another team's admin does not even learn that the agent exists
        set_agent_tools(session, world.outsider, team_id=world.team_id, agent_id=agent.id, allowed_tools=[])
        session.commit()
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
    templates = f"/api/v1/teams/{world.team_a}/agent-templates"
    r = await client.put(
        f"{templates}/{world.template_id}/tools",
        json={"allowed_tools": ["python"]},
        headers=world.people["admin"].headers,
    )
    assert r.status_code == 200 and r.json()["allowed_tools"] == ["python"] and r.json()["team_override"]
    listed = (await client.get(f"{templates}/tools", headers=world.people["member"].headers)).json()["data"]
    assert {"template_id": str(world.template_id), "allowed_tools": ["python"]}.items() <= next(
        t for t in listed if t["template_id"] == str(world.template_id)
    ).items()


def _generalist(session: Session) -> AgentTemplate:
    seed_templates(session)
    return session.exec(select(AgentTemplate).where(AgentTemplate.name == "generalist")).one()


def test_a_team_sets_the_tools_of_a_templates_new_agents(session: Session, world) -> None:
    template = _generalist(session)
    own = list(template.allowed_tools)
    done = set_template_tools(
        session, world.admin, team_id=world.team_id, template_id=template.id, allowed_tools=["python"]
    )
    session.commit()
    assert (done.allowed_tools, done.team_override) == (["python"], True)
    listed = {t.name: t for t in list_template_tools(session, world.member, team_id=world.team_id)}
    assert listed["generalist"].allowed_tools == ["python"] and listed["generalist"].team_override
    session.refresh(template)
    assert template.allowed_tools == own  # the global template is untouched (other teams keep it)
    with pytest.raises(ValidationFailed):
        set_template_tools(session, world.admin, team_id=world.team_id, template_id=template.id, allowed_tools=["x"])
        session.commit()
    with pytest.raises(Forbidden):
        set_template_tools(session, world.member, team_id=world.team_id, template_id=template.id, allowed_tools=[])
        session.commit()
    reset = set_template_tools(session, world.admin, team_id=world.team_id, template_id=template.id, allowed_tools=None)
    session.commit()
    assert (reset.allowed_tools, reset.team_override) == (own, False)


PLAN = {"tasks": [{"id": "bill", "title": "Bill the customer", "capabilities": ["billing"]}]}


def test_engine_agent_gets_the_team_tool_matching_its_task(session: Session, team, workers, http_server) -> None:  # noqa: F811
    """No agent row is inserted by the test: assemble_team creates one from a template and adds
    the team's tool whose capability matches the task; the model calls it through a real worker."""
    _team_http_tool(session, team.admin, team.team_id, http_server.host, "billing_api", ["billing"])
    _team_http_tool(session, team.admin, team.team_id, http_server.host, "unrelated_api", ["weather"])
    generalist = _generalist(session)  # "billing" matches no template: the engine creates a generalist
    set_template_tools(
        session, team.admin, team_id=team.team_id, template_id=generalist.id, allowed_tools=["search_outputs"]
    )
    session.commit()
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
    assert agent.template_id == generalist.id
    assert agent.allowed_tools == ["search_outputs", "billing_api"]  # the team's template list + by capability
    after_tool = scripted.requests("biller")[1]  # the model's second call saw the tool's answer
    assert any(m.get("role") == "tool" and "HTTP 200" in str(m.get("content")) for m in after_tool)
