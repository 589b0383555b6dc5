"""Attacks on "connect a model" (a team's own endpoint, ``api_base``):

- a team admin points the endpoint at the operator's network (loopback, LAN, cloud metadata):
  refused (403) unless the operator lists the host in BERRYS_HTTP_INTERNAL_HOSTS, and a row
  stored anyway is refused again on the call, before any request;
- a team endpoint is never sent an operator key: not when the environment holds OPENAI_API_KEY
  and the team gave none, and no key variable may be named for it (422);
- the team's key is sealed at rest and never returned (REST shows only ``has_key``).

The fault proxy (a real HTTP server on loopback) records what it receives."""

from __future__ import annotations

import uuid

import pytest
from sqlmodel import Session

from berrys_app.api.routes.catalogue import ModelPublic
from berrys_app.domain.models import ModelEntry, ModelEntryCreate
from berrys_app.services.errors import Forbidden, ValidationFailed
from berrys_app.services.models import CompletionRequest, ModelError, catalogue, catalogue_teams, complete
from berrys_app.settings import get_settings
from tests.providers.fault_proxy import Scripted
from tests.providers.team_endpoint import allow_test_server, connect, make_team_admin

OPERATOR_KEY = f"sk-operator-{uuid.uuid4().hex}"


@pytest.mark.parametrize(
    "base",
    ["http://127.0.0.1:9/v1", "http://169.254.169.254/latest", "http://10.0.0.5:8000/v1", "http://[::1]:11434"],
)
def test_an_endpoint_on_an_internal_address_is_refused_unless_the_operator_lists_it(
    env, session: Session, base: str, monkeypatch
) -> None:
    monkeypatch.setenv("BERRYS_HTTP_INTERNAL_HOSTS", "")  # the test session lists 127.0.0.1 by default
    get_settings.cache_clear()
    admin = make_team_admin(session)
    with pytest.raises(Forbidden) as info:
        connect(session, admin, "openai/internal-llm", base)
    assert "BERRYS_HTTP_INTERNAL_HOSTS" in info.value.message
    assert catalogue_teams.visible_models(session, admin.actor) == [
        m for m in catalogue_teams.visible_models(session, admin.actor) if m.team_id is None
    ]


def test_an_endpoint_names_no_key_variable_and_no_url_tricks(env, session: Session) -> None:
    admin = make_team_admin(session)
    bad = [
        {"name": "openai/x1", "api_base": "https://api.example.com/v1", "api_key_env": "OPENAI_API_KEY"},
        {"name": "openai/x2", "api_base": "https://user:pw@api.example.com/v1"},
        {"name": "openai/x3", "api_base": "ftp://api.example.com/v1"},
        {"name": "huggingface/x4", "api_base": "https://api.example.com/v1"},
        {"name": "openai/x5", "api_base": "https://api.example.com/v1?key=1"},
    ]
    for fields in bad:
        with pytest.raises(ValidationFailed):
            catalogue_teams.add_model(session, admin.actor, team_id=admin.team_id, data=ModelEntryCreate(**fields))
            session.commit()
    with pytest.raises(ValidationFailed) as info:  # a key without an endpoint would go to the provider's host
        catalogue_teams.add_model(
            session, admin.actor, team_id=admin.team_id, data=ModelEntryCreate(name="openai/x6", api_key="sk-1")
        )
        session.commit()
    assert info.value.details == {"field": "api_key"}


async def test_a_stored_internal_endpoint_is_refused_on_the_call_before_any_request(
    env,
    session: Session,
    provider_proxy,
    monkeypatch,
) -> None:
    allow_test_server(monkeypatch, provider_proxy.base_url)
    admin = make_team_admin(session)
    connect(session, admin, "openai/was-allowed", provider_proxy.base_url)
    monkeypatch.setenv("BERRYS_HTTP_INTERNAL_HOSTS", "")  # the operator takes the host off the list
    get_settings.cache_clear()
    catalogue.invalidate()
    with pytest.raises(ModelError) as info:
        await complete(
            CompletionRequest(
                model="openai/was-allowed",
                team_id=admin.team_id,
                messages=[{"role": "user", "content": "hi"}],
                max_tokens=2,
            )
        )
    assert "internal address" in info.value.message
    assert provider_proxy.count() == 0


async def test_the_operator_key_never_reaches_a_team_endpoint(
    env,
    session: Session,
    provider_proxy,
    monkeypatch,
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", OPERATOR_KEY)
    allow_test_server(monkeypatch, provider_proxy.base_url)
    admin = make_team_admin(session)
    connect(session, admin, "openai/keyless", provider_proxy.base_url)
    connect(session, admin, "openai/keyed", provider_proxy.base_url, api_key="sk-team-own")
    provider_proxy.inject("", Scripted(content="ok"), times=None)
    for model in ("openai/keyless", "openai/keyed"):
        await complete(
            CompletionRequest(
                model=model, team_id=admin.team_id, messages=[{"role": "user", "content": "hi"}], max_tokens=2
            )
        )
    assert provider_proxy.count() == 2
    assert all(OPERATOR_KEY not in str(headers) for headers in provider_proxy.headers)
    assert [h["Authorization"] for h in provider_proxy.headers] == ["Bearer none", "Bearer sk-team-own"]


def test_the_team_key_is_sealed_and_never_returned(env, session: Session) -> None:
    admin = make_team_admin(session)
    row = connect(session, admin, "openai/sealed", "https://api.example.com/v1", api_key="sk-secret-value-42")
    stored = session.get(ModelEntry, row.id)
    assert stored is not None and stored.api_key_sealed and "sk-secret-value-42" not in stored.api_key_sealed
    public = ModelPublic.model_validate(stored).model_dump_json()
    assert "sk-secret" not in public and "api_key_sealed" not in public and '"has_key":true' in public
