"""Where an http MCP server (or an http tool) may connect: any public host, plus the hosts
the operator lists in ``BERRYS_MCP_HTTP_HOSTS`` (MCP) / ``BERRYS_HTTP_INTERNAL_HOSTS`` (http
tools).

Team admins are self-service (anyone can create a team), so without this check any
registered user could make the web and worker hosts talk to the operator's own network
(SSRF: cloud metadata at 169.254.169.254, services on loopback, the private LAN).

The check runs when a server is registered (a clear 403) and again on every TCP connection
the MCP client opens: the address checked is the address dialled, so a row stored before the
list was tightened, or a name re-pointed at an internal address later (DNS rebinding), is
refused too.
"""

from __future__ import annotations

import ipaddress
import socket
from collections.abc import Iterable
from typing import Any

import anyio
import httpx
import httpx2
from httpcore._backends.auto import AutoBackend as HttpcoreAutoBackend
from httpcore2._backends.auto import AutoBackend
from httpcore2._backends.base import SOCKET_OPTION

from berrys_app.services.errors import Forbidden, ValidationFailed
from berrys_app.settings import get_settings

SETTING = "BERRYS_MCP_HTTP_HOSTS"
HTTP_TOOL_SETTING = "BERRYS_HTTP_INTERNAL_HOSTS"


class HostRefused(ConnectionRefusedError):
    """The client was about to connect to an internal address that is not allowed."""


def host_allowed(url: httpx.URL, allowed: list[str]) -> bool:
    """``host``, ``host:port`` or ``*.domain`` entries (``*``: any host); an empty list allows nothing."""
    host = (url.host or "").lower()
    with_port = f"{host}:{url.port}" if url.port else host
    for entry in (item.lower().strip() for item in allowed):
        if entry == "*" or entry in (host, with_port):
            return True
        if entry.startswith("*.") and host.endswith(entry[1:]):
            return True
    return False


def _operator_list(setting: str) -> list[str]:

    settings = get_settings()
    return settings.http_internal_hosts if setting == HTTP_TOOL_SETTING else settings.mcp_http_hosts


def _listed(host: str, port: int, setting: str = SETTING) -> bool:
    """The operator trusts this host (it may then resolve to anything)."""
    patterns = [p.lower().strip() for p in _operator_list(setting)]
    if "*" in patterns:
        return True
    url = httpx.URL(scheme="http", host=host, port=port)  # port 80 becomes None: "host" matches
    return host_allowed(url, patterns) or f"{host.lower()}:{port}" in patterns


