"""The mail outbox: delivered by the workers' job over real SMTP servers started here (plain,
STARTTLS with a login), retried with backoff when the server is down, never lost when a worker
dies mid-delivery, and written to the operator's log when no SMTP server is configured."""

from __future__ import annotations

import datetime as dt
import ipaddress
import logging
import ssl
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from sqlmodel import Session, select

from berrys_app.db import session_scope
from berrys_app.domain.accounts import User
from berrys_app.domain.mail import MailStatus, OutboxMail
from berrys_app.services import mail, system
from berrys_app.services.authz import Actor
from berrys_app.services.errors import Forbidden
from berrys_app.settings import get_settings
from tests.api.conftest import make_person
from tests.mailbox import Inbox, _free_port, deliver, smtp_server  # noqa: F401
from workers.mail import deliver_mail

SMTP_PASSWORD = "smtp-pa55word-never-logged"


def _queue(session: Session, to: str = "ada@example.com") -> OutboxMail:
    row = mail.enqueue(session, to=to, subject="Hello", body="open https://x.example/verify-email?token=t", link="l")
    session.commit()
    return row


async def test_the_worker_job_delivers_over_smtp_and_clears_the_link(
    session: Session,
    smtp_server: Inbox,  # noqa: F811
) -> None:
    row = _queue(session)
    assert await deliver_mail({}) == "mails=1"
    (message,) = smtp_server.to("ada@example.com")
    assert message["Subject"] == "Hello" and message["From"] == get_settings().mail_from
    session.expire_all()
    sent = session.get(OutboxMail, row.id)
    assert sent.status == MailStatus.sent and sent.attempts == 1 and sent.body == "" and sent.link == ""
    assert await deliver_mail({}) == "mails=0"  # sent once


def _certificate(tmp_path: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 (the test trusts it through SSL_CERT_FILE)."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(hours=1))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(x509.KeyUsage(True, False, False, False, False, True, False, False, False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp_path / "smtp.pem", tmp_path / "smtp.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    )
    return cert_path, key_path


@pytest.fixture
def starttls_server(env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Inbox]:
    """A real SMTP server offering STARTTLS and accepting a login only over TLS."""
    cert_path, key_path = _certificate(tmp_path)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)
    inbox = Inbox()

    def authenticate(server, session, envelope, mechanism, auth_data) -> AuthResult:
        ok = auth_data.login == b"mailer" and auth_data.password == SMTP_PASSWORD.encode()
        if ok:
            inbox.logins.append((auth_data.login.decode(), "tls" if session.ssl else "plain"))
        return AuthResult(success=ok)

    port = _free_port()
    controller = Controller(
        inbox,
        hostname="127.0.0.1",
        port=port,
        tls_context=context,
        require_starttls=True,
        authenticator=authenticate,
        auth_required=True,
    )
    controller.start()
    monkeypatch.setenv("SSL_CERT_FILE", str(cert_path))
    monkeypatch.setenv("SMTP_URL", f"smtp://mailer:{SMTP_PASSWORD}@127.0.0.1:{port}")
    get_settings.cache_clear()
    try:
        yield inbox
    finally:
        controller.stop()
        get_settings.cache_clear()


def test_starttls_and_login_from_the_url(session: Session, starttls_server: Inbox) -> None:
    _queue(session)
    assert deliver() == 1
    assert starttls_server.logins == [("mailer", "tls")]
    assert [m["Subject"] for m in starttls_server.to("ada@example.com")] == ["Hello"]


def test_a_down_server_is_retried_with_backoff_and_the_password_is_never_logged(
    session: Session, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv("SMTP_URL", f"smtp://mailer:{SMTP_PASSWORD}@127.0.0.1:{_free_port()}")  # nobody listens
    monkeypatch.setenv("BERRYS_MAIL_MAX_ATTEMPTS", "2")
    get_settings.cache_clear()
    row = _queue(session)
    with caplog.at_level(logging.DEBUG):
        assert deliver() == 1
        session.expire_all()
        failed = session.get(OutboxMail, row.id)
        assert failed.status == MailStatus.pending and failed.attempts == 1
        assert "ConnectionRefusedError" in failed.last_error
        assert failed.next_attempt_at > dt.datetime.now(dt.UTC) + dt.timedelta(seconds=20)  # backoff 30 s
        assert deliver() == 0, "a failed mail was retried before its backoff"

        failed.next_attempt_at = dt.datetime.now(dt.UTC)  # its backoff has passed
        session.add(failed)
        session.commit()
        assert deliver() == 1
    session.expire_all()
    assert session.get(OutboxMail, row.id).status == MailStatus.failed  # BERRYS_MAIL_MAX_ATTEMPTS
    assert SMTP_PASSWORD not in caplog.text and SMTP_PASSWORD not in session.get(OutboxMail, row.id).last_error
    assert SMTP_PASSWORD not in repr(get_settings())


def test_a_row_claimed_by_a_worker_that_dies_is_delivered_later(
    session: Session,
    smtp_server: Inbox,  # noqa: F811
) -> None:
    row = _queue(session)
    with session_scope() as dying:  # a worker that claimed the row and is killed before committing
        claimed = dying.exec(select(OutboxMail).with_for_update(skip_locked=True)).one()
        assert claimed.id == row.id
        assert deliver() == 0, "another worker sent a row that is being delivered"
        dying.rollback()  # the connection ends: the lock goes, nothing was committed
    assert deliver() == 1
    assert len(smtp_server.to("ada@example.com")) == 1


def test_without_smtp_the_link_goes_to_the_log_and_stays_for_the_operator(
    session: Session, caplog: pytest.LogCaptureFixture
) -> None:
    assert get_settings().smtp_url is None
    row = _queue(session)
    with caplog.at_level(logging.WARNING, logger="berrys.mail"):
        assert deliver() == 1
    (line,) = [r.getMessage() for r in caplog.records if r.name == "berrys.mail"]
    assert "SMTP_URL is not set" in line and "to=ada@example.com" in line and "link=l" in line
    session.expire_all()
    logged = session.get(OutboxMail, row.id)
    assert logged.status == MailStatus.logged and logged.link == "l"


def test_only_the_operator_sees_the_outbox_and_its_links_only_without_smtp(
    session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    first, second = make_person(session), make_person(session)  # the first account runs the install
    as_first = Actor(user_id=first.user_id, label=first.email)
    as_second = Actor(user_id=second.user_id, label=second.email)
    _queue(session)
    (item,) = system.mail_outbox(session, as_first)
    assert item["to"] == "ada@example.com" and item["link"] == "l"
    with pytest.raises(Forbidden):
        system.mail_outbox(session, as_second)

    monkeypatch.setenv("BERRYS_OPERATOR_EMAILS", second.email)
    get_settings.cache_clear()
    assert system.is_operator(session, as_second) and not system.is_operator(session, as_first)
    session.get(User, second.user_id).email_verified_at = None  # an unverified claim to the address
    assert not system.is_operator(session, as_second)
    session.rollback()

    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:1")
    get_settings.cache_clear()
    (item,) = system.mail_outbox(session, as_second)
    assert item["link"] == "", "with SMTP the links went to their addresses, not to the operator"
