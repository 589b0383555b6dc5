"""Attack (issue 17, finding 7): one team uses up another team's tool rate limit.

A tool visible to every team (registered by the operator, ``team_id`` NULL) with a rate
limit had one ``tool:{name}`` bucket for all teams: team B calling it until refused made team
A's next call fail with ``rate_limited``. Now each team has its own bucket.
"""

from __future__ import annotations

from sqlmodel import Session

from berrys_app.domain.tools import Tool, ToolKind
from berrys_app.services.tools import execute_tool
from tests.security.helpers import team_with_project


async def test_team_b_exhausting_its_bucket_does_not_limit_team_a(session: Session) -> None:
    session.add(
        Tool(
            name="shared_search",
            kind=ToolKind.search_outputs.value,
            parameters_schema={"type": "object", "properties": {"query": {"type": "string"}}, "required": ["query"]},
            config={"rate_limit_per_min": 2},
        )
    )
    session.commit()
    team_a, team_b = team_with_project(session, "A"), team_with_project(session, "B")
    args = {"query": "anything"}
    for _ in range(2):
        assert (await execute_tool(team_b.ctx("shared_search"), "shared_search", args)).ok
    refused = await execute_tool(team_b.ctx("shared_search"), "shared_search", args)
    assert refused.error_code == "rate_limited"  # B's own bucket is empty

    result = await execute_tool(team_a.ctx("shared_search"), "shared_search", args)
    assert result.ok, f"team A was rate limited by team B's calls: {result.error_code}: {result.content}"
