"""The connection budget per process, on a real PostgreSQL: no pool opens more connections than
its size (threads beyond it wait for one instead), every connection says in ``pg_stat_activity``
which process and pool holds it, and requests leave sessions connections for short sessions."""

from __future__ import annotations

import asyncio
import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import text
from sqlmodel import Session

from berrys_app.db import aio, dispose, get_engine, reads, request_slots, session_scope
from berrys_app.launcher.cli import named, worker_env
from berrys_app.settings import get_settings

_MINE = "SELECT pg_backend_pid(), current_setting('application_name'), pg_sleep(0.05)"


def _resize(monkeypatch: pytest.MonkeyPatch, **env: str) -> None:
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    # settings first: a pool rebuilt between the two (a thread an earlier test left behind) would
    # otherwise be rebuilt with the old sizes and kept (seen once: 4 connections in a pool of 3)
    get_settings.cache_clear()
    dispose()  # the pools are rebuilt with the new sizes on next use


def test_more_threads_than_autocommit_connections_share_them(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    _resize(monkeypatch, BERRYS_DB_AUTOCOMMIT_POOL_SIZE="2", BERRYS_DB_APPLICATION_NAME="berrys-test")
    with ThreadPoolExecutor(8) as threads:
        rows = list(threads.map(lambda _: reads.fetch_one(_MINE, ()), range(16)))
    assert all(row is not None for row in rows)
    assert len({row[0] for row in rows if row}) <= 2  # no overflow connection above the size
    assert {row[1] for row in rows if row} == {"berrys-test-autocommit"}


def test_sessions_pool_is_capped_and_named(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    _resize(monkeypatch, BERRYS_DB_POOL_SIZE="3", BERRYS_DB_POOL_OVERFLOW="0", BERRYS_DB_APPLICATION_NAME="berrys-test")

    def one(_: int) -> tuple[int, str]:
        with session_scope() as own:
            pid, name, _ = own.execute(text(_MINE)).one()
            return pid, name

    with ThreadPoolExecutor(8) as threads:
        rows = list(threads.map(one, range(16)))
    assert len({pid for pid, _ in rows}) <= 3
    assert {name for _, name in rows} == {"berrys-test-sessions"}
    assert request_slots() == 1  # 3 connections less the 2 kept for short in-thread sessions


def test_threads_that_find_no_pool_build_one_between_them(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    """A web process's first requests arrive together: each thread that found no engine built its
    own (a whole pool more each; the sessions test above saw 6 connections in a pool of 3)."""
    _resize(monkeypatch, BERRYS_DB_APPLICATION_NAME="berrys-test")
    for _ in range(30):  # a race: thirty rounds of sixteen threads (old code: 2 of 3 runs of ten failed)
        dispose()
        together = threading.Barrier(16)

        def first_use(_: int, together: threading.Barrier = together) -> object:
            together.wait()
            return get_engine()

        with ThreadPoolExecutor(16) as threads:
            built = list(threads.map(first_use, range(16)))
        assert len({id(engine) for engine in built}) == 1


async def test_async_pool_connections_are_named(session: Session, monkeypatch: pytest.MonkeyPatch) -> None:
    _resize(monkeypatch, BERRYS_DB_APPLICATION_NAME="berrys-worker-9")
    pool = aio.new_pool()
    try:
        with aio.using(pool):
            rows = await asyncio.gather(*(aio.fetch_one(_MINE, {}) for _ in range(10)))
    finally:
        await pool.close()
    assert {row[1] for row in rows if row} == {"berrys-worker-9-async"}
    assert len({row[0] for row in rows if row}) <= get_settings().db_async_pool_size


def test_request_slots_leave_two_connections_for_short_sessions(monkeypatch: pytest.MonkeyPatch) -> None:
    _resize(monkeypatch, BERRYS_DB_POOL_SIZE="14", BERRYS_DB_POOL_OVERFLOW="0")
    assert request_slots() == 12
    _resize(monkeypatch, BERRYS_DB_POOL_SIZE="10", BERRYS_DB_POOL_OVERFLOW="6")
    assert request_slots() == 14


def test_the_launcher_names_each_process() -> None:
    assert worker_env({}, "worker-2")["BERRYS_DB_APPLICATION_NAME"] == "berrys-worker-2"
    assert named({"BERRYS_DB_APPLICATION_NAME": "acme"}, "web")["BERRYS_DB_APPLICATION_NAME"] == "acme-web"
