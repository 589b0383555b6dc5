"""Fixtures for the REST tests: the FastAPI app over ASGI, users with roles, tokens."""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass

import httpx
import pytest
from sqlmodel import Session

from berrys_app.domain.accounts import Role, Team, TeamMember
from berrys_app.services import auth, tokens
from tests.tools.conftest import readable_tmp  # noqa: F401  (a temp dir a sandboxed MCP server may read)

# argon2 is slow on purpose; tests that do not exercise passwords skip it.
FAST_HASH = auth.hash_password("correct horse battery")


@dataclass
class Person:
    user_id: uuid.UUID
    email: str
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


def make_person(
    session: Session, *, email: str | None = None, team_id: uuid.UUID | None = None, role: Role | None = None
) -> Person:
    """A user with a personal team, optionally also in ``team_id`` with ``role``; committed."""
    email = email or f"u{uuid.uuid4().hex[:10]}@example.com"
    user = auth.create_user(session, email=email, name=email.split("@")[0], password_hash=FAST_HASH)
    if team_id is not None and role is not None:
        session.add(TeamMember(team_id=team_id, user_id=user.id, role=role.value))
    session.commit()
    return Person(user_id=user.id, email=user.email, token=tokens.issue_access_token(user.id))


def make_team(session: Session, name: str = "Team") -> uuid.UUID:
    team = Team(name=name)
    session.add(team)
    session.commit()
    return team.id


@pytest.fixture
def api_app(env: dict[str, str]):
    from berrys_app.api.app import create_api

    return create_api()


@pytest.fixture
async def client(api_app) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=api_app, client=("10.1.2.3", 5555))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def people(session: Session) -> Iterator[dict[str, Person]]:
    """Team A with one person per role, plus an outsider who only has a team B."""
    team_a = make_team(session, "Team A")
    crew = {role.value: make_person(session, team_id=team_a, role=role) for role in Role}
    crew["outsider"] = make_person(session)
    crew["team_a"] = team_a  # type: ignore[assignment]
    yield crew


@pytest.fixture(scope="module")
def module_env(infra: dict[str, str], template_db: str) -> Iterator[dict[str, str]]:
    """One database for a whole module (the matrix builds fresh teams per case, so cases
    cannot see each other); saves ~100 CREATE/DROP DATABASE round trips."""
    import psycopg
    import redis as redis_lib

    from berrys_app.db import dispose_all
    from berrys_app.redis_client import sync_redis_for
    from berrys_app.settings import get_settings, normalise_db_url
    from tests.conftest import _with_database

    name = f"berrys_m_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(infra["database_url"], autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    url = normalise_db_url(_with_database(infra["database_url"], name))
    redis_client = redis_lib.Redis.from_url(infra["redis_url"])
    redis_client.flushdb()
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("DATABASE_URL", url)
        patch.setenv("REDIS_URL", infra["redis_url"])
        patch.setenv("BERRYS_DATA_DIR", tempfile.mkdtemp(prefix="berrys-api-"))
        patch.setenv("BERRYS_CHANNEL_NAMESPACE", f"berrys-test-{uuid.uuid4().hex[:8]}")
        get_settings.cache_clear()
        sync_redis_for.cache_clear()
        try:
            yield {"DATABASE_URL": url, "REDIS_URL": infra["redis_url"]}
        finally:
            dispose_all()
            get_settings.cache_clear()
            sync_redis_for.cache_clear()
            redis_client.flushdb()
            redis_client.close()
            with psycopg.connect(infra["database_url"], autocommit=True) as conn:
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="module")
def module_app(module_env: dict[str, str]):
    from berrys_app.api.app import create_api

    return create_api()


@pytest.fixture
async def mclient(module_app) -> AsyncIterator[httpx.AsyncClient]:
    """A client on the module-wide database."""
    transport = httpx.ASGITransport(app=module_app, client=("10.9.8.7", 4444))
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        yield http


@pytest.fixture
def msession(module_env: dict[str, str]) -> Iterator[Session]:
    from berrys_app.db import get_engine

    with Session(get_engine(), expire_on_commit=False) as db_session:
        yield db_session
