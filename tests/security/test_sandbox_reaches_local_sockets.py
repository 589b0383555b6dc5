"""Issue 17, finding 1: a snippet connects to a unix socket under /tmp (an embedded Redis has no
password) and to a TCP service on 127.0.0.1 (PostgreSQL, Redis). Both servers are real and
count the connections they accept: they must see none."""

from __future__ import annotations

import os
import socket
import tempfile
import threading
from collections.abc import Iterator

import pytest

from tests.security.sandbox_harness import WORKERS, run_as


class CountingServer:
    """Accepts connections on a listening socket and counts them (a real peer, not a mock)."""

    def __init__(self, listener: socket.socket) -> None:
        self.listener = listener
        self.accepted = 0
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while True:
            try:
                conn, _ = self.listener.accept()
            except OSError:
                return
            self.accepted += 1
            conn.sendall(b"+PONG\r\n")
            conn.close()

    def close(self) -> None:
        self.listener.close()


@pytest.fixture
def servers() -> Iterator[tuple[str, int, CountingServer, CountingServer]]:
    folder = tempfile.mkdtemp(prefix="berrys-sock-")
    os.chmod(folder, 0o755)
    path = os.path.join(folder, "redis.sock")
    unix = socket.socket(socket.AF_UNIX)
    unix.bind(path)
    os.chmod(path, 0o777)  # like an embedded server's socket any local process may use
    unix.listen()
    tcp = socket.create_server(("127.0.0.1", 0))
    unix_server, tcp_server = CountingServer(unix), CountingServer(tcp)
    try:
        yield path, tcp.getsockname()[1], unix_server, tcp_server
    finally:
        unix_server.close()
        tcp_server.close()
        os.unlink(path)
        os.rmdir(folder)


ATTACK = """
import socket
for family, address in ((socket.AF_UNIX, UNIX_PATH), (socket.AF_INET, ("127.0.0.1", TCP_PORT))):
    try:
        conn = socket.socket(family)
        conn.settimeout(2)
        conn.connect(address)
        print("connected", family, conn.recv(16))
    except OSError as exc:
        print("blocked", family, exc.errno)
"""


@pytest.mark.parametrize("worker", WORKERS)
def test_snippet_reaches_no_local_socket(worker: str, servers) -> None:
    path, port, unix_server, tcp_server = servers
    result = run_as(worker, [f"UNIX_PATH = {path!r}\nTCP_PORT = {port}\n" + ATTACK])[0]
    assert result["exit_code"] == 0, result["stderr"]
    assert "connected" not in result["stdout"], result["stdout"]
    assert (unix_server.accepted, tcp_server.accepted) == (0, 0)
