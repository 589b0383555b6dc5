"""``python -m berrys_app up``: migrate, start workers and the Reflex server, stop them all.

Checks that can fail for ordinary reasons (a taken port, an unreachable
database, an embedded server that does not start, a failed migration) print one
clear line and exit non-zero instead of a traceback.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

from berrys_app.launcher.embedded import REDIS_MIN_VERSION, EmbeddedServer, server_version, start_postgres, start_redis
from berrys_app.settings import get_settings, libpq_url, normalise_db_url

ROOT = Path(__file__).resolve().parents[2]
T = TypeVar("T")


class LaunchError(Exception):
    """A problem the user can fix; printed as one line."""


def check_port_free(host: str, port: int) -> None:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except OSError:
            raise LaunchError(f"port {port} is already in use; stop what uses it or set BERRYS_PORT") from None


def check_database(url: str) -> None:
    import psycopg

    dsn = libpq_url(url)
    try:
        with psycopg.connect(dsn, connect_timeout=5) as conn:
            conn.execute("select 1")
    except Exception as exc:
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise LaunchError(f"cannot connect to DATABASE_URL ({_redact(url)}): {first}") from None


def check_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=5).ping()
    except Exception as exc:
        raise LaunchError(f"cannot connect to REDIS_URL ({_redact(url)}): {exc}") from None


def check_redis_for_tab_state(url: str, *, embedded: bool) -> None:
    """Refuse a Redis < 7 for tab state now: Reflex's state manager sends ``PEXPIRE ... XX`` (Redis 7),
    and on an older one every dashboard tab would fail later, far from the cause."""
    version = server_version(url)
    if version >= REDIS_MIN_VERSION:
        return
    which = "the embedded Redis" if embedded else f"REDIS_URL ({_redact(url)})"
    fix = (
        "install Debian's redis-tools (./berrys install does) or set REDIS_URL to a Redis >= 7"
        if embedded
        else "set REDIS_URL to a Redis >= 7"
    )
    raise LaunchError(
        f"{which} is Redis {'.'.join(map(str, version))}, and tab state in Redis (BERRYS_TAB_STATE=redis, "
        f"or auto with BERRYS_WEB_WORKERS > 1) needs Redis >= 7: {fix}"
    )


def _redact(url: str) -> str:
    """Hide a password in a URL for messages."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}:***@{host}" if ":" in creds else url
    return url


def one_line(exc: BaseException) -> str:
    """An exception as one short line (its first non-empty line, URLs' passwords hidden)."""
    text = next((line.strip() for line in str(exc).splitlines() if line.strip()), "") or type(exc).__name__
    text = " ".join(_redact(word) if "://" in word else word for word in text.split(" "))
    return text[:300]


def launch_step(what: str, step: Callable[..., T], *args: Any) -> T:
    """Run a start-up step; any failure becomes a one-line ``LaunchError`` saying which step failed."""
    try:
        return step(*args)
    except LaunchError:
        raise
    except Exception as exc:
        raise LaunchError(f"{what} failed: {type(exc).__name__}: {one_line(exc)}") from exc


def migrate(database_url: str) -> None:
    """``alembic upgrade head`` against ``database_url``."""
    from alembic.config import Config

    from alembic import command

    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["database_url"] = normalise_db_url(database_url)
    command.upgrade(cfg, "head")


def tool_path() -> str:
    """PATH with the bun installed by ``./berrys`` (Reflex must never download its own)."""
    extra = [
        str(ROOT / ".berrys-tools" / "node_modules" / ".bin"),
        str(Path(sys.executable).parent),
    ]
    return os.pathsep.join([*extra, os.environ.get("PATH", "")])


