"""The caller: who am I, which teams am I in."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from berrys_app.api.deps import CurrentActor, ListOf, SessionDep, access, list_of
from berrys_app.api.problems import PROBLEM_RESPONSES
from berrys_app.domain.accounts import User
from berrys_app.services import teams
from berrys_app.services.errors import Unauthorized

router = APIRouter(prefix="/api/v1", tags=["me"], responses=PROBLEM_RESPONSES)


class MePublic(BaseModel):
    id: uuid.UUID
    email: str
    name: str
    email_verified: bool
    scopes: list[str] | None  # None: a full session (JWT); a list: the API key's scopes
    teams: list[teams.TeamView]


@router.get("/me", **access("user"))
def me(session: SessionDep, actor: CurrentActor) -> MePublic:
    user = session.get(User, actor.user_id)
    if user is None:
        raise Unauthorized("account not found")
    my_teams = teams.list_my_teams(session, actor) if _can_read_teams(actor) else []
    return MePublic(
        id=user.id,
        email=user.email,
        name=user.name,
        email_verified=user.email_verified_at is not None,
        scopes=sorted(actor.scopes) if actor.scopes else None,
        teams=my_teams,
    )


def _can_read_teams(actor: CurrentActor) -> bool:
    return not actor.scopes or bool({"teams:read", "teams:*", "*"} & actor.scopes)


@router.get("/me/invitations", **access("user", "teams:read"))
def my_invitations(session: SessionDep, actor: CurrentActor) -> ListOf[teams.InvitationView]:
    """Teams that invited you and wait for your answer."""
    return ListOf[teams.InvitationView].model_validate(list_of(teams.my_invitations(session, actor)))


@router.post("/me/invitations/{my_invitation_id}/accept", **access("user", "teams:write"))
def accept_invitation(my_invitation_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> teams.TeamView:
    """Join the team that invited you, with the invited role (your address must be verified)."""
    return teams.accept_invitation(session, actor, my_invitation_id)


class InvitationLinkIn(BaseModel):
    token: str = Field(max_length=200)


@router.post("/invitations/accept", **access("user", "teams:write"))
def accept_invitation_link(body: InvitationLinkIn, session: SessionDep, actor: CurrentActor) -> teams.TeamView:
    """Join through the link mailed to your address (this also confirms the address)."""
    return teams.accept_invitation_link(session, actor, body.token)


@router.delete(
    "/me/invitations/{my_invitation_id}", status_code=status.HTTP_204_NO_CONTENT, **access("user", "teams:write")
)
def decline_invitation(my_invitation_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> None:
    """Decline an invitation (the team may invite you again)."""
    teams.decline_invitation(session, actor, my_invitation_id)
