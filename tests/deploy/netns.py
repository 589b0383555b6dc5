"""A second "host" for multi-process tests: a Linux network namespace joined to this one by a
veth pair, and TCP relays so its processes reach the PostgreSQL and Redis that listen on this
host's loopback only (as a web host reaches the database host over the network)."""

from __future__ import annotations

import contextlib
import os
import secrets
import socket
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass
class Host:
    """Where the namespace is: its name, its address and the host side's address."""

    name: str
    address: str
    gateway: str

    def argv(self, command: list[str]) -> list[str]:
        """``command`` run inside the namespace."""
        return ["ip", "netns", "exec", self.name, *command]


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=20)


def available() -> bool:
    """Whether this machine lets us create network namespaces (root with ``ip``)."""
    if os.geteuid() != 0:
        return False
    probe = f"berrys-probe-{secrets.token_hex(3)}"
    try:
        _ip("netns", "add", probe)
    except (OSError, subprocess.SubprocessError):
        return False
    with contextlib.suppress(OSError, subprocess.SubprocessError):
        _ip("netns", "del", probe)
    return True


@contextlib.contextmanager
def network_namespace() -> Iterator[Host]:
    """A namespace with loopback up and a /30 to this host; removed (with its veth) on exit."""
    tag = secrets.token_hex(3)
    name, outside, inside = f"berrys-{tag}", f"bo{tag}", f"bi{tag}"
    subnet = 16 + secrets.randbelow(200)
    gateway, address = f"10.{subnet}.77.1", f"10.{subnet}.77.2"
    _ip("netns", "add", name)
    try:
        _ip("link", "add", outside, "type", "veth", "peer", "name", inside)
        _ip("link", "set", inside, "netns", name)
        _ip("addr", "add", f"{gateway}/30", "dev", outside)
        _ip("link", "set", outside, "up")
        _ip("-n", name, "addr", "add", f"{address}/30", "dev", inside)
        _ip("-n", name, "link", "set", inside, "up")
        _ip("-n", name, "link", "set", "lo", "up")
        yield Host(name=name, address=address, gateway=gateway)
    finally:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            _ip("link", "del", outside)
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            _ip("netns", "del", name)


@contextlib.contextmanager
def tcp_relay(listen: tuple[str, int], target: tuple[str, int]) -> Iterator[None]:
    """Accept on ``listen`` and pipe each connection to ``target`` (both ways) until exit."""
    server = socket.create_server(listen, reuse_port=False)
    server.settimeout(0.2)
    stop = threading.Event()
    open_sockets: list[socket.socket] = []

    def pump(source: socket.socket, sink: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := source.recv(65536):
                sink.sendall(data)
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)

    def accept() -> None:
        while not stop.is_set():
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            upstream = socket.create_connection(target)
            for sock in (client, upstream):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
                open_sockets.append(sock)
            threading.Thread(target=pump, args=(client, upstream), daemon=True).start()
            threading.Thread(target=pump, args=(upstream, client), daemon=True).start()

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join(5)
        server.close()
        for sock in open_sockets:
            with contextlib.suppress(OSError):
                sock.close()
