"""Run the whole platform for e2e tests and benches: ``python -m berrys_app up`` on a free port.

A fresh PostgreSQL database whose schema is the current ``SQLModel.metadata``
(``create_all`` then ``alembic stamp head``, so the launcher's ``upgrade head`` is a
no-op even before the lead has generated the latest migration) and a flushed Redis db.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import psycopg
import redis
from sqlalchemy import create_engine, pool
from sqlmodel import SQLModel

import berrys_app.domain  # noqa: F401  (register every table for create_all)
from berrys_app.settings import get_settings, normalise_db_url

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("BERRYS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
START_TIMEOUT_S = float(os.environ.get("BERRYS_E2E_START_TIMEOUT", "300"))
RESERVED_PORTS = {3000, 3100}


def launch_chromium(playwright):
    """Debian chromium (never ``playwright install``), headless, with the flags this machine needs."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


def free_port() -> int:
    """A free TCP port that is never one of the ports other sessions rely on."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port = sock.getsockname()[1]
        if port not in RESERVED_PORTS:
            return port


def free_port_pair() -> int:
    """A free port whose successor is free too: the stack's two workers' metrics endpoints."""
    while True:
        port = free_port()
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            try:
                sock.bind(("127.0.0.1", port + 1))
            except OSError:
                continue
        if port + 1 not in RESERVED_PORTS:
            return port


def _with_database(url: str, name: str) -> str:
    base, _, query = url.partition("?")
    scheme, rest = base.split("://", 1)
    authority = rest.split("/", 1)[0]
    return f"{scheme}://{authority}/{name}" + (f"?{query}" if query else "")


def _stop_group(proc: subprocess.Popen[bytes], *, timeout_s: float = 20.0) -> None:
    """SIGTERM the process group we started, then SIGKILL what is left."""
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout_s)
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(5)


@dataclass
class Stack:
    """A running platform: where it listens and the environment its processes share."""

    base_url: str
    env: dict[str, str]
    log_path: Path
    workers: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)
    launcher_pid: int = 0  # ``berrys_app up``: its process tree is the web process and the workers

    def url(self, path: str) -> str:
        return self.base_url + path

    def start_worker(self, worker_id: str) -> subprocess.Popen[bytes]:
        """Start one extra arq worker process (its own process group, so we can kill it by PID)."""
        log = open(self.log_path.with_name(f"{worker_id}.log"), "ab")  # noqa: SIM115
        proc = subprocess.Popen(
            [sys.executable, "-m", "workers"],
            cwd=ROOT,
            env=dict(self.env, BERRYS_WORKER_ID=worker_id),
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        self.workers[worker_id] = proc
        return proc

    def kill_worker(self, worker_id: str) -> None:
        """SIGKILL: the worker sends nothing more (no clean 'stopped' heartbeat)."""
        proc = self.workers.pop(worker_id)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(10)

    def log_tail(self, chars: int = 4000) -> str:
        try:
            return self.log_path.read_text(errors="replace")[-chars:]
        except OSError:
            return ""


def _wait_until_up(stack: Stack, proc: subprocess.Popen[bytes]) -> None:
    """Wait for the backend (/ping) and the compiled frontend (/) to answer."""
    deadline = time.monotonic() + START_TIMEOUT_S
    ready = {"/ping": False, "/": False}
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"the platform exited with {proc.returncode}:\n{stack.log_tail()}")
        for path, ok in ready.items():
            if ok:
                continue
            try:
                with urllib.request.urlopen(stack.url(path), timeout=2) as response:
                    ready[path] = response.status == 200
            except OSError:
                pass
        if all(ready.values()):
            return
        time.sleep(0.3)
    raise RuntimeError(f"the platform did not come up in {START_TIMEOUT_S}s:\n{stack.log_tail()}")


@contextlib.contextmanager
def running_stack(*, admin_url: str, redis_url: str, data_dir: Path, workers: int = 2) -> Iterator[Stack]:
    """The platform running from its launcher, on a fresh database and a flushed Redis db.

    While it runs, this process's settings point at the same stores (tests and benches
    call services directly: create users, push scripted replies, emit events)."""
    from alembic.config import Config

    from alembic import command

    name = f"berrys_e2e_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    database_url = normalise_db_url(_with_database(admin_url, name))
    engine = create_engine(database_url, poolclass=pool.NullPool)
    SQLModel.metadata.create_all(engine)
    engine.dispose()
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["database_url"] = database_url
    command.stamp(cfg, "head")
    redis.Redis.from_url(redis_url).flushdb()

    data_dir.mkdir(parents=True, exist_ok=True)
    port = free_port()
    env = dict(
        os.environ,
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        BERRYS_PORT=str(port),
        BERRYS_DATA_DIR=str(data_dir),
        BERRYS_WORKERS=str(workers),
        BERRYS_CHANNEL_NAMESPACE=f"berrys-e2e-{uuid.uuid4().hex[:8]}",
        BERRYS_DEFAULT_MODEL="scripted/echo",
        BERRYS_HEARTBEAT_INTERVAL="0.5",
        BERRYS_HEARTBEAT_STALE="2",
        BERRYS_RATE_LIMIT_AUTH="10000",
        BERRYS_PUBLIC_URL=f"http://localhost:{port}",
        BERRYS_WORKER_METRICS_PORT=str(free_port_pair()),  # worker N (0-based) on this + N
        # one build dir, reused between sessions (only this harness runs Reflex in the repo)
        REFLEX_WEB_WORKDIR=os.environ.get("REFLEX_WEB_WORKDIR", str(ROOT / ".web")),
        REFLEX_STATES_WORKDIR=str(data_dir / "states"),
        PYTHONUNBUFFERED="1",
    )
    log_path = data_dir / "platform.log"
    stack = Stack(base_url=f"http://localhost:{port}", env=env, log_path=log_path)
    with open(log_path, "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "berrys_app", "up"],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    stack.launcher_pid = proc.pid
    saved = {
        key: os.environ.get(key) for key in ("DATABASE_URL", "REDIS_URL", "BERRYS_CHANNEL_NAMESPACE", "BERRYS_DATA_DIR")
    }
    os.environ.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        BERRYS_CHANNEL_NAMESPACE=env["BERRYS_CHANNEL_NAMESPACE"],
        BERRYS_DATA_DIR=str(data_dir),
    )
    _reset_clients()
    try:
        _wait_until_up(stack, proc)
        yield stack
    finally:
        for worker_id in list(stack.workers):
            with contextlib.suppress(Exception):
                _stop_group(stack.workers.pop(worker_id))
        _stop_group(proc)
        with contextlib.suppress(OSError):  # keep the last run's log for debugging
            shutil.copyfile(log_path, Path(tempfile.gettempdir()) / "berrys-e2e-last.log")
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value
        _reset_clients()
        with psycopg.connect(admin_url, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _reset_clients() -> None:
    from berrys_app.redis_client import sync_redis_for
    from tests.probes import dispose_all

    dispose_all()
    sync_redis_for.cache_clear()
    get_settings.cache_clear()
