"""Teams, members and roles. Admins manage members; only owners grant or remove ownership.

A team always keeps at least one owner. Nobody is made a member without consent: admins
invite (an existing account or an email), and the invited person accepts or declines. Only
the proven owner of the invited address accepts: signed in with it and either verified, or
following the link mailed to it (which verifies it).
"""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel
from sqlmodel import Session, col, func, select

from berrys_app.domain.accounts import ROLE_RANK, Role, Team, TeamMember, User
from berrys_app.domain.collab import TeamInvitation
from berrys_app.domain.common import utcnow
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.mail import TokenPurpose
from berrys_app.services import audit, email_tokens, events, identity, identity_mail
from berrys_app.services.auth import normalise_email
from berrys_app.services.authz import Actor, require_role, require_scope, role_in_team
from berrys_app.services.errors import Conflict, Forbidden, NotFound, ValidationFailed


class TeamView(BaseModel):
    id: uuid.UUID
    name: str
    role: Role


class InvitationView(BaseModel):
    id: uuid.UUID
    team_id: uuid.UUID
    team_name: str = ""  # filled for the invited person's own list
    email: str
    role: Role
    accepted_at: datetime | None
    created_at: datetime


class MemberView(BaseModel):
    user_id: uuid.UUID
    email: str
    name: str
    role: Role


def _role(value: str) -> Role:
    try:
        return Role(value)
    except ValueError as error:
        raise ValidationFailed(
            f"unknown role {value!r}", details={"field": "role", "allowed": [r.value for r in Role]}
        ) from error


def create_team(session: Session, actor: Actor, *, name: str) -> TeamView:
    """A new team; the creator is its owner."""
    require_scope(actor, "teams:write")
    if actor.user_id is None:
        raise Forbidden("teams are created by users")
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed("a team needs a name (1-200 characters)", details={"field": "name"})
    team = Team(name=name)
    session.add(team)
    session.flush()
    session.add(TeamMember(team_id=team.id, user_id=actor.user_id, role=Role.owner.value))
    audit.record(session, action="team.created", actor=actor, team_id=team.id, target_type="team", target_id=team.id)
    session.flush()
    return TeamView(id=team.id, name=team.name, role=Role.owner)


def list_my_teams(session: Session, actor: Actor) -> list[TeamView]:
    """The teams the actor belongs to, with the actor's role in each."""
    require_scope(actor, "teams:read")
    if actor.user_id is None:
        return []
    rows = session.exec(
        select(Team, TeamMember.role)
        .join(TeamMember, col(TeamMember.team_id) == col(Team.id))
        .where(TeamMember.user_id == actor.user_id)
        .order_by(col(Team.created_at))
    ).all()
    return [TeamView(id=team.id, name=team.name, role=Role(role)) for team, role in rows]


def get_team(session: Session, actor: Actor, team_id: uuid.UUID) -> TeamView:
    require_scope(actor, "teams:read")
    role = require_role(session, actor, team_id, Role.viewer, what="team")
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound("team not found")
    return TeamView(id=team.id, name=team.name, role=role)


def rename_team(session: Session, actor: Actor, team_id: uuid.UUID, *, name: str) -> TeamView:
    require_scope(actor, "teams:write")
    role = require_role(session, actor, team_id, Role.admin, what="team")
    name = (name or "").strip()
    if not name or len(name) > 200:
        raise ValidationFailed("a team needs a name (1-200 characters)", details={"field": "name"})
    team = session.get(Team, team_id)
    if team is None:
        raise NotFound("team not found")
    team.name = name
    session.add(team)
    return TeamView(id=team.id, name=team.name, role=role)


def list_members(session: Session, actor: Actor, team_id: uuid.UUID) -> list[MemberView]:
    require_scope(actor, "teams:read")
    require_role(session, actor, team_id, Role.viewer, what="team")
    rows = session.exec(
        select(TeamMember, User)
        .join(User, col(User.id) == col(TeamMember.user_id))
        .where(TeamMember.team_id == team_id)
        .order_by(col(TeamMember.created_at))
    ).all()
    return [MemberView(user_id=u.id, email=u.email, name=u.name, role=Role(m.role)) for m, u in rows]


def _owners(session: Session, team_id: uuid.UUID) -> int:
    return int(
        session.exec(
            select(func.count())
            .select_from(TeamMember)
            .where(TeamMember.team_id == team_id, TeamMember.role == Role.owner.value)
        ).one()
    )


def _may_manage(actor_role: Role, target: Role) -> None:
    """Admins manage viewers/members/admins; owner changes need an owner."""
    if target is Role.owner and actor_role is not Role.owner:
        raise Forbidden("only an owner can grant or change the owner role")
    if ROLE_RANK[actor_role] < ROLE_RANK[Role.admin]:
        raise Forbidden("this needs the admin role in the team")


