"""The test MCP server (``mcp_server_app.py``) over streamable HTTP, for the http MCP tests."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psutil

SERVER = str(Path(__file__).with_name("mcp_server_app.py"))


def server_processes(script: str = SERVER) -> list[psutil.Process]:
    """This test process's stdio MCP servers running ``script``, seen from outside their
    sandbox (where their pid and uid are the real ones)."""
    found = []
    for proc in psutil.Process().children(recursive=True):
        try:
            if proc.cmdline() == [sys.executable, script]:
                found.append(proc)
        except psutil.Error:
            continue
    return found


@contextmanager
def serve_http() -> Iterator[str]:
    """The server in its own process on a free loopback port (stopped by PID); yields its URL."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    proc = subprocess.Popen([sys.executable, SERVER, "--http", str(port)])
    try:
        deadline = time.monotonic() + 30
        while True:  # wait for the observable state "port accepts connections"
            with socket.socket() as conn:
                if conn.connect_ex(("127.0.0.1", port)) == 0:
                    break
            assert proc.poll() is None and time.monotonic() < deadline, "MCP HTTP server did not start"
            time.sleep(0.05)
        yield f"http://127.0.0.1:{port}/mcp"
    finally:
        proc.kill()
        proc.wait(timeout=10)
