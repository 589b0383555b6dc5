"""How an MCP server's secrets are stored and shown: env/headers values and URL query values
sealed at rest (a DB dump shows no pasted secret), masked in every read view and in every
error text (``last_error``, events, tool results never echo a decrypted value)."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from sqlmodel import Session, select

from berrys_app.domain.tools import McpServer
from berrys_app.services.tools import vault

MASK = "********"
# a value shown back as written: one vault reference, optionally after an HTTP auth scheme word
_SHOWN = re.compile(r"(?:(?:Bearer|Basic|Token|Bot|ApiKey|Api-Key)\s+)?\$\{credentials\.[A-Za-z][A-Za-z0-9_]*\}", re.I)
# ``?key=value``/``&key=value`` anywhere in an error text (an httpx message quotes the URL it called)
_QUERY_VALUE = re.compile(r"([?&][^=\s&#'\"<>]+=)[^&\s#'\"<>]+")


def literal(value: str) -> bool:
    """Anything but a bare vault reference (``${credentials.X}``, ``Bearer ${credentials.X}``)."""
    return not _SHOWN.fullmatch(value.strip())


def sealed_values(values: dict[str, str]) -> dict[str, str]:
    """env/headers as stored: literal values encrypted with the vault key; vault references
    stay readable."""
    return {key: vault.seal(value) if literal(value) else value for key, value in values.items()}


def _map_query(url: str | None, change: Callable[[str], str], *, safe: str = "${}.*:") -> str | None:
    """``url`` with ``change`` applied to each query value (sealing, unsealing, masking)."""
    if not url:
        return url
    parts = urlsplit(url)
    if not parts.query:
        return url
    query = parse_qsl(parts.query, keep_blank_values=True)
    return urlunsplit(parts._replace(query=urlencode([(k, change(v)) for k, v in query], safe=safe)))


def sealed_url(url: str | None) -> str | None:
    """A server URL as stored: literal query values (``?api_key=...``) encrypted."""
    return _map_query(url, lambda v: vault.seal(v) if literal(v) and v else v)


def unsealed_url(url: str | None) -> str | None:
    """The URL the client connects to (query values decrypted)."""
    return _map_query(url, vault.unseal) if url and vault.SEALED in url else url


def url_secrets(url: str | None) -> list[str]:
    """The decrypted literal query values of a stored URL (to mask wherever they could show)."""
    if not url or vault.SEALED not in url:
        return []
    return [vault.unseal(v) for _, v in parse_qsl(urlsplit(url).query) if vault.SEALED in v]


def reseal_servers(session: Session) -> int:
    """Every server's literals sealed with the newest key (key rotation; rows stored before
    literals were sealed get sealed). Returns how many rows; the caller commits."""
    rows = list(session.exec(select(McpServer)))
    for row in rows:
        row.env = {k: vault.reseal(v) if literal(v) else v for k, v in row.env.items()}
        row.headers = {k: vault.reseal(v) if literal(v) else v for k, v in row.headers.items()}
        row.url = _map_query(row.url, lambda v: vault.reseal(v) if literal(v) and v else v)
        session.add(row)
    return len(rows)


def masked(values: dict[str, str]) -> dict[str, str]:
    """``env``/``headers`` as anyone may read them: write-only like credentials.

    A value that is only a ``${credentials.NAME}`` reference (or ``Bearer ${credentials.NAME}``)
    is shown; anything else could be a secret an admin pasted in, so only its key is.
    """
    return {key: MASK if literal(value) else value for key, value in values.items()}


def masked_args(args: list[str]) -> list[str]:
    """A stdio server's arguments as members see them: bare flags (``--verbose``), paths
    and vault references shown; anything else (``--api-key=...``, a token) masked."""
    shown: list[str] = []
    for arg in args:
        flag, eq, value = arg.partition("=")
        if eq:
            shown.append(f"{flag}={value if not literal(value) else MASK}" if flag.startswith("-") else MASK)
        elif arg.startswith(("-", "/")) or not literal(arg):
            shown.append(arg)
        else:
            shown.append(MASK)
    return shown


def masked_url(url: str | None) -> str | None:
    """A server URL as anyone may read it: query values (``?api_key=...``) masked like ``env``."""
    return _map_query(url, lambda value: value if _SHOWN.fullmatch(value.strip()) else MASK, safe="${}.*")


def masked_error(text: str, secrets: Iterable[str] = ()) -> str:
    """An error text safe to store and show: every known secret value and every URL query
    value masked (transport errors quote the URL they called, query secret included)."""
    for secret in sorted({s for s in secrets if s}, key=len, reverse=True):
        text = text.replace(secret, MASK)
    return _QUERY_VALUE.sub(lambda m: m.group(1) + MASK, text)
