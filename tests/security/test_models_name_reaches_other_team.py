"""Attack: model names were unique deployment-wide and every call resolved a name without its
team, so one team's own catalogue entry answered for that name in every team:

- a self-service team added an entry named like a built-in model that other teams use without a
  catalogue row (``replay/recorded``: every replayed fork) and deactivated it: every other team's
  calls of that name failed ("deactivated in the catalogue");
- a project of team B whose stored model names team A's connected endpoint was sent to A's
  endpoint with A's key (only the writes that call ``check_model_choice`` kept B off it).

Names now resolve within the calling project's team (its own entries, then the operator's global
ones, then the built-ins): another team's entry is never seen."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session

from berrys_app.domain.models import ModelEntry
from berrys_app.domain.projects import Project
from berrys_app.services.models import CompletionRequest, ModelError, catalogue, complete
from tests.providers.fault_proxy import Scripted
from tests.providers.team_endpoint import allow_test_server, connect, make_team_admin

HELLO = [{"role": "user", "content": "hello"}]


def _project(session: Session, team_id: uuid.UUID, model: str) -> Project:
    """A project of the team whose stored model is ``model`` (as if written before any check)."""
    project = Project(name="victim", team_id=team_id, model=model)
    session.add(project)
    session.commit()
    return project


async def test_another_teams_entry_does_not_take_over_a_builtin_name(env, session: Session) -> None:
    squatter = make_team_admin(session)
    # the service accepts it (in-process names take no key); written directly, as any stored row
    session.add(
        ModelEntry(
            name="replay/recorded", provider="replay", team_id=squatter.team_id, capabilities=["chat"], active=False
        )
    )
    session.commit()
    catalogue.invalidate()
    victim = make_team_admin(session)
    project = _project(session, victim.team_id, "replay/recorded")
    with pytest.raises(ModelError) as info:
        await complete(
            CompletionRequest(messages=HELLO, project_id=project.id, call_key=f"task:{uuid.uuid4()}:model:0")
        )
    # the built-in replay model answered (this call has no recording), not the squatter's deactivated row
    assert info.value.reason == "no_recording", info.value.message


async def test_a_project_never_reaches_another_teams_endpoint_by_name(
    env, session: Session, provider_proxy, monkeypatch
) -> None:
    allow_test_server(monkeypatch, provider_proxy.base_url)
    owner = make_team_admin(session)
    connect(session, owner, "openai/team-llm", provider_proxy.base_url, api_key="sk-owner-only")
    provider_proxy.inject("", Scripted(content="ok"), times=None)
    other = make_team_admin(session)
    project = _project(session, other.team_id, "openai/team-llm")
    with pytest.raises(ModelError) as info:
        await complete(CompletionRequest(messages=HELLO, project_id=project.id, max_tokens=2))
    assert info.value.reason == "unknown_model"
    assert provider_proxy.count() == 0, provider_proxy.headers
    with pytest.raises(ModelError):  # naming it in the request changes nothing
        await complete(CompletionRequest(model="openai/team-llm", messages=HELLO, project_id=project.id, max_tokens=2))
    with pytest.raises(ModelError):  # nor does a call of no project (team models need their team)
        await complete(CompletionRequest(model="openai/team-llm", messages=HELLO, max_tokens=2))
    assert provider_proxy.count() == 0, provider_proxy.headers
    # its own team's project reaches it
    mine = _project(session, owner.team_id, "openai/team-llm")
    result = await complete(CompletionRequest(messages=HELLO, project_id=mine.id, max_tokens=2))
    assert result.model == "openai/team-llm" and result.content == "ok"
    assert [h["Authorization"] for h in provider_proxy.headers] == ["Bearer sk-owner-only"]
