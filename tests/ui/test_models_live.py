"""The Models page's usage figures follow the team's runs live (no reload)."""

from __future__ import annotations

from decimal import Decimal

from sqlmodel import Session

from berrys_app.domain.models import ModelCall
from berrys_app.domain.projects import ProjectCreate
from berrys_app.services import auth, projects, teams, tokens
from berrys_app.services.authz import Actor


def _models_tab():
    from reflex.state import State

    from berrys_app.ui.state.workspace import ModelsState

    root = State(_reflex_internal_init=True)
    return root.get_substate(ModelsState.get_full_name().split(".")[1:])


def _call(session: Session, project_id, cost: str, prompt: int) -> None:
    session.add(ModelCall(project_id=project_id, model="m/live", cost_usd=Decimal(cost), prompt_tokens=prompt))
    session.commit()


def test_usage_is_re_read_when_a_task_or_project_ends(session: Session) -> None:
    user = auth.create_user(session, email="usage@example.com", name="Usage")
    actor = Actor(user_id=user.id, label=user.email)
    team_id = teams.list_my_teams(session, actor)[0].id
    project = projects.create_project(session, actor, team_id=team_id, data=ProjectCreate(name="P", objectives=["x"]))
    session.commit()

    tab = _models_tab()
    tab.access_token = tokens.issue_access_token(user.id)
    tab.team_id = str(team_id)
    tab._on_live({"kind": "project.status_changed", "team_id": str(team_id)})
    assert tab.by_model == []

    _call(session, project.id, "0.5", 100)
    tab._on_live({"kind": "task.ready", "team_id": str(team_id)})  # not a usage event: nothing is read
    assert tab.by_model == []
    tab._on_live({"kind": "project.status_changed", "team_id": str(team_id)})
    assert [(r["model"], r["cost"], r["prompt"]) for r in tab.by_model] == [("m/live", 0.5, 100)]
    assert tab.total_cost and tab.total_tokens == "100"

    # a burst of task completions reads at most once a second, the project's end always
    _call(session, project.id, "0.25", 50)
    tab._on_live({"kind": "task.completed", "team_id": str(team_id)})
    assert tab.by_model[0]["prompt"] == 100  # read less than a second ago
    tab._on_live({"kind": "project.status_changed", "team_id": str(team_id)})
    assert tab.by_model[0]["prompt"] == 150 and tab.by_model[0]["cost"] == 0.75
