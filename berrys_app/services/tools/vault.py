"""The credentials vault: secrets encrypted at rest (Fernet, key from settings), only a
masked hint ever leaves, and every decryption for a tool call is audited."""

from __future__ import annotations

import base64
import hashlib
import json
import uuid
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import httpx
from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from sqlmodel import Session, col, select

from berrys_app.domain.accounts import Role
from berrys_app.domain.common import utcnow
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.tools import (
    Credential,
    CredentialBinding,
    CredentialCreate,
    CredentialKind,
    CredentialPublic,
    CredentialUse,
)
from berrys_app.services import events
from berrys_app.services.authz import ADMIN_READ, ADMIN_WRITE, PROJECTS_READ, Actor, require_role
from berrys_app.services.errors import Conflict, NotFound, ValidationFailed
from berrys_app.services.tools.context import Invocation, ToolFailure
from berrys_app.services.tools.mcp_hosts import host_allowed
from berrys_app.settings import get_settings

REQUIRED_FIELDS: dict[CredentialKind, tuple[str, ...]] = {
    CredentialKind.api_key: ("key",),
    CredentialKind.bearer: ("token",),
    CredentialKind.basic: ("username", "password"),
    CredentialKind.oauth2_client: ("client_id", "client_secret", "token_url"),
}
OPTIONAL_FIELDS: dict[CredentialKind, tuple[str, ...]] = {CredentialKind.oauth2_client: ("scope",)}


@lru_cache(maxsize=4)
def _fernet_for(keys: str) -> MultiFernet:
    """``ENCRYPTION_KEY`` may list several comma-separated keys: the first encrypts, any
    decrypts, so a key can be rotated (set "new,old", then ``python -m berrys_app rotate-key``)."""
    return MultiFernet([Fernet(key.strip().encode()) for key in keys.split(",") if key.strip()])


def _fernet() -> MultiFernet:
    return _fernet_for(get_settings().encryption_key)


def reencrypt_credentials(session: Session) -> int:
    """Re-encrypt every credential with the first (newest) key; the caller commits
    (``key_rotation.rotate_all`` moves every sealed value in one transaction)."""
    fernet = _fernet()
    rows = list(session.exec(select(Credential)))
    for row in rows:
        try:
            row.ciphertext = fernet.rotate(row.ciphertext.encode()).decode()
        except InvalidToken as exc:
            raise ValidationFailed(f"credential {row.name!r} cannot be decrypted with any configured key") from exc
        session.add(row)
    return len(rows)


def encrypt(secret: dict[str, str]) -> str:
    """Fernet token of the JSON secret (authenticated: tampering is detected on decrypt)."""
    return _fernet().encrypt(json.dumps(secret, sort_keys=True).encode()).decode()


def decrypt(ciphertext: str) -> dict[str, str]:
    try:
        return json.loads(_fernet().decrypt(ciphertext.encode()))
    except InvalidToken as exc:  # wrong ENCRYPTION_KEY or tampered row
        raise ToolFailure("credential_unreadable", "the credential cannot be decrypted; ask an admin") from exc


SEALED = "enc:v1:"


def seal(text: str) -> str:
    """A literal (e.g. an MCP env value an admin pasted) as stored: encrypted, tagged."""
    if text.startswith(SEALED):
        return text
    return SEALED + _fernet().encrypt(text.encode()).decode()


def reseal(text: str) -> str:
    """A sealed literal re-encrypted with the newest key (plaintext: sealed)."""
    if not text.startswith(SEALED):
        return seal(text)
    try:
        return SEALED + _fernet().rotate(text[len(SEALED) :].encode()).decode()
    except InvalidToken as exc:
        raise ValidationFailed("a sealed MCP setting cannot be decrypted with any configured key") from exc


def unseal(text: str) -> str:
    """The literal back (values stored before sealing existed are returned as they are)."""
    if not text.startswith(SEALED):
        return text
    try:
        return _fernet().decrypt(text[len(SEALED) :].encode()).decode()
    except InvalidToken as exc:
        raise ToolFailure("credential_unreadable", "a stored MCP setting cannot be decrypted; ask an admin") from exc


def mask(value: str) -> str:
    """A hint that helps a person recognise a secret without revealing it."""
    if len(value) <= 8:
        return "••••"
    return f"••••{value[-4:]}"


def _hint(kind: CredentialKind, secret: dict[str, str]) -> str:
    if kind is CredentialKind.basic:
        return f"{secret['username']}:••••"
    if kind is CredentialKind.oauth2_client:
        return f"client {secret['client_id']} secret {mask(secret['client_secret'])}"
    return mask(secret[REQUIRED_FIELDS[kind][0]])


def _public(row: Credential) -> CredentialPublic:
    return CredentialPublic.model_validate(row, from_attributes=True)