def add_member(session: Session, actor: Actor, team_id: uuid.UUID, *, email: str, role: str) -> InvitationView:
    """Invite an existing account (by email) with a role; they join when they accept."""
    require_scope(actor, "teams:write")
    require_role(session, actor, team_id, Role.admin, what="team")
    user = session.exec(select(User).where(User.email == (email or "").strip().lower())).first()
    if user is None:
        raise ValidationFailed(
            "no account with this email; invite them instead (POST .../invitations)", details={"field": "email"}
        )
    return invite(session, actor, team_id, email=user.email, role=role)


def _join(session: Session, actor: Actor, team_id: uuid.UUID, user: User, role: str) -> None:
    """The one place a membership starts: the invited person accepted."""
    session.add(TeamMember(team_id=team_id, user_id=user.id, role=role))
    audit.record(
        session,
        action="member.added",
        actor=actor,
        team_id=team_id,
        target_type="user",
        target_id=user.id,
        details={"email": user.email, "role": role},
    )
    _membership_event(session, actor, EventKind.MEMBER_ADDED, team_id, user.id, {"role": role})
    session.flush()


def change_role(session: Session, actor: Actor, team_id: uuid.UUID, user_id: uuid.UUID, *, role: str) -> MemberView:
    require_scope(actor, "teams:write")
    actor_role = require_role(session, actor, team_id, Role.admin, what="team")
    new_role = _role(role)
    member = session.get(TeamMember, (team_id, user_id), with_for_update=True)
    if member is None:
        raise NotFound("member not found")
    old_role = Role(member.role)
    _may_manage(actor_role, old_role)
    _may_manage(actor_role, new_role)
    if old_role is Role.owner and new_role is not Role.owner and _owners(session, team_id) <= 1:
        raise Conflict("a team needs at least one owner")
    member.role = new_role.value
    session.add(member)
    audit.record(
        session,
        action="member.role_changed",
        actor=actor,
        team_id=team_id,
        target_type="user",
        target_id=user_id,
        details={"from": old_role.value, "to": new_role.value},
    )
    _membership_event(
        session, actor, EventKind.MEMBER_ROLE_CHANGED, team_id, user_id, {"from": old_role.value, "to": new_role.value}
    )
    user = session.get(User, user_id)
    return MemberView(user_id=user_id, email=user.email if user else "", name=user.name if user else "", role=new_role)


def remove_member(session: Session, actor: Actor, team_id: uuid.UUID, user_id: uuid.UUID) -> None:
    """Admins remove others; anyone may leave; the last owner cannot go."""
    require_scope(actor, "teams:write")
    if actor.user_id == user_id:
        require_role(session, actor, team_id, Role.viewer, what="team")
        actor_role = role_in_team(session, actor, team_id) or Role.viewer
    else:
        actor_role = require_role(session, actor, team_id, Role.admin, what="team")
    member = session.get(TeamMember, (team_id, user_id), with_for_update=True)
    if member is None:
        raise NotFound("member not found")
    if actor.user_id != user_id:
        _may_manage(actor_role, Role(member.role))
    if member.role == Role.owner.value and _owners(session, team_id) <= 1:
        raise Conflict("a team needs at least one owner")
    session.delete(member)
    audit.record(
        session,
        action="member.removed",
        actor=actor,
        team_id=team_id,
        target_type="user",
        target_id=user_id,
        details={"role": member.role},
    )
    _membership_event(session, actor, EventKind.MEMBER_REMOVED, team_id, user_id, {"role": member.role})


def _membership_event(
    session: Session, actor: Actor, kind: EventKind, team_id: uuid.UUID, user_id: uuid.UUID, details: dict[str, str]
) -> None:
    """Open dashboards re-check access live (the audit row alone reaches no one)."""
    events.emit(
        session,
        kind,
        team_id=team_id,
        actor_id=actor.user_id,
        actor=actor.label,
        payload={"user_id": str(user_id), "team_id": str(team_id), **details},
    )


# ---------------------------------------------------------------- invitations


def invite(session: Session, actor: Actor, team_id: uuid.UUID, *, email: str, role: str) -> InvitationView:
    """Invite an email address; the invitation is mailed to it with its own link. Whoever holds
    the address joins by following the link (signed in with that address) or, once the address
    is verified, from their invitations list."""
    require_scope(actor, "teams:write")
    actor_role = require_role(session, actor, team_id, Role.admin, what="team")
    new_role = _role(role)
    _may_manage(actor_role, new_role)
    email = normalise_email(email)
    pending = session.exec(
        select(TeamInvitation).where(
            TeamInvitation.team_id == team_id,
            TeamInvitation.email == email,
            col(TeamInvitation.accepted_at).is_(None),
        )
    ).first()
    if pending is not None:
        raise Conflict("this email is already invited")
    invitee = session.exec(select(User).where(User.email == email)).first()
    if invitee is not None and session.get(TeamMember, (team_id, invitee.id)) is not None:
        raise Conflict("already a member of this team")
    row = TeamInvitation(team_id=team_id, email=email, role=new_role.value, invited_by=actor.user_id)
    session.add(row)
    audit.record(
        session,
        action="member.invited",
        actor=actor,
        team_id=team_id,
        target_type="invitation",
        target_id=row.id,
        details={"email": email, "role": new_role.value},
    )
    session.flush()
    team = session.get(Team, team_id)
    identity_mail.invitation(
        session, email=email, invitation_id=row.id, team_name=team.name if team else "", role=new_role.value
    )
    return InvitationView.model_validate(row, from_attributes=True)


