"""Fixtures for the model layer: a project row to budget against, catalogue helpers."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest
from sqlmodel import Session

from berrys_app.domain.accounts import Team
from berrys_app.domain.projects import Project
from berrys_app.services.models import catalogue


@pytest.fixture
def make_project(session: Session) -> Callable[..., Project]:
    """Create a project (with its team) directly in the database."""

    def make(**fields: Any) -> Project:
        team = Team(name=f"team-{uuid.uuid4().hex[:6]}")
        session.add(team)
        session.flush()
        project = Project(name="p", team_id=team.id, **fields)
        session.add(project)
        session.commit()
        return project

    return make


@pytest.fixture
def add_model(session: Session) -> Callable[..., Any]:
    """Upsert a catalogue entry for a test model."""

    def add(name: str, **fields: Any) -> Any:
        return catalogue.upsert_model(session, name=name, **fields)

    return add


@pytest.fixture(autouse=True)
def _fresh_catalogue_cache() -> None:
    catalogue.invalidate()
