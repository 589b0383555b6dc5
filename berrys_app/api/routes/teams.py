"""Teams and members. Roles: viewer < member < admin < owner."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, status
from pydantic import BaseModel, Field

from berrys_app.api.deps import CurrentActor, ListOf, SessionDep, access, list_of
from berrys_app.api.problems import PROBLEM_RESPONSES
from berrys_app.domain.accounts import Role
from berrys_app.services import teams

router = APIRouter(prefix="/api/v1/teams", tags=["teams"], responses=PROBLEM_RESPONSES)


class TeamIn(BaseModel):
    name: str = Field(min_length=1, max_length=200)


class MemberIn(BaseModel):
    email: str = Field(max_length=320)
    role: Role = Role.member


class RoleIn(BaseModel):
    role: Role


@router.get("", **access("user", "teams:read"))
def list_teams(session: SessionDep, actor: CurrentActor) -> ListOf[teams.TeamView]:
    return ListOf[teams.TeamView].model_validate(list_of(teams.list_my_teams(session, actor)))


@router.post("", status_code=status.HTTP_201_CREATED, **access("user", "teams:write"))
def create_team(body: TeamIn, session: SessionDep, actor: CurrentActor) -> teams.TeamView:
    return teams.create_team(session, actor, name=body.name)


@router.get("/{team_id}", **access("viewer", "teams:read"))
def get_team(team_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> teams.TeamView:
    return teams.get_team(session, actor, team_id)


@router.patch("/{team_id}", **access("admin", "teams:write"))
def rename_team(team_id: uuid.UUID, body: TeamIn, session: SessionDep, actor: CurrentActor) -> teams.TeamView:
    return teams.rename_team(session, actor, team_id, name=body.name)


@router.get("/{team_id}/members", **access("viewer", "teams:read"))
def list_members(team_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> ListOf[teams.MemberView]:
    return ListOf[teams.MemberView].model_validate(list_of(teams.list_members(session, actor, team_id)))


@router.post("/{team_id}/members", status_code=status.HTTP_201_CREATED, **access("admin", "teams:write"))
def add_member(team_id: uuid.UUID, body: MemberIn, session: SessionDep, actor: CurrentActor) -> teams.InvitationView:
    """Invite an existing account: they become a member when they accept (``/me/invitations``)."""
    return teams.add_member(session, actor, team_id, email=body.email, role=body.role.value)


@router.patch("/{team_id}/members/{user_id}", **access("admin", "teams:write"))
def change_role(
    team_id: uuid.UUID, user_id: uuid.UUID, body: RoleIn, session: SessionDep, actor: CurrentActor
) -> teams.MemberView:
    return teams.change_role(session, actor, team_id, user_id, role=body.role.value)


@router.delete("/{team_id}/members/{user_id}", status_code=status.HTTP_204_NO_CONTENT, **access("admin", "teams:write"))
def remove_member(team_id: uuid.UUID, user_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> None:
    """Admins remove members; anyone may remove themselves (leave)."""
    teams.remove_member(session, actor, team_id, user_id)


@router.get("/{team_id}/invitations", **access("admin", "teams:read"))
def list_invitations(team_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> ListOf[teams.InvitationView]:
    return ListOf[teams.InvitationView].model_validate(list_of(teams.list_invitations(session, actor, team_id)))


@router.post("/{team_id}/invitations", status_code=status.HTTP_201_CREATED, **access("admin", "teams:write"))
def invite(team_id: uuid.UUID, body: MemberIn, session: SessionDep, actor: CurrentActor) -> teams.InvitationView:
    """Invite by email: an existing account joins when it accepts, a new one when it registers."""
    return teams.invite(session, actor, team_id, email=body.email, role=body.role.value)


@router.delete(
    "/{team_id}/invitations/{invitation_id}", status_code=status.HTTP_204_NO_CONTENT, **access("admin", "teams:write")
)
def revoke_invitation(team_id: uuid.UUID, invitation_id: uuid.UUID, session: SessionDep, actor: CurrentActor) -> None:
    teams.revoke_invitation(session, actor, team_id, invitation_id)