def child_env(base: dict[str, str]) -> dict[str, str]:
    env = dict(os.environ)
    env.update(base)
    env.update(
        {
            "PATH": tool_path(),
            "REFLEX_TELEMETRY_ENABLED": "false",
            "REFLEX_CHECK_LATEST_VERSION": "false",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
            "HF_HUB_OFFLINE": "1",
            "PYTHONUNBUFFERED": "1",
        }
    )
    if shutil.which("npm") and "NPM_CONFIG_REGISTRY" not in env:
        try:
            registry = subprocess.run(
                ["npm", "config", "get", "registry"],
                capture_output=True,
                text=True,
                timeout=20,
            )
            if registry.returncode == 0 and registry.stdout.strip():
                env["NPM_CONFIG_REGISTRY"] = registry.stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            pass
    return env


def bun_path() -> str | None:
    """The bun ``./berrys`` installed (or one on PATH)."""
    return shutil.which("bun", path=tool_path())


NODE_SHIM = """#!/usr/bin/env bash
# node for Reflex: bun in its Node-compatible mode. Bun named "node" cannot answer --version,
# so the version Reflex checks is the Node version bun implements.
case "$1" in
  --version|-v) exec {bun} -e 'console.log(process.version)' ;;
esac
exec -a node {bun} "$@"
"""


def web_env(env: dict[str, str], data_dir: Path) -> dict[str, str]:
    """The web server's environment: with bun, ``node`` is a shim that runs bun.

    Reflex checks ``node --version`` against its minimum (22.22) and, finding an older system
    Node, warns "out of date" and runs bun with ``--bun`` anyway. Bun is the JavaScript runtime
    either way, so the web server finds a ``node`` that is bun: the same build, no misleading
    warning, no dependence on the system Node's version. A plain symlink is not enough: bun
    called ``node`` fails ``--version`` ("Failed to run .../node --version"), hence the script.
    """
    bun = bun_path()
    if bun is None:
        return env
    shim_dir = data_dir / "bin"
    shim_dir.mkdir(parents=True, exist_ok=True)
    shim = shim_dir / "node"
    script = NODE_SHIM.format(bun=shlex.quote(str(Path(bun).resolve())))
    if shim.is_symlink() or not shim.is_file() or shim.read_text() != script:
        shim.unlink(missing_ok=True)
        shim.write_text(script)
        shim.chmod(0o755)
    return dict(env, PATH=os.pathsep.join([str(shim_dir), env.get("PATH", "")]))


def probe_url(host: str, port: int) -> str:
    """Where the launcher asks whether the dashboard answers (a wildcard bind answers on loopback)."""
    reachable = "127.0.0.1" if host in ("", "0.0.0.0", "::") else host
    return f"http://{'[' + reachable + ']' if ':' in reachable else reachable}:{port}/"


def wait_until_answering(web: subprocess.Popen[bytes], url: str, *, interval_s: float = 0.5) -> bool:
    """Block until ``url`` answers 200 (the built frontend is served); False if the server died first."""
    while web.poll() is None:
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return True
        except OSError:
            pass
        time.sleep(interval_s)
    return False


class Supervisor:
    """Starts children in their own process groups and stops every one of them."""

    def __init__(self) -> None:
        self.children: dict[str, subprocess.Popen[bytes]] = {}
        self.embedded: list[EmbeddedServer] = []
        self.stopping = False

    def spawn(self, name: str, argv: list[str], env: dict[str, str]) -> None:
        self.children[name] = subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True)

    def stop_all(self, timeout_s: float = 15.0) -> None:
        self.stopping = True
        for proc in self.children.values():
            if proc.poll() is None:
                _signal_group(proc, signal.SIGTERM)
        deadline = time.monotonic() + timeout_s
        for proc in self.children.values():
            remaining = max(0.1, deadline - time.monotonic())
            try:
                proc.wait(remaining)
            except subprocess.TimeoutExpired:
                _signal_group(proc, signal.SIGKILL)
                proc.wait(5)
        for proc in self.children.values():  # grandchildren left in the group (node, bun)
            _signal_group(proc, signal.SIGKILL)
        for server in reversed(self.embedded):
            try:
                server.stop()
            except Exception as exc:  # keep stopping the others
                print(
                    f"berrys: could not stop embedded {server.name}: {exc}",
                    file=sys.stderr,
                )


