"""Embedded PostgreSQL and Redis: real servers whose data persists across restarts."""

from __future__ import annotations

from pathlib import Path

import psutil
import psycopg
import redis

from berrys_app.launcher.embedded import start_postgres, start_redis


def gone(pid: int | None) -> bool:
    """Exited (a zombie whose parent is a non-reaping PID 1 counts as exited)."""
    assert pid is not None
    return not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE


def test_embedded_postgres_persists_across_restarts(tmp_path: Path) -> None:
    server = start_postgres(tmp_path)
    with psycopg.connect(server.url, autocommit=True) as conn:
        conn.execute("create table kept (v text)")
        conn.execute("insert into kept values ('still here')")
    pid = server.pid
    server.stop()
    assert gone(pid)
    again = start_postgres(tmp_path)
    try:
        with psycopg.connect(again.url) as conn:
            assert conn.execute("select v from kept").fetchone() == ("still here",)
    finally:
        again.stop()


def test_embedded_redis_persists_across_restarts(tmp_path: Path) -> None:
    server = start_redis(tmp_path)
    client = redis.Redis.from_url(server.url)
    client.set("kept", "yes")
    client.close()
    pid = server.pid
    server.stop()
    assert gone(pid)
    again = start_redis(tmp_path)
    try:
        assert redis.Redis.from_url(again.url).get("kept") == b"yes"
    finally:
        again.stop()