def _check_secret(kind: CredentialKind, secret: dict[str, str]) -> dict[str, str]:
    required = REQUIRED_FIELDS[kind]
    allowed = set(required) | set(OPTIONAL_FIELDS.get(kind, ()))
    missing = [name for name in required if not str(secret.get(name, "")).strip()]
    if missing:
        raise ValidationFailed(f"a {kind.value} credential needs: {', '.join(missing)}")
    extra = sorted(set(secret) - allowed)
    if extra:
        raise ValidationFailed(f"unknown fields for a {kind.value} credential: {', '.join(extra)}")
    return {name: str(value) for name, value in secret.items()}


# --- service functions (REST and dashboard call these) ---------------------------------------


def create_credential(
    session: Session, actor: Actor, *, team_id: uuid.UUID, data: CredentialCreate
) -> CredentialPublic:
    """Store a credential encrypted; the plaintext is never returned again (admins only)."""
    require_role(session, actor, team_id, Role.admin, scope=ADMIN_WRITE, what="team")
    kind = CredentialKind(data.kind)
    secret = _check_secret(kind, data.secret)
    exists = session.exec(select(Credential).where(Credential.team_id == team_id, Credential.name == data.name)).first()
    if exists:
        raise Conflict(f"a credential named {data.name!r} already exists in this team")
    row = Credential(
        team_id=team_id,
        name=data.name,
        kind=kind.value,
        ciphertext=encrypt(secret),
        hint=_hint(kind, secret),
        tool_names=sorted(set(data.tool_names)),
        allowed_hosts=data.allowed_hosts,
        header_names=data.header_names,
        description=data.description,
        created_by=actor.user_id,
    )
    session.add(row)
    events.emit(
        session,
        EventKind.CREDENTIAL_CREATED,
        team_id=team_id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={"name": row.name, "kind": row.kind, "allowed_hosts": row.allowed_hosts},
    )
    session.flush()
    return _public(row)


def bind_credential(
    session: Session, actor: Actor, *, team_id: uuid.UUID, credential_id: uuid.UUID, data: CredentialBinding
) -> CredentialPublic:
    """Set where a credential may be sent (admins only): credentials stored before host binding
    existed have no hosts and no http tool may send them until this is done."""
    require_role(session, actor, team_id, Role.admin, scope=ADMIN_WRITE, what="team")
    row = _load(session, team_id, credential_id)
    row.allowed_hosts = list(data.allowed_hosts)
    row.header_names = list(data.header_names)
    session.add(row)
    events.emit(
        session,
        EventKind.CREDENTIAL_BOUND,
        team_id=team_id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={"name": row.name, "allowed_hosts": row.allowed_hosts, "header_names": row.header_names},
    )
    session.flush()
    return _public(row)


def list_credentials(session: Session, actor: Actor, *, team_id: uuid.UUID) -> list[CredentialPublic]:
    """Masked views of the team's credentials (members may see names to reference them)."""
    require_role(session, actor, team_id, Role.member, scope=PROJECTS_READ, what="team")
    rows = session.exec(select(Credential).where(Credential.team_id == team_id).order_by(col(Credential.name)))
    return [_public(row) for row in rows]


def get_credential(session: Session, actor: Actor, *, team_id: uuid.UUID, credential_id: uuid.UUID) -> CredentialPublic:
    require_role(session, actor, team_id, Role.member, scope=PROJECTS_READ, what="team")
    return _public(_load(session, team_id, credential_id))


def delete_credential(session: Session, actor: Actor, *, team_id: uuid.UUID, credential_id: uuid.UUID) -> str:
    """Remove a credential and its audit trail (admins only); returns its name (for the audit row)."""
    require_role(session, actor, team_id, Role.admin, scope=ADMIN_WRITE, what="team")
    row = _load(session, team_id, credential_id)
    session.delete(row)
    events.emit(
        session,
        EventKind.CREDENTIAL_DELETED,
        team_id=team_id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={"name": row.name},
    )
    session.flush()
    return row.name


def list_credential_uses(
    session: Session, actor: Actor, *, team_id: uuid.UUID, credential_id: uuid.UUID, limit: int = 100
) -> list[CredentialUse]:
    """The audit trail of one credential, newest first (admins only)."""
    require_role(session, actor, team_id, Role.admin, scope=ADMIN_READ, what="team")
    _load(session, team_id, credential_id)
    query = (
        select(CredentialUse)
        .where(CredentialUse.credential_id == credential_id)
        .order_by(col(CredentialUse.id).desc())
        .limit(max(1, min(limit, 1000)))
    )
    return list(session.exec(query))


def _load(session: Session, team_id: uuid.UUID, credential_id: uuid.UUID) -> Credential:
    row = session.get(Credential, credential_id)
    if row is None or row.team_id != team_id:
        raise NotFound("credential not found")
    return row


# --- use by tools ----------------------------------------------------------------------------


def _named(session: Session, team_id: uuid.UUID, name: str, tool_name: str) -> Credential:
    """The team's credential ``name``, if ``tool_name`` may use it."""
    row = session.exec(select(Credential).where(Credential.team_id == team_id, Credential.name == name)).first()
    if row is None:
        raise ToolFailure("credential_not_found", f"no credential named {name!r} exists for this team")
    if row.tool_names and tool_name not in row.tool_names:
        raise ToolFailure("credential_not_allowed", f"credential {name!r} may not be used by tool {tool_name!r}")
    return row


