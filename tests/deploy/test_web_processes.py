"""``BERRYS_WEB_WORKERS``: the launcher runs that many web server processes on ``BERRYS_PORT``."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
from alembic.config import Config

from alembic import command
from berrys_app.settings import normalise_db_url
from tests.api.servers import free_port
from tests.deploy.frontend import copy_frontend

ROOT = Path(__file__).resolve().parents[2]


def _wait_ready(url: str, proc: subprocess.Popen[bytes], log: Path, timeout_s: float = 400) -> dict[str, object]:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the launcher exited with {proc.returncode}: {log.read_text()[-3000:]}"
        try:
            response = httpx.get(url, timeout=2)
            if response.status_code == 200:
                return response.json()
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{url} not ready in {timeout_s} s")


def _stamp_head(database_url: str) -> None:
    """The test database is made from the models (``create_all``): tell Alembic it is at head, so
    the launcher's ``upgrade head`` has nothing to do (as in tests/e2e/stack.py)."""
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["database_url"] = normalise_db_url(database_url)
    command.stamp(cfg, "head")


def test_berrys_web_workers_starts_that_many_web_processes(env: dict[str, str], tmp_path: Path) -> None:
    _stamp_head(env["DATABASE_URL"])
    port = free_port()
    copy_frontend(ROOT / ".web", tmp_path / "web")
    child_env = {
        **os.environ,
        **env,
        "BERRYS_PORT": str(port),
        "BERRYS_DATA_DIR": str(tmp_path / "data"),
        "BERRYS_WEB_WORKERS": "2",
        "REFLEX_WEB_WORKDIR": str(tmp_path / "web"),
    }
    log = tmp_path / "launcher.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "berrys_app", "up", "--workers", "0"],
            cwd=ROOT,
            env=child_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        ready = _wait_ready(f"http://127.0.0.1:{port}/health/ready", proc, log)
        assert ready == {"status": "ok", "database": True, "redis": True, "workers": 0}  # ready without workers
        (reflex,) = [p for p in psutil.Process(proc.pid).children() if "reflex" in " ".join(p.cmdline())]
        servers = reflex.children()  # Granian's worker processes
        assert len(servers) == 2, [p.cmdline() for p in servers]
        for _ in range(20):  # both answer through the one port
            assert httpx.get(f"http://127.0.0.1:{port}/health/live", timeout=5).status_code == 200
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(60)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(10)
