"""What the dashboard's model pickers offer, and when the demo-model note shows."""

from __future__ import annotations

from sqlmodel import Session

from berrys_app.services.models import catalogue_teams
from berrys_app.settings import get_settings
from tests.providers.team_endpoint import connect, make_team_admin


def test_test_models_are_hidden_unless_the_operator_enables_them(env, session: Session, monkeypatch) -> None:
    admin = make_team_admin(session)
    other = make_team_admin(session)
    connect(session, admin, "openai/ours", "https://api.example.com/v1")
    connect(session, other, "openai/theirs", "https://api.example.com/v1")
    rows = catalogue_teams.visible_models(session, admin.actor, active_only=True)
    offered = catalogue_teams.pickable(rows, admin.team_id)
    assert "openai/ours" in offered and "embedded/smollm2" in offered
    assert "openai/theirs" not in offered and not [n for n in offered if n.startswith("scripted/")]
    monkeypatch.setenv("BERRYS_SHOW_TEST_MODELS", "true")
    get_settings.cache_clear()
    assert "scripted/echo" in catalogue_teams.pickable(rows, admin.team_id)


def test_the_demo_note_shows_until_a_real_model_is_the_team_default(env, session: Session, monkeypatch) -> None:
    monkeypatch.setenv("BERRYS_DEFAULT_MODEL", "embedded/smollm2")
    get_settings.cache_clear()
    admin = make_team_admin(session)
    assert catalogue_teams.is_demo_model(session, admin.team_id)
    connect(session, admin, "openai/real-one", "https://api.example.com/v1")
    catalogue_teams.set_team_default(session, admin.actor, team_id=admin.team_id, name="openai/real-one")
    session.commit()
    assert not catalogue_teams.is_demo_model(session, admin.team_id)
    catalogue_teams.set_team_default(session, admin.actor, team_id=admin.team_id, name=None)
    session.commit()
    assert catalogue_teams.is_demo_model(session, admin.team_id)
