"""Connect a team model to a test server the way a team admin does (the service path), with the
two settings a test needs: the operator lists the loopback host, the test session lists the base."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from sqlmodel import Session

from berrys_app.domain.accounts import Role, Team, TeamMember, User
from berrys_app.domain.models import ModelEntry, ModelEntryCreate
from berrys_app.services.authz import Actor
from berrys_app.services.models import catalogue_teams
from berrys_app.services.models.network import TEST_BASES_ENV
from berrys_app.settings import get_settings


@dataclass
class TeamAdmin:
    team_id: uuid.UUID
    actor: Actor


def make_team_admin(session: Session) -> TeamAdmin:
    team = Team(name=f"team-{uuid.uuid4().hex[:6]}")
    user = User(email=f"admin-{uuid.uuid4().hex[:8]}@example.com", name="Team Admin")
    session.add(team)
    session.add(user)
    session.flush()
    session.add(TeamMember(team_id=team.id, user_id=user.id, role=Role.admin.value))
    session.commit()
    return TeamAdmin(team_id=team.id, actor=Actor(user_id=user.id, label=user.email))


def allow_test_server(monkeypatch: pytest.MonkeyPatch, base_url: str) -> None:
    """The operator trusts the loopback host:port; the test session may call exactly this base."""
    url = httpx.URL(base_url)
    monkeypatch.setenv("BERRYS_HTTP_INTERNAL_HOSTS", f"{url.host}:{url.port}")
    monkeypatch.setenv(TEST_BASES_ENV, base_url)
    get_settings.cache_clear()


def connect(session: Session, admin: TeamAdmin, name: str, base_url: str, **fields: Any) -> ModelEntry:
    data = ModelEntryCreate(name=name, api_base=base_url, **fields)
    row = catalogue_teams.add_model(session, admin.actor, team_id=admin.team_id, data=data)
    session.commit()
    return row