def _audited_secret(session: Session, row: Credential, *, tool_name: str, purpose: str, **where: Any) -> dict[str, str]:
    secret = decrypt(row.ciphertext)
    row.last_used_at = utcnow()
    session.add(row)
    session.add(CredentialUse(credential_id=row.id, tool_name=tool_name, purpose=purpose, **where))
    return secret


def decrypt_for(
    session: Session,
    *,
    team_id: uuid.UUID,
    name: str,
    tool_name: str,
    purpose: str,
    call_key: str | None = None,
    project_id: uuid.UUID | None = None,
    task_id: uuid.UUID | None = None,
    agent_id: uuid.UUID | None = None,
) -> tuple[str, dict[str, str]]:
    """Decrypt the team's credential ``name`` for ``tool_name`` (scope checked) and audit the use
    (MCP servers: their URL or command is an admin's, so no host binding applies)."""
    row = _named(session, team_id, name, tool_name)
    secret = _audited_secret(
        session,
        row,
        tool_name=tool_name,
        purpose=purpose,
        call_key=call_key,
        project_id=project_id,
        task_id=task_id,
        agent_id=agent_id,
    )
    return row.kind, secret


def check_destination(row: Credential, url: httpx.URL, headers: set[str]) -> None:
    """The one rule for where an http request may carry a credential: a host on the
    credential's own ``allowed_hosts`` and, when it lists ``header_names``, only those headers.
    The tool's allowlist does not widen this (it may be ``*``)."""
    if not row.allowed_hosts:
        raise ToolFailure(
            "credential_host_refused",
            f"credential {row.name!r} has no allowed hosts, so no http tool may send it; "
            "a team admin must set its allowed_hosts first",
        )
    if not host_allowed(url, row.allowed_hosts):
        target = f"{url.host}:{url.port}" if url.port else url.host
        raise ToolFailure(
            "credential_host_refused",
            f"credential {row.name!r} may only be sent to {', '.join(row.allowed_hosts)}, not to {target}",
        )
    wrong = sorted(h for h in headers if row.header_names and h.lower() not in row.header_names)
    if wrong:
        raise ToolFailure(
            "credential_host_refused",
            f"credential {row.name!r} may only be put in header(s) {', '.join(row.header_names)}, "
            f"not in {', '.join(wrong)}",
        )


def check_references(session: Session, inv: Invocation, url: httpx.URL, refs: dict[str, set[str]]) -> None:
    """Every referenced credential exists, is this tool's to use and may go to ``url`` in the
    headers it is in (``refs``: name -> header names). Nothing is decrypted."""
    for name in sorted(refs):
        check_destination(_named(session, _team(inv, name), name, inv.tool_name), url, refs[name])


def _team(inv: Invocation, name: str) -> uuid.UUID:
    if inv.team_id is None:
        raise ToolFailure("credential_not_found", f"credential {name!r} is not available outside a project")
    return inv.team_id


@dataclass(frozen=True)
class UsedCredential:
    """A decrypted credential for one request; ``cache_key`` tells apart any two (team,
    credential, secret) so nothing derived from it (an OAuth2 token) is shared across them."""

    kind: str
    secret: dict[str, str]
    cache_key: tuple[str, str, str]


def use_credential(
    session: Session, inv: Invocation, name: str, *, url: httpx.URL, headers: set[str], purpose: str = "tool_call"
) -> UsedCredential:
    """Decrypt a credential for ``inv``'s request to ``url`` (destination checked first) and audit it.

    Every plaintext value is added to ``inv.secrets`` so the execution path scrubs it from
    anything it records or shows the model.
    """
    row = _named(session, _team(inv, name), name, inv.tool_name)
    check_destination(row, url, headers)
    secret = _audited_secret(
        session,
        row,
        tool_name=inv.tool_name,
        purpose=purpose,
        call_key=inv.ctx.call_key,
        project_id=inv.ctx.project_id,
        task_id=inv.ctx.task_id,
        agent_id=inv.ctx.agent_id,
    )
    inv.secrets.extend(value for value in secret.values() if len(value) >= 4)
    digest = hashlib.sha256(json.dumps(secret, sort_keys=True).encode()).hexdigest()
    return UsedCredential(kind=row.kind, secret=secret, cache_key=(str(row.team_id), str(row.id), digest))


def header_value(kind: str, secret: dict[str, str]) -> str:
    """What ``${credentials.NAME}`` expands to in a header (the caller writes the scheme).

    Not for ``oauth2_client`` (that needs a token request; see ``http_tool``)."""
    if kind == CredentialKind.oauth2_client.value:
        raise ToolFailure("credential_error", "an oauth2_client credential can only be used in HTTP headers")
    if kind == CredentialKind.basic.value:
        raw = f"{secret['username']}:{secret['password']}".encode()
        return base64.b64encode(raw).decode()
    if kind == CredentialKind.bearer.value:
        return secret["token"]
    return secret["key"]
