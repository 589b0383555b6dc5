"""Attack (issue 17, finding 4): team B gets team A's cached OAuth2 access token.

The token cache was keyed by (token_url, client_id) only. Team B registers an oauth2_client
credential with team A's client id and a wrong secret: before, B's request went out with A's
cached token. Now the cache is keyed by team, credential and a hash of the secret: B asks the
token endpoint itself, is refused (401), and its call fails with ``credential_error``.
"""

from __future__ import annotations

from sqlmodel import Session

from berrys_app.domain.tools import CredentialCreate
from berrys_app.services.tools import create_credential, execute_tool
from tests.security.helpers import TeamWithProject, team_with_project
from tests.tools.conftest import FULL_HTTP_PARAMETERS, recording_server, register_http_tool

A_TOKEN = "team-a-access-token-8f7e6d5c"


def _oauth_setup(session: Session, team: TeamWithProject, tool: str, url: str, host: str, secret: str) -> None:
    register_http_tool(session, team, [host], name=tool, parameters=FULL_HTTP_PARAMETERS)
    create_credential(
        session,
        team.admin,
        team_id=team.team_id,
        data=CredentialCreate(
            name="partner",
            kind="oauth2_client",
            secret={"client_id": "a-client", "client_secret": secret, "token_url": f"{url}/token"},
            allowed_hosts=[host],
        ),
    )
    session.commit()


async def test_team_b_does_not_get_team_a_cached_token(session: Session) -> None:
    team_a, team_b = team_with_project(session, "A"), team_with_project(session, "B")
    with recording_server() as server:
        server.token_clients = {"a-client:a-secret-1234567": A_TOKEN}
        _oauth_setup(session, team_a, "a_api", server.url, server.host, "a-secret-1234567")
        _oauth_setup(session, team_b, "b_api", server.url, server.host, "guessed-wrong-secret")
        call = {"method": "GET", "headers": {"Authorization": "Bearer ${credentials.partner}"}}

        first = await execute_tool(team_a.ctx("a_api"), "a_api", {**call, "url": f"{server.url}/a-data"})
        assert first.ok, first.content
        assert server.requests[-1]["headers"]["Authorization"] == f"Bearer {A_TOKEN}"

        stolen = await execute_tool(team_b.ctx("b_api"), "b_api", {**call, "url": f"{server.url}/b-data"})
        got_through = [r for r in server.requests if r["path"] == "/b-data"]
        assert got_through == [], f"team B's request went out with team A's token: {got_through}"
        assert stolen.error_code == "credential_error", stolen.content
        assert A_TOKEN not in stolen.content
