"""Who the client is, behind reverse proxies (``BERRYS_TRUSTED_PROXIES``).

A forwarding header is only as true as whoever wrote it: ``X-Forwarded-For`` / ``-Proto`` count
only when the connecting peer is a trusted proxy. ``X-Forwarded-For`` is walked from the right
(each proxy appends the address it saw), skipping trusted hops; the first untrusted address is the
client. Without trusted proxies the peer is the client, whatever the headers say. The rate limits,
the audit IP, HSTS and secure cookies all ask here.

The web server must not rewrite the peer itself (uvicorn trusts ``X-Forwarded-For`` from
127.0.0.1 by default; run it with ``--no-proxy-headers``). ``reflex run --env prod`` serves with
granian, which leaves the peer alone.
"""

from __future__ import annotations

from ipaddress import ip_address

from starlette.datastructures import Headers
from starlette.types import Scope

from berrys_app.settings import get_settings


def is_trusted(address: str | None) -> bool:
    try:
        ip = ip_address((address or "").strip())
    except ValueError:
        return False
    return any(ip in network for network in get_settings().trusted_proxies)


def client_address(peer: str | None, forwarded_for: str | None) -> str | None:
    """The client's address: the peer, or (peer trusted) the rightmost untrusted forwarded hop."""
    if not is_trusted(peer):
        return peer
    client = peer
    for hop in reversed([h.strip() for h in (forwarded_for or "").split(",") if h.strip()]):
        try:
            ip_address(hop)
        except ValueError:
            break  # garbage a client wrote: the last trusted hop is all we know
        client = hop
        if not is_trusted(hop):
            break
    return client


def scheme(peer: str | None, forwarded_proto: str | None, own: str) -> str:
    """``https`` or ``http`` as the client used it: a trusted proxy's ``X-Forwarded-Proto`` (its
    last value), else the connection's own scheme."""
    if forwarded_proto and is_trusted(peer):
        proto = forwarded_proto.split(",")[-1].strip().lower()
        if proto in ("http", "https"):
            return proto
    return own


def _header(scope: Scope, name: str) -> str:
    """Every value of a header, joined (a repeated header is one list)."""
    return ",".join(Headers(scope=scope).getlist(name))


def scope_client(scope: Scope) -> str | None:
    """The client's address for an ASGI request."""
    peer = scope["client"][0] if scope.get("client") else None
    return client_address(peer, _header(scope, "x-forwarded-for"))


def scope_scheme(scope: Scope) -> str:
    """The scheme the client used for an ASGI request (``ws``/``wss`` count as ``http``/``https``)."""
    peer = scope["client"][0] if scope.get("client") else None
    own = "https" if scope.get("scheme") in ("https", "wss") else "http"
    return scheme(peer, _header(scope, "x-forwarded-proto"), own)
