"""Mail in tests: a real SMTP server (aiosmtpd) started by the test, and the outbox's links.

``smtp_server`` points ``SMTP_URL`` at a fresh server on a free port; ``deliver()`` runs the
workers' delivery (``mail.deliver_due``) and returns what the server received.
"""

from __future__ import annotations

import email
import re
import socket
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from email.message import Message
from urllib.parse import parse_qs, urlparse

import pytest
from aiosmtpd.controller import Controller
from sqlmodel import Session, col, select

from berrys_app.domain.mail import OutboxMail
from berrys_app.services import mail
from berrys_app.settings import get_settings

LINK_RE = re.compile(r"https?://\S+")


@dataclass
class Inbox:
    """What the SMTP server received, in order."""

    messages: list[Message] = field(default_factory=list)
    logins: list[tuple[str, str]] = field(default_factory=list)

    async def handle_DATA(self, server, session, envelope) -> str:
        self.messages.append(email.message_from_bytes(envelope.original_content or envelope.content))
        return "250 OK"

    def to(self, address: str) -> list[Message]:
        return [m for m in self.messages if m["To"] == address]

    def link(self, address: str, path: str) -> str:
        """The newest link to ``path`` in a mail to ``address``."""
        for message in reversed(self.to(address)):
            for url in LINK_RE.findall(message.get_payload(decode=True).decode()):
                if urlparse(url).path == path:
                    return url
        raise AssertionError(f"no mail to {address} with a {path} link; got {[m['Subject'] for m in self.messages]}")


def token_of(link: str) -> str:
    return parse_qs(urlparse(link).query)["token"][0]


def deliver() -> int:
    """What the workers' mail cron does, once."""
    return mail.deliver_due()


def outbox_link(session: Session, address: str, path: str) -> str:
    """Without SMTP: the newest link to ``path`` the outbox holds for ``address`` (the operator's view)."""
    session.expire_all()
    rows = session.exec(
        select(OutboxMail).where(OutboxMail.to_address == address).order_by(col(OutboxMail.created_at).desc())
    )
    for row in rows:
        if urlparse(row.link).path == path:
            return row.link
    raise AssertionError(f"no outbox mail to {address} with a {path} link")


# the SMTP server the e2e platform sends to (one per test session, ``tests/e2e/harness.py``)
E2E_INBOX = Inbox()


def wait_for_link(inbox: Inbox, address: str, path: str, *, timeout_s: float = 20.0) -> str:
    """The link once the mail arrived (the workers deliver on their cron; this delivers too)."""
    deadline = time.monotonic() + timeout_s
    while True:
        deliver()
        try:
            return inbox.link(address, path)
        except AssertionError:
            if time.monotonic() > deadline:
                raise
        time.sleep(0.2)


def start_server(inbox: Inbox) -> tuple[Controller, int]:
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    return controller, port


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A real SMTP server on 127.0.0.1 (no STARTTLS offered); ``SMTP_URL`` points at it."""
    inbox = Inbox()
    controller, port = start_server(inbox)
    monkeypatch.setenv("SMTP_URL", f"smtp://127.0.0.1:{port}")
    get_settings.cache_clear()
    try:
        yield inbox
    finally:
        controller.stop()
        get_settings.cache_clear()
