"""Who may do what: one place, called by REST routes, Reflex handlers and workers alike.

Resources of a team the actor does not belong to are reported as ``NotFound``
(never ``Forbidden``) so their existence does not leak.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlmodel import Session

from berrys_app.domain.accounts import ROLE_RANK, Role, TeamMember
from berrys_app.services.errors import Forbidden, NotFound


@dataclass(frozen=True)
class Actor:
    """The caller of a service: a user (via JWT, API key or dashboard session) or the system."""

    user_id: uuid.UUID | None
    label: str = "system"
    scopes: frozenset[str] = field(default_factory=frozenset)  # empty = all (JWT/dashboard)
    is_system: bool = False
    ip: str | None = None  # where the request came from (audit log)
    api_key_id: uuid.UUID | None = None  # set when the caller used an API key
    expires_at: float | None = None  # unix time the credential stops being valid (long-lived streams end then)
    session_id: uuid.UUID | None = None  # the login a session token belongs to (its end stops live data)

    @classmethod
    def system(cls, label: str = "system") -> Actor:
        return cls(user_id=None, label=label, is_system=True)


def role_in_team(session: Session, actor: Actor, team_id: uuid.UUID) -> Role | None:
    if actor.user_id is None:
        return None
    member = session.get(TeamMember, (team_id, actor.user_id))
    return Role(member.role) if member else None


def require_role(
    session: Session,
    actor: Actor,
    team_id: uuid.UUID,
    minimum: Role,
    *,
    scope: str | None = None,
    what: str = "resource",
) -> Role:
    """Ensure ``actor`` has at least ``minimum`` in ``team_id`` and, when it is an API key, the
    ``scope`` the action needs (the name the route declares); system actors pass as owner.

    Role and scope are checked together so no door (REST, a Reflex handler, a worker, SSE)
    can reach a service that checks the role and forgets the key's scope. ``scope=None`` is
    left only for the services that still check it themselves (``projects``, ``teams``);
    ``tests/security/test_keys_scope_checked_in_services.py`` keeps that list from growing.
    """
    if actor.is_system:
        return Role.owner
    role = role_in_team(session, actor, team_id)
    if role is None:
        raise NotFound(f"{what} not found")
    if scope is not None:
        require_scope(actor, scope)
    if ROLE_RANK[role] < ROLE_RANK[minimum]:
        raise Forbidden(f"this needs the {minimum.value} role in the team; you are {role.value}")
    return role


# the API-key scopes, by the names the routes declare (``auth.SCOPES`` describes them)
PROJECTS_READ, PROJECTS_WRITE = "projects:read", "projects:write"
ADMIN_READ, ADMIN_WRITE = "admin:read", "admin:write"


def require_scope(actor: Actor, scope: str) -> None:
    """API keys carry scopes (e.g. ``projects:read``); JWT/dashboard sessions have all."""
    if actor.is_system or not actor.scopes:
        return
    resource = scope.split(":", 1)[0]
    if scope not in actor.scopes and f"{resource}:*" not in actor.scopes and "*" not in actor.scopes:
        raise Forbidden(f"this API key lacks the scope {scope}")
