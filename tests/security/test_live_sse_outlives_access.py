"""Attack: keep an SSE stream open after the credential expired or the member was removed.

The stream used to check access once, when it opened: a token that expired, or a member who
was removed from the team, went on receiving the project's events for as long as the
connection stayed up. Real API process, real Redis and PostgreSQL.
"""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
from sqlmodel import Session

from berrys_app.domain.accounts import Role
from berrys_app.domain.projects import ProjectCreate
from berrys_app.services import collab, projects, teams, tokens
from berrys_app.services.authz import Actor
from tests.api.conftest import make_person, make_team
from tests.api.servers import api_processes


def _server_env(env: dict[str, str], tmp_path) -> dict[str, str]:
    from berrys_app.settings import get_settings

    return {
        **env,
        "BERRYS_DATA_DIR": str(tmp_path / "d"),
        "SECRET_KEY": get_settings().secret_key,
        "BERRYS_CHANNEL_NAMESPACE": get_settings().channel_namespace,
    }


def _team_with_project(session: Session) -> tuple[uuid.UUID, Actor, uuid.UUID]:
    team_id = make_team(session, "Streamers")
    owner = make_person(session, team_id=team_id, role=Role.owner)
    actor = Actor(user_id=owner.user_id, label=owner.email)
    project = projects.create_project(session, actor, team_id=team_id, data=ProjectCreate(name="Live"))
    session.commit()
    return team_id, actor, project.id


async def _read_until_closed(base: str, url: str, token: str, on_open=None) -> list[str]:
    """Every line of the stream until the server ends it."""
    lines: list[str] = []
    async with (
        httpx.AsyncClient(base_url=base, timeout=60) as http,
        http.stream("GET", url, headers={"Authorization": f"Bearer {token}"}) as stream,
    ):
        assert stream.status_code == 200
        if on_open is not None:
            await asyncio.to_thread(on_open)
        async for line in stream.aiter_lines():
            lines.append(line)
    return lines


def test_a_stream_ends_when_its_access_token_expires(env: dict[str, str], session: Session, tmp_path) -> None:
    team_id, _, project_id = _team_with_project(session)
    viewer = make_person(session, team_id=team_id, role=Role.viewer)
    url = f"/api/v1/projects/{project_id}/events/stream"
    with api_processes(1, _server_env(env, tmp_path)) as (base,):
        short = tokens.issue_access_token(viewer.user_id, ttl_s=3)  # minted once the server is up
        started = time.monotonic()
        lines = asyncio.run(asyncio.wait_for(_read_until_closed(base, url, short), timeout=20))
    assert "event: stream.closed" in lines
    assert any("expired" in line for line in lines if line.startswith("data: "))
    assert time.monotonic() - started < 10


def test_a_removed_members_stream_ends_and_gets_nothing_after_removal(
    env: dict[str, str], session: Session, tmp_path
) -> None:
    from berrys_app.db import session_scope

    team_id, owner, project_id = _team_with_project(session)
    member = make_person(session, team_id=team_id, role=Role.member)
    url = f"/api/v1/projects/{project_id}/events/stream"

    def remove_then_comment() -> None:
        with session_scope() as own:
            teams.remove_member(own, owner, team_id, member.user_id)
        with session_scope() as own:
            collab.add_comment(own, owner, project_id=project_id, body="secret after removal")

    with api_processes(1, _server_env(env, tmp_path)) as (base,):
        lines = asyncio.run(asyncio.wait_for(_read_until_closed(base, url, member.token, remove_then_comment), 20))
    assert "event: stream.closed" in lines
    assert not any("secret after removal" in line for line in lines)
