"""Start the REST API (``create_api()``) as real uvicorn processes or threads for tests."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import uvicorn

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_up(url: str, *, timeout_s: float = 120.0, proc: subprocess.Popen | None = None) -> None:
    """Poll until the server answers (observable state, not a fixed sleep)."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if proc is not None and proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}: {proc.stderr.read() if proc.stderr else ''}")
        try:
            if httpx.get(url, timeout=1.0).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.05)
    raise TimeoutError(f"{url} did not come up in {timeout_s} s")


def _start(server_argv: list[str], env: dict[str, str]) -> tuple[subprocess.Popen, str]:
    """``python -m <server_argv> --port <free port>`` serving the API; (process, its URL)."""
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", *server_argv, "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
        cwd=ROOT,
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    return proc, f"http://127.0.0.1:{port}"


def _stop(procs: list[subprocess.Popen]) -> None:
    """By PID: terminate, then kill what did not stop within 10 s."""
    for proc in procs:
        proc.terminate()
    for proc in procs:
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


# uvicorn as docs/api.md says to run it: Berrys decides whose X-Forwarded-For counts (``proxies``);
# by default uvicorn would rewrite the peer from it whenever the peer is 127.0.0.1
UVICORN = ["uvicorn", "--factory", "berrys_app.api.app:create_api", "--no-proxy-headers"]
# granian with its defaults, the server ``reflex run --env prod`` uses
GRANIAN = ["granian", "--interface", "asgi", "--factory", "berrys_app.api.app:create_api"]


@contextmanager
def api_processes(count: int, env: dict[str, str], *, server: list[str] = UVICORN) -> Iterator[list[str]]:
    """``count`` separate server processes serving the API; stopped by PID on exit."""
    procs: list[subprocess.Popen] = []
    urls: list[str] = []
    try:
        for _ in range(count):
            proc, url = _start(server, env)
            procs.append(proc)
            urls.append(url)
        for url, proc in zip(urls, procs, strict=True):
            wait_until_up(url + "/health/live", proc=proc)
        yield urls
    finally:
        _stop(procs)


@contextmanager
def asgi_thread(app) -> Iterator[str]:
    """Serve an ASGI app with uvicorn in a thread on a free port."""
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline:
                raise TimeoutError("server thread did not start")
            time.sleep(0.01)
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