def list_invitations(session: Session, actor: Actor, team_id: uuid.UUID) -> list[InvitationView]:
    require_scope(actor, "teams:read")
    require_role(session, actor, team_id, Role.admin, what="team")
    rows = session.exec(
        select(TeamInvitation).where(TeamInvitation.team_id == team_id).order_by(col(TeamInvitation.created_at))
    )
    return [InvitationView.model_validate(r, from_attributes=True) for r in rows]


def revoke_invitation(session: Session, actor: Actor, team_id: uuid.UUID, invitation_id: uuid.UUID) -> None:
    require_scope(actor, "teams:write")
    require_role(session, actor, team_id, Role.admin, what="team")
    row = session.get(TeamInvitation, invitation_id)
    if row is None or row.team_id != team_id:
        raise NotFound("invitation not found")
    if row.accepted_at is not None:
        raise Conflict("this invitation was already accepted")
    session.delete(row)


def my_invitations(session: Session, actor: Actor) -> list[InvitationView]:
    """The pending invitations addressed to the caller's email, with the inviting team's name;
    none until the address is verified (whoever typed it at sign-up learns nothing of them)."""
    require_scope(actor, "teams:read")
    me = session.get(User, actor.user_id) if actor.user_id else None
    if me is None or me.email_verified_at is None:
        return []
    rows = session.exec(
        select(TeamInvitation, Team.name)
        .join(Team, col(Team.id) == col(TeamInvitation.team_id))
        .where(TeamInvitation.email == _email_of(session, actor), col(TeamInvitation.accepted_at).is_(None))
        .order_by(col(TeamInvitation.created_at))
    ).all()
    return [
        InvitationView.model_validate(row, from_attributes=True).model_copy(update={"team_name": name})
        for row, name in rows
    ]


def _email_of(session: Session, actor: Actor) -> str:
    user = session.get(User, actor.user_id) if actor.user_id else None
    if user is None:
        raise NotFound("invitation not found")
    return user.email


def _my_pending(session: Session, actor: Actor, invitation_id: uuid.UUID) -> TeamInvitation:
    """An invitation to the caller's own email that is still open (anyone else's does not exist)."""
    row = session.get(TeamInvitation, invitation_id, with_for_update=True)
    if row is None or row.accepted_at is not None or row.email != _email_of(session, actor):
        raise NotFound("invitation not found")
    return row


def accept_invitation(session: Session, actor: Actor, invitation_id: uuid.UUID) -> TeamView:
    """The invited person joins the team with the invited role, once their address is verified
    (an unverified account with the address may belong to anyone who typed it at sign-up)."""
    require_scope(actor, "teams:write")
    row = _my_pending(session, actor, invitation_id)
    user = session.get(User, actor.user_id)
    assert user is not None  # _my_pending found their email
    if user.email_verified_at is None:
        raise Forbidden(
            "confirm your email address first (the link we mailed you, or the invitation's own link)",
            details={"reason": "email_not_verified"},
        )
    return _accept(session, actor, row, user)


def accept_invitation_link(session: Session, actor: Actor, token: str) -> TeamView:
    """Accept through the link mailed to the invited address: only the account with that address
    may, and following the link proves the address is theirs (it is verified too)."""
    require_scope(actor, "teams:write")
    link = email_tokens.consume(session, token, TokenPurpose.invite)
    row = session.get(TeamInvitation, link.invitation_id, with_for_update=True) if link.invitation_id else None
    if row is None or row.accepted_at is not None:
        raise ValidationFailed("this invitation is no longer open", details={"field": "token"})
    user = session.get(User, actor.user_id) if actor.user_id else None
    if user is None or user.email != row.email or link.email != row.email:
        raise Forbidden(
            f"this invitation is for {row.email}; sign in with that address to accept it",
            details={"reason": "other_address"},
        )
    identity.mark_verified(session, user, ip=actor.ip, how="invitation_link")
    return _accept(session, actor, row, user)


def _accept(session: Session, actor: Actor, row: TeamInvitation, user: User) -> TeamView:
    if session.get(TeamMember, (row.team_id, user.id)) is None:
        _join(session, actor, row.team_id, user, row.role)
    row.accepted_at = utcnow()
    session.add(row)
    team = session.get(Team, row.team_id)
    return TeamView(id=row.team_id, name=team.name if team else "", role=Role(row.role))


def decline_invitation(session: Session, actor: Actor, invitation_id: uuid.UUID) -> None:
    """The invited person says no: the invitation is gone (the team may invite again)."""
    require_scope(actor, "teams:write")
    row = _my_pending(session, actor, invitation_id)
    audit.record(
        session,
        action="member.invitation_declined",
        actor=actor,
        team_id=row.team_id,
        target_type="invitation",
        target_id=row.id,
        details={"email": row.email, "role": row.role},
    )
    session.delete(row)