NAT64 = ipaddress.ip_network("64:ff9b::/96")  # RFC 6052 well-known prefix: the last 32 bits are IPv4
LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # RFC 8215: a translator of the operator's own network
IPV4_COMPATIBLE = ipaddress.ip_network("::/96")  # deprecated ``::a.b.c.d``: the last 32 bits are IPv4


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 one carries to its destination (mapped, 6to4, NAT64 or
    IPv4-compatible), which Python's ``is_global`` judges by the IPv6 range alone."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip in NAT64 or ip in IPV4_COMPATIBLE:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def _internal(address: str) -> bool:
    """Anything but a global unicast address (``ipaddress``'s ``is_global``): loopback,
    private, link-local, shared, reserved, documentation, multicast, unspecified; an IPv6
    address embedding an IPv4 one is judged by both."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in LOCAL_NAT64:
            return True
        embedded = _embedded_ipv4(ip)
        if embedded is not None and (not embedded.is_global or embedded.is_multicast):
            return True
    return not ip.is_global or ip.is_multicast


async def _resolve(host: str, port: int) -> list[str]:
    infos = await anyio.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


async def vetted_address(host: str, port: int, *, setting: str = SETTING) -> str:
    """The address to dial for ``host:port``: the host itself when the operator listed it,
    else its first resolved address once every resolved address proved public.

    Raises ``HostRefused`` (naming the host, the address and the setting) or ``OSError``
    when the name does not resolve.
    """
    if _listed(host, port, setting):
        return host
    addresses = await _resolve(host, port)
    _refuse_internal(host, addresses, setting)
    return addresses[0]


def _refuse_internal(host: str, addresses: list[str], setting: str) -> None:
    internal = [a for a in addresses if _internal(a)]
    if internal:
        via = "" if internal[0] == host else f" (it resolves to {internal[0]})"
        what = "the MCP server host" if setting == SETTING else "the host"
        who = "http MCP servers" if setting == SETTING else "http tools"
        raise HostRefused(
            f"{what} {host!r}{via} is an internal address (loopback, private, link-local or another non-global range); "
            f"{who} may reach only public hosts unless the operator lists the host in {setting}"
        )


def check_allowed_hosts(entries: list[str]) -> None:
    """Registration-time check of an http tool's ``allowed_hosts``: ``Forbidden`` for an entry
    naming (or resolving to) an internal address the operator did not list. ``*.domain``
    entries and names that do not resolve now are checked on every connection instead."""
    for entry in entries:
        text = entry.strip().lower()
        if text.startswith("*."):
            continue
        try:
            parsed = httpx.URL(f"http://{text}")
            host, port = parsed.host, parsed.port or 80
        except (httpx.InvalidURL, ValueError) as exc:
            raise ValidationFailed(f"allowed_hosts entry {entry!r} is not a host or host:port") from exc
        if not host or _listed(host, port, HTTP_TOOL_SETTING):
            continue
        try:
            infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
        except (OSError, UnicodeError):
            continue
        try:
            _refuse_internal(host, [str(info[4][0]) for info in infos], HTTP_TOOL_SETTING)
        except HostRefused as exc:
            raise Forbidden(str(exc)) from exc


async def check_url(url: str) -> None:
    """Registration-time check: ``Forbidden`` for an internal host the operator did not list.

    A name that does not resolve is let through: discovery then fails (502, stored with
    ``status='error'``), and every later connection is checked again anyway.
    """
    try:
        parsed = httpx.URL(url)
        host = parsed.host  # decoded lazily: a bad international name fails here
    except (httpx.InvalidURL, ValueError) as exc:  # ValueError: a bad international name (IDNA)
        raise ValidationFailed(f"the MCP server url is not a valid URL: {exc}") from exc
    if parsed.userinfo:
        raise ValidationFailed("put credentials in headers as ${credentials.NAME}, not in the MCP server url")
    if not host:
        raise ValidationFailed("an http MCP server needs an http:// or https:// url with a host")
    port = parsed.port or (443 if parsed.scheme == "https" else 80)
    try:
        await vetted_address(host, port)
    except HostRefused as exc:
        raise Forbidden(str(exc)) from exc
    except (OSError, UnicodeError):  # does not resolve (now): discovery will say so
        return


class _VettedConnect:
    """A network backend mixin that dials only vetted addresses (checked per connection, against
    ``setting``'s operator list). httpx2 (MCP) and httpx (http tools) each ship their own httpcore,
    hence one backend class per library on top of this."""

    setting = SETTING

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[SOCKET_OPTION] | None = None,
    ) -> Any:
        with anyio.fail_after(timeout):
            address = await vetted_address(host, port, setting=self.setting)
        # TLS still verifies and sends SNI for ``host``: httpcore takes those from the request URL
        return await super().connect_tcp(  # type: ignore[misc]
            address, port, timeout=timeout, local_address=local_address, socket_options=socket_options
        )


class _GuardedBackend(_VettedConnect, AutoBackend):
    """httpcore2's backend for MCP servers (``BERRYS_MCP_HTTP_HOSTS``)."""


class _GuardedHttpcoreBackend(_VettedConnect, HttpcoreAutoBackend):
    """httpcore's backend for http tools (``BERRYS_HTTP_INTERNAL_HOSTS``)."""

    setting = HTTP_TOOL_SETTING


def guarded_client(headers: dict[str, str], timeout: httpx2.Timeout) -> httpx2.AsyncClient:
    """An HTTP client for MCP servers whose every connection passes ``vetted_address``.

    Environment proxies are ignored (``trust_env=False``): a proxy would dial the host itself,
    past the check.
    """
    transport = httpx2.AsyncHTTPTransport(trust_env=False)
    transport._pool._network_backend = _GuardedBackend()  # httpx2 has no public knob for it
    return httpx2.AsyncClient(headers=headers, timeout=timeout, transport=transport, trust_env=False)


def guarded_http_client(timeout: float) -> httpx.AsyncClient:
    """An httpx client for http tools whose every connection passes ``vetted_address``
    (no environment proxies, no redirects)."""
    transport = httpx.AsyncHTTPTransport(trust_env=False)
    transport._pool._network_backend = _GuardedHttpcoreBackend()  # no public knob for it
    return httpx.AsyncClient(timeout=timeout, follow_redirects=False, transport=transport, trust_env=False)
