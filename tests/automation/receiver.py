"""A webhook receiver for the tests: a real HTTP server on loopback that answers each request
with the next scripted status and checks each signature by hand, per the Standard Webhooks
spec (not with the library Berrys signs with)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def signature_ok(secret: str, headers: dict[str, str], body: str) -> bool:
    """``v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>``, key = base64 after ``whsec_``,
    with a timestamp within five minutes."""
    key = base64.b64decode(secret.removeprefix("whsec_"))
    message_id, stamp = headers.get("webhook-id", ""), headers.get("webhook-timestamp", "")
    if not message_id or not stamp.isdigit() or abs(time.time() - int(stamp)) > 300:
        return False
    expected = base64.b64encode(hmac.new(key, f"{message_id}.{stamp}.{body}".encode(), hashlib.sha256).digest())
    offered = [part.split(",", 1)[1] for part in headers.get("webhook-signature", "").split() if part.startswith("v1,")]
    return any(hmac.compare_digest(expected.decode(), sig) for sig in offered)


@dataclass
class Receiver:
    url: str = ""
    secret: str = ""  # set once the endpoint is created
    statuses: list[int] = field(default_factory=list)  # answers to give, in order (then 200)
    seen: list[dict[str, Any]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def received(self) -> list[dict[str, Any]]:
        with self.lock:
            return list(self.seen)


@contextmanager
def receiving() -> Iterator[Receiver]:
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            headers = {k.lower(): v for k, v in self.headers.items()}
            with receiver.lock:
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                receiver.seen.append(
                    {
                        "path": self.path,
                        "headers": headers,
                        "body": json.loads(body),
                        "signature_ok": signature_ok(receiver.secret, headers, body),
                        "answered": status,
                    }
                )
            payload = b'{"ok": true}' if status < 300 else b'{"error": "try later"}'
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield receiver
    finally:
        server.shutdown()
        server.server_close()
