"""Attack: a team admin registers a stdio MCP server (an argv the operator allowed: the test
interpreter and a script) whose tools read the worker's secrets, plant files in the checkout
and the venv, reach services on the worker's loopback, and run as the worker's uid (root on a
root worker).

The server runs in the python tool's bubblewrap sandbox: it sees only the system files and its
own command's files (read-only), has no network, and never runs as root."""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import Session

from berrys_app.domain.tools import McpServerCreate
from berrys_app.services.tools import execute_tool, register_mcp_server
from berrys_app.services.tools.mcp import close_links
from berrys_app.settings import get_settings
from tests.security.sandbox_harness import non_root_python, owned_dir, run_child_as_non_root
from tests.tools.mcp_http import server_processes

SCRIPT = str(Path(__file__).with_name("mcp_escape_server.py"))
REPO = Path(__file__).resolve().parents[2]
VENV = Path(sys.prefix)


@pytest.fixture
def loopback_server() -> Iterator[tuple[int, list[str]]]:
    """A TCP service on the worker's 127.0.0.1 that records who connected."""
    accepted: list[str] = []
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, peer = listener.accept()
            except TimeoutError:
                continue
            accepted.append(str(peer))
            conn.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], accepted
    stop.set()
    thread.join()
    listener.close()


@pytest.fixture
async def escape_server(session: Session, world) -> None:
    data = McpServerCreate(name="escape", transport="stdio", command=sys.executable, args=[SCRIPT], timeout_s=20)
    server = await register_mcp_server(session, world.admin, team_id=world.team_id, data=data)
    assert server.status == "ok", server.last_error
    yield
    await close_links()


async def _call(session: Session, world, tool: str, arguments: dict) -> str:
    result = await execute_tool(world.approved_ctx(session, allowed=[f"escape__{tool}"]), f"escape__{tool}", arguments)
    assert result.ok, result.content
    return result.content


async def test_the_server_cannot_read_the_workers_secrets(escape_server, session: Session, world) -> None:
    secret = Path(get_settings().data_dir) / "secrets" / "secret_key"
    assert get_settings().secret_key and secret.is_file()
    answer = await _call(session, world, "read", {"path": str(secret.resolve())})
    assert answer.startswith("refused:"), f"the MCP server read the worker's secret key: {answer}"


@pytest.mark.parametrize("where", ["checkout", "venv"])
async def test_the_server_cannot_plant_files(escape_server, session: Session, world, where: str) -> None:
    target = (REPO if where == "checkout" else VENV) / f"planted-{uuid.uuid4().hex[:8]}.txt"
    try:
        answer = await _call(session, world, "write", {"path": str(target)})
        # (a checkout under /tmp lies under the server's private tmpfs: a write there lands in it)
        assert not target.exists(), f"the MCP server wrote into the {where}: {answer}"
    finally:
        target.unlink(missing_ok=True)


async def test_the_server_cannot_reach_the_workers_loopback(
    escape_server, session: Session, world, loopback_server
) -> None:
    port, accepted = loopback_server
    answer = await _call(session, world, "connect", {"port": port})
    assert answer.startswith("refused:"), f"the MCP server reached 127.0.0.1:{port}: {answer}"
    assert accepted == []


@pytest.mark.skipif(os.geteuid() != 0, reason="the uid rule is about root workers (CI and containers run as root)")
async def test_the_server_never_runs_as_root(escape_server, session: Session, world) -> None:
    assert (await _call(session, world, "read", {"path": SCRIPT})).startswith("done:")  # its own script: readable
    servers = server_processes(SCRIPT)
    assert servers, "the MCP server process was not found"
    uids = {proc.uids().real for proc in servers}
    assert 0 not in uids, f"the MCP server runs as root (uids {uids})"


# A non-root worker (``./berrys up`` as a user) builds the same launcher; its server runs in an
# unprivileged user namespace. The child builds the argv as that worker and runs the attacks.
_NON_ROOT_CHILD = """
import json, subprocess, sys, types
import berrys_app.services
tools = types.ModuleType("berrys_app.services.tools")
tools.__path__ = [berrys_app.services.__path__[0] + "/tools"]
sys.modules["berrys_app.services.tools"] = tools
from berrys_app.services.tools.mcp_stdio_sandbox import sandboxed_argv
from berrys_app.settings import McpStdioTemplate
argv = json.loads(sys.argv[1])
env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": "/home/sandbox"}
launch = sandboxed_argv(McpStdioTemplate(argv=argv), argv, env, None)
done = subprocess.run(launch, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=60)
print(json.dumps([done.returncode, done.stdout, done.stderr]))
"""
_ATTACKS = """
import socket, sys
from pathlib import Path
secret, planted, port = {secret!r}, {planted!r}, {port}
for name, attempt in [
    ("read", lambda: Path(secret).read_text()),
    ("write", lambda: Path(planted).write_text("planted")),
    ("connect", lambda: socket.create_connection(("127.0.0.1", port), timeout=5).close()),
]:
    try:
        attempt()
        print(name, "done")
    except OSError as exc:
        print(name, "refused", type(exc).__name__)
"""


@pytest.mark.skipif(os.geteuid() != 0, reason="starting a non-root worker from the tests needs root")
def test_a_non_root_workers_server_is_confined_too(readable_tmp: Path, loopback_server) -> None:
    home = readable_tmp / "worker"  # the worker's own files: it may read and write them
    home.mkdir(mode=0o700)
    (home / "secret_key").write_text("worker-secret")
    owned_dir(home, "as_non_root")
    secret = home / "secret_key"
    port, accepted = loopback_server
    attacks = _ATTACKS.format(secret=str(secret), planted=str(home / "planted"), port=port)
    argv = [non_root_python(), "-c", attacks]  # paths inside the code: not the command's own files
    code, stdout, stderr = run_child_as_non_root(_NON_ROOT_CHILD, [json.dumps(argv)], env={})
    assert code == 0, stderr
    lines = stdout.strip().splitlines()
    assert [line.split()[:2] for line in lines] == [
        ["read", "refused"],
        ["write", "refused"],
        ["connect", "refused"],
    ], lines
    assert not (home / "planted").exists() and accepted == []
