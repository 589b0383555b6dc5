"""Attack: spoof ``X-Forwarded-For`` to dodge the per-IP auth limit (or lock others out).

Whose forwarding headers count is the operator's decision (``BERRYS_TRUSTED_PROXIES``), never the
client's and never the web server's defaults (uvicorn trusts ``X-Forwarded-For`` from 127.0.0.1
unless told otherwise). From an untrusted peer the headers are ignored: two different spoofed
addresses from one peer share one rate-limit bucket, the audit row names the peer, and
``X-Forwarded-Proto: https`` earns no HSTS. With the peer listed as a trusted proxy, the address
its ``X-Forwarded-For`` names is the client (separate buckets), walked from the right.

The API runs in a real server started by the test: granian with its defaults, as ``reflex run
--env prod`` serves it, and uvicorn as the docs say to run it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import httpx
import pytest
from sqlmodel import Session, select

from berrys_app.domain.auth import AuditEntry
from tests.api.servers import GRANIAN, UVICORN, api_processes

BAD_LOGIN = {"email": "nobody@example.com", "password": "wrong-password"}


def _login_as(url: str, forwarded_for: str) -> httpx.Response:
    return httpx.post(f"{url}/api/v1/auth/token", json=BAD_LOGIN, headers={"X-Forwarded-For": forwarded_for})


def _failed_login_ips(session: Session) -> list[str | None]:
    session.expire_all()
    return [row.ip for row in session.exec(select(AuditEntry).where(AuditEntry.action == "auth.login_failed"))]


@pytest.fixture(params=["granian", "uvicorn"])
def server(request: pytest.FixtureRequest):
    """Serve the API with granian (what ``reflex run --env prod`` uses) or uvicorn as docs/api.md
    says to run it (``--no-proxy-headers``)."""
    argv = GRANIAN if request.param == "granian" else UVICORN

    @contextlib.contextmanager
    def serve(env: dict[str, str]) -> Iterator[str]:
        with api_processes(1, env, server=argv) as (url,):
            yield url

    return serve


@pytest.fixture
def limited(env: dict[str, str]) -> dict[str, str]:
    return {**env, "BERRYS_RATE_LIMIT_AUTH": "3", "BERRYS_TRUSTED_PROXIES": ""}


def test_spoofed_forwarded_for_from_an_untrusted_peer_shares_one_bucket(server, limited, session: Session) -> None:
    with server(limited) as url:
        for _ in range(3):
            assert _login_as(url, "203.0.113.1").status_code == 401
        r = _login_as(url, "198.51.100.2")  # another spoofed address, same peer
        assert r.status_code == 429, f"a spoofed X-Forwarded-For got a fresh rate-limit bucket: {r.status_code}"
        assert set(_failed_login_ips(session)) == {"127.0.0.1"}, "the audit trusted a spoofed address"
        r = httpx.get(f"{url}/health/live", headers={"X-Forwarded-Proto": "https"})
        assert "strict-transport-security" not in r.headers, "HSTS decided by an untrusted X-Forwarded-Proto"


def test_a_trusted_proxy_names_the_client(server, limited, session: Session) -> None:
    with server({**limited, "BERRYS_TRUSTED_PROXIES": "127.0.0.0/8, 10.0.0.0/8"}) as url:
        for _ in range(3):
            assert _login_as(url, "203.0.113.1").status_code == 401
        assert _login_as(url, "203.0.113.1").status_code == 429
        # the client spoofs a first hop; the trusted proxies (10.0.0.5, then this peer) append theirs
        r = _login_as(url, "203.0.113.1, 198.51.100.2, 10.0.0.5")
        assert r.status_code == 401, f"behind a trusted proxy every client shares one bucket: {r.status_code}"
        assert _failed_login_ips(session)[-1] == "198.51.100.2"
        r = httpx.get(f"{url}/health/live", headers={"X-Forwarded-Proto": "https"})
        assert "strict-transport-security" in r.headers, "https at the trusted proxy: HSTS expected"


def _dashboard_tab(forwarded_for: str):
    """A dashboard tab whose websocket came from 127.0.0.1 with this X-Forwarded-For."""
    from reflex.istate.data import RouterData
    from reflex.state import State

    from berrys_app.ui.state.session import SessionState

    root = State(_reflex_internal_init=True)
    headers = {"asgi-scope-client": "127.0.0.1", "x-forwarded-for": forwarded_for}
    root.router_data = {"token": "t", "pathname": "/login", "asPath": "/login", "sid": "s", "headers": headers}
    root.router = RouterData.from_router_data(root.router_data)
    return root.get_substate(SessionState.get_full_name().split(".")[1:])


def test_the_dashboard_takes_the_client_address_by_the_same_rule(env, monkeypatch: pytest.MonkeyPatch) -> None:
    from berrys_app.settings import get_settings

    assert _dashboard_tab("203.0.113.1")._client_ip() == "127.0.0.1", "the dashboard trusted a spoofed address"
    monkeypatch.setenv("BERRYS_TRUSTED_PROXIES", "127.0.0.1")
    get_settings.cache_clear()
    assert _dashboard_tab("203.0.113.1, 198.51.100.2")._client_ip() == "198.51.100.2"