def _signal_group(proc: subprocess.Popen[bytes], sig: int) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, sig)


def up(args: argparse.Namespace) -> int:
    settings = get_settings()
    data_dir = Path(settings.data_dir).resolve()
    data_dir.mkdir(parents=True, exist_ok=True)
    workers = settings.workers if args.workers is None else args.workers
    port = settings.port
    sup = Supervisor()

    def on_signal(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        check_port_free(settings.host, port)
        settings.secret_key, settings.encryption_key  # noqa: B018  (create once, before children race)
        env = {
            "BERRYS_DATA_DIR": str(data_dir),
            "BERRYS_PORT": str(port),
            # each data dir builds its own frontend, so instances never share a build dir
            "REFLEX_WEB_WORKDIR": os.environ.get("REFLEX_WEB_WORKDIR", str(data_dir / "web")),
            "REFLEX_STATES_WORKDIR": os.environ.get("REFLEX_STATES_WORKDIR", str(data_dir / "states")),
            # web processes on the port (Reflex would start 2 x cores + 1 once Redis is configured)
            "GRANIAN_WORKERS": str(settings.web_workers),
            # a tab's state stays in the memory of the process holding its websocket while no other
            # process asks for it (Reflex's opportunistic lock): Redis round trips only on contention
            "REFLEX_OPLOCK_ENABLED": os.environ.get("REFLEX_OPLOCK_ENABLED", "true"),
        }
        if settings.database_url:
            check_database(settings.database_url)
            env["DATABASE_URL"] = settings.database_url
        else:
            print("berrys: starting embedded PostgreSQL", flush=True)
            server = launch_step("starting the embedded PostgreSQL", start_postgres, data_dir)
            sup.embedded.append(server)
            env["DATABASE_URL"] = server.url
        if settings.redis_url:
            check_redis(settings.redis_url)
            env["REDIS_URL"] = settings.redis_url
        else:
            print("berrys: starting embedded Redis", flush=True)
            server = launch_step("starting the embedded Redis", start_redis, data_dir)
            sup.embedded.append(server)
            env["REDIS_URL"] = server.url
        if settings.tab_state_wants_redis:
            launch_step(
                "checking the Redis version",
                lambda: check_redis_for_tab_state(env["REDIS_URL"], embedded=not settings.redis_url),
            )
        print("berrys: migrating the database", flush=True)
        launch_step("migrating the database", migrate, env["DATABASE_URL"])
        full_env = child_env(env)
        for number in range(1, workers + 1):
            sup.spawn(f"worker-{number}", [sys.executable, "-m", "workers"], worker_env(full_env, f"worker-{number}"))
        sup.spawn("web", _reflex_argv(port, settings.host), web_env(named(full_env, "web"), data_dir))
        print("berrys: building and starting the dashboard", flush=True)
        if not wait_until_answering(sup.children["web"], probe_url(settings.host, port)):
            return _web_exit(sup.children["web"])
        print(f"berrys: dashboard on {settings.public_base_url}  (Ctrl-C to stop)", flush=True)
        return _watch(sup, full_env, restart_delay_s=args.restart_delay)
    except LaunchError as exc:
        print(f"berrys: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("berrys: stopping", flush=True)
        return 0
    finally:
        sup.stop_all()


def worker_env(env: dict[str, str], name: str) -> dict[str, str]:
    """A worker's environment: its id, and its index (``worker-N`` -> N - 1: its metrics port
    is ``BERRYS_WORKER_METRICS_PORT`` + index, so a host's workers never collide)."""
    return dict(named(env, name), BERRYS_WORKER_ID=name, BERRYS_WORKER_INDEX=str(int(name.rsplit("-", 1)[-1]) - 1))


def named(env: dict[str, str], process: str) -> dict[str, str]:
    """``env`` with the process's name in its database connections' ``application_name``
    (``berrys-web-sessions``, ``berrys-worker-2-async``): who holds a connection, at a glance."""
    base = env.get("BERRYS_DB_APPLICATION_NAME") or "berrys"
    return dict(env, BERRYS_DB_APPLICATION_NAME=f"{base}-{process}")


def _reflex_argv(port: int, host: str) -> list[str]:
    return [
        sys.executable, "-m", "reflex", "run", "--env", "prod",
        "--frontend-port", str(port), "--backend-port", str(port), "--backend-host", host,
        "--loglevel", os.environ.get("BERRYS_REFLEX_LOGLEVEL", "warning"),
    ]  # fmt: skip


def _web_exit(web: subprocess.Popen[bytes]) -> int:
    print(f"berrys: error: the web server exited with code {web.returncode}", file=sys.stderr)
    return web.returncode or 1


def _watch(sup: Supervisor, env: dict[str, str], *, restart_delay_s: float) -> int:
    """Keep workers alive (restart after a delay); stop everything if the web server dies."""
    dead_since: dict[str, float] = {}
    while True:
        time.sleep(0.5)
        web = sup.children["web"]
        if web.poll() is not None:
            return _web_exit(web)
        for name, proc in list(sup.children.items()):
            if name == "web" or proc.poll() is None:
                continue
            first = dead_since.setdefault(name, time.monotonic())
            if time.monotonic() - first >= restart_delay_s:
                print(
                    f"berrys: restarting {name} (exit code {proc.returncode})",
                    flush=True,
                )
                sup.spawn(
                    name,
                    [sys.executable, "-m", "workers"],
                    worker_env(env, name),
                )
                dead_since.pop(name, None)


def rotate_key() -> int:
    """Move every encrypted value to the newest key, in one transaction."""
    # the services load litellm and the ORM: imported here so ``up`` starts without them
    from berrys_app.db import session_scope  # deferred: keep `up` free of the ORM and litellm
    from berrys_app.services import key_rotation  # deferred: keep `up` free of the ORM and litellm
    from berrys_app.services.errors import ServiceError  # deferred: keep `up` free of the ORM and litellm

    try:
        with session_scope() as session:
            rotated = key_rotation.rotate_all(session)
    except (ServiceError, RuntimeError) as exc:
        print(f"berrys: error: {getattr(exc, 'message', exc)}", file=sys.stderr)
        return 2
    print(
        f"berrys: {rotated.credentials} credential(s), {rotated.mcp_servers} MCP server(s), "
        f"{rotated.model_keys} team model key(s) and {rotated.webhook_secrets} webhook secret(s) "
        "now use the first ENCRYPTION_KEY"
    )
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="berrys", description="Run the Berrys platform.")
    sub = parser.add_subparsers(dest="command", required=True)
    up_parser = sub.add_parser("up", help="migrate, start workers and the dashboard on BERRYS_PORT")
    up_parser.add_argument(
        "--workers",
        type=int,
        default=None,
        help="worker processes (default BERRYS_WORKERS)",
    )
    up_parser.add_argument(
        "--restart-delay",
        type=float,
        default=5.0,
        help="seconds before a dead worker restarts",
    )
    sub.add_parser("migrate", help="run alembic upgrade head and exit")
    sub.add_parser(
        "rotate-key",
        help="re-encrypt stored credentials, sealed MCP values and team model keys with the first ENCRYPTION_KEY "
        "(rotate: set ENCRYPTION_KEY=new,old, run this, then drop old)",
    )
    args = parser.parse_args(argv)
    if args.command == "up":
        return up(args)
    if args.command == "rotate-key":
        return rotate_key()
    settings = get_settings()
    try:
        url = settings.require_database_url()
        check_database(url)
        launch_step("migrating the database", migrate, url)
    except (LaunchError, RuntimeError) as exc:
        print(f"berrys: error: {exc}", file=sys.stderr)
        return 2
    return 0
