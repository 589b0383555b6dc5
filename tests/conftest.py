"""Shared fixtures: real PostgreSQL and Redis, one fresh database per test.

``DATABASE_URL`` / ``REDIS_URL`` from the environment are used when given (CI has
127.0.0.1:5432 and :6379); otherwise embedded servers are started for the session.
Each test gets its own database cloned from a template (schema built once) and a
flushed Redis database.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path

os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ["BERRYS_TESTING"] = "1"  # the model layer refuses network providers in tests
# the test MCP servers run as "<this interpreter> <script>" (stdio MCP servers: the operator's
# argv templates), with BERRY_TOKEN from the vault. The repository's servers are spelled out: a
# path the operator wrote is bound into the server's sandbox even when the checkout is in a
# directory other users cannot read (e.g. a 0700 temp dir); "{script}" is a slot for one plain
# path, bound only when anyone may read it.
os.environ.setdefault(
    "BERRYS_MCP_STDIO_COMMANDS",
    json.dumps(
        [
            [sys.executable, str(Path(__file__).parent / "tools" / "mcp_server_app.py")],
            [sys.executable, str(Path(__file__).parent / "security" / "mcp_escape_server.py")],
            [sys.executable, "{script}"],
        ]
    ),
)
os.environ.setdefault("BERRYS_MCP_STDIO_ENV_KEYS", "BERRY_TOKEN")
# ...and the http one on loopback (http MCP hosts: public only, plus the operator's list)
os.environ.setdefault("BERRYS_MCP_HTTP_HOSTS", "127.0.0.1")
# ...and the local HTTP servers of the http tool tests (http tools: public hosts only otherwise)
os.environ.setdefault("BERRYS_HTTP_INTERNAL_HOSTS", "127.0.0.1")

import psycopg
import pytest
import redis
from sqlalchemy import create_engine, pool
from sqlmodel import Session, SQLModel

import berrys_app.domain  # noqa: F401  (register every table)
from berrys_app.launcher.embedded import EmbeddedServer, start_postgres, start_redis
from berrys_app.settings import get_settings, libpq_url, normalise_db_url

# the browser tests' harness, registered here once so every folder shares one browser and server
from tests.e2e.harness import (  # noqa: F401
    browser,
    new_page,
    oidc_provider,
    pytest_runtest_makereport,
    smtp_inbox,
    stack,
)

# the tests' OpenAI-compatible provider (llama_cpp.server) behind the fault proxy, for any folder
from tests.providers.fixtures import _session_proxy, llm_server, provider_proxy  # noqa: F401

TEST_REDIS_DB = int(os.environ.get("BERRYS_TEST_REDIS_DB", "9"))


def _plain(url: str) -> str:
    return libpq_url(url)


def _with_database(url: str, name: str) -> str:
    """Swap the database name in a URL (keeps ``?host=`` socket parameters)."""
    base, _, query = url.partition("?")
    scheme, rest = base.split("://", 1)
    authority = rest.split("/", 1)[0]
    return f"{scheme}://{authority}/{name}" + (f"?{query}" if query else "")


def _redis_db(url: str, db: int) -> str:
    if url.startswith("unix://"):
        base = url.split("?", 1)[0]
        return f"{base}?db={db}"
    base = url.rsplit("/", 1)[0] if url.count("/") > 2 else url
    return f"{base}/{db}"


@pytest.fixture(scope="session")
def infra() -> Iterator[dict[str, str]]:
    """Admin URLs of the PostgreSQL and Redis the tests use."""
    started: list[EmbeddedServer] = []
    db_url = os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("REDIS_URL")
    tmp = Path(tempfile.mkdtemp(prefix="berrys-test-"))
    if not db_url:
        server = start_postgres(tmp)
        started.append(server)
        db_url = server.url
    if not redis_url:
        server = start_redis(tmp)
        started.append(server)
        redis_url = server.url
    try:
        yield {
            "database_url": _plain(db_url),
            "redis_url": _redis_db(redis_url, TEST_REDIS_DB),
        }
    finally:
        for server in started:
            server.stop()


@pytest.fixture(scope="session")
def template_db(infra: dict[str, str]) -> Iterator[str]:
    """A template database holding the current schema (``SQLModel.metadata``)."""
    name = f"berrys_tpl_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(infra["database_url"], autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    engine = create_engine(
        normalise_db_url(_with_database(infra["database_url"], name)),
        poolclass=pool.NullPool,
    )
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    try:
        yield name
    finally:
        with psycopg.connect(infra["database_url"], autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def db_url(infra: dict[str, str], template_db: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A fresh database for this test; ``DATABASE_URL`` points at it for the app code."""
    name = f"berrys_t_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(infra["database_url"], autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"')
    url = normalise_db_url(_with_database(infra["database_url"], name))
    monkeypatch.setenv("DATABASE_URL", url)
    get_settings.cache_clear()
    try:
        yield url
    finally:
        from tests.probes import dispose_all

        dispose_all()
        get_settings.cache_clear()
        with psycopg.connect(infra["database_url"], autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture
def redis_url(infra: dict[str, str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[str]:
    """A flushed Redis database; ``REDIS_URL`` points at it for the app code."""
    url = infra["redis_url"]
    client = redis.Redis.from_url(url)
    client.flushdb()
    monkeypatch.setenv("REDIS_URL", url)
    monkeypatch.setenv("BERRYS_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("BERRYS_CHANNEL_NAMESPACE", f"berrys-test-{uuid.uuid4().hex[:8]}")
    get_settings.cache_clear()
    from berrys_app.redis_client import sync_redis_for

    sync_redis_for.cache_clear()
    try:
        yield url
    finally:
        client.flushdb()
        client.close()
        sync_redis_for.cache_clear()
        get_settings.cache_clear()


@pytest.fixture
def env(db_url: str, redis_url: str) -> dict[str, str]:
    """Both stores ready: the usual fixture for integration tests."""
    return {"DATABASE_URL": db_url, "REDIS_URL": redis_url}


@pytest.fixture
def session(env: dict[str, str]) -> Iterator[Session]:
    """A session on this test's database."""
    from berrys_app.db import get_engine

    with Session(get_engine(), expire_on_commit=False) as db_session:
        yield db_session


@pytest.fixture
def run_worker(env: dict[str, str]):
    """Run an arq worker in burst mode until the queue is empty (deterministic queue)."""
    from workers.settings import build_worker

    async def run(*, max_jobs: int = 20) -> int:
        worker = build_worker(burst=True, poll_delay=0.0, max_jobs=max_jobs)
        try:
            await worker.main()
        finally:
            await worker.close()
        return worker.jobs_complete

    return run


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Run browser tests last: Playwright's sync API keeps an event loop in the main
    thread for as long as it lives, which asyncio tests after it cannot share."""
    items.sort(
        key=lambda item: "tests/e2e/" in str(item.path).replace("\\", "/") or item.get_closest_marker("e2e") is not None
    )
