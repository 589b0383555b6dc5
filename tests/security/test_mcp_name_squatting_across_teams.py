"""Attack: MCP server names were unique across the whole deployment, so one team could squat a
name (``github``) before another team registers it, and learn from the refusal which names
other teams use (the tools ``github__*`` were squattable the same way). Names are now unique per
team: team B registers the same name as team A, gets its tools, and neither listing nor any
refusal reveals the other team's servers."""

from __future__ import annotations

import sys

import pytest
from sqlmodel import Session

from berrys_app.domain.accounts import Role, Team, TeamMember
from berrys_app.domain.tools import McpServerCreate
from berrys_app.services.errors import Conflict
from berrys_app.services.tools import execute_tool, list_mcp_servers, register_mcp_server
from tests.tools.mcp_http import SERVER


def _github() -> McpServerCreate:
    return McpServerCreate(name="github", transport="stdio", command=sys.executable, args=[SERVER], timeout_s=20)


async def test_team_b_registers_the_name_team_a_took_and_sees_only_its_own(session: Session, world) -> None:
    squatter = Team(name="Squatter")
    session.add(squatter)
    session.flush()
    session.add(TeamMember(team_id=squatter.id, user_id=world.outsider.user_id, role=Role.owner.value))
    session.commit()

    theirs = await register_mcp_server(session, world.outsider, team_id=squatter.id, data=_github())
    ours = await register_mcp_server(session, world.admin, team_id=world.team_id, data=_github())

    assert ours.name == theirs.name == "github" and ours.id != theirs.id
    assert ours.status == theirs.status == "ok" and ours.last_error is None, ours.last_error
    assert "github__add" in ours.tool_names  # its tools too: names are per team in the registry
    added = await execute_tool(world.approved_ctx(session, allowed=["github__add"]), "github__add", {"a": 2, "b": 3})
    assert added.ok and added.content.strip() == "5", added.content
    assert [s.id for s in list_mcp_servers(session, world.admin, team_id=world.team_id)] == [ours.id]
    assert [s.id for s in list_mcp_servers(session, world.outsider, team_id=squatter.id)] == [theirs.id]
    # within one team the name stays unique
    with pytest.raises(Conflict) as again:
        await register_mcp_server(session, world.admin, team_id=world.team_id, data=_github())
    assert "this team already has" in again.value.message
