"""The Audit log names an invitation by its address and a model by its name (the screenshot showed
``Invitation 2d4851cd…``), and only this team's: another team's row stays a shortened id."""

from __future__ import annotations

from types import SimpleNamespace

from sqlmodel import Session

from berrys_app.domain.accounts import Team
from berrys_app.domain.collab import TeamInvitation
from berrys_app.domain.models import ModelEntry
from berrys_app.ui.state.audit import target_names, target_text


def test_invitations_and_models_are_named_within_the_team(session: Session) -> None:
    ours, theirs = Team(name="ours"), Team(name="theirs")
    session.add_all([ours, theirs])
    session.flush()
    invitation = TeamInvitation(team_id=ours.id, email="new@example.com", role="member")
    model = ModelEntry(name="openai/our-llm", provider="openai", team_id=ours.id, capabilities=["chat"])
    foreign = ModelEntry(name="openai/their-llm", provider="openai", team_id=theirs.id, capabilities=["chat"])
    session.add_all([invitation, model, foreign])
    session.commit()
    rows = [
        SimpleNamespace(target_type="invitation", target_id=str(invitation.id)),
        SimpleNamespace(target_type="model", target_id=str(model.id)),
        SimpleNamespace(target_type="model", target_id=str(foreign.id)),
    ]
    names = target_names(session, ours.id, rows)
    assert target_text("invitation", str(invitation.id), names) == 'Invitation "new@example.com"'
    assert target_text("model", str(model.id), names) == 'Model "openai/our-llm"'
    assert target_text("model", str(foreign.id), names) == f"Model {str(foreign.id)[:8]}…"
