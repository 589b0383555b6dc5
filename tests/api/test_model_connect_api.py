""" "Connect a model" over REST: a team admin adds the team's own OpenAI-compatible endpoint (the
tests' llama_cpp.server behind the fault proxy) with a key that is never returned, tests the
connection with one real call, and makes it the team default that new projects then get."""

from __future__ import annotations

import uuid

from sqlmodel import Session, select

from berrys_app.domain.accounts import Role
from berrys_app.domain.models import ModelCall
from berrys_app.services.models import CompletionRequest, complete
from berrys_app.settings import get_settings
from tests.api.conftest import make_person, make_team
from tests.api.world import build_world
from tests.providers.fault_proxy import Scripted, Status
from tests.providers.team_endpoint import allow_test_server


async def test_connect_test_and_make_default(client, session: Session, provider_proxy, monkeypatch) -> None:
    allow_test_server(monkeypatch, provider_proxy.base_url)
    world = build_world(session)
    admin, member = world.people["admin"], world.people["member"]
    body = {
        "name": "openai/our-llama",
        "display_name": "Our llama",
        "api_base": provider_proxy.base_url,
        "api_key": "sk-our-secret-key",
        "context_window": 2048,
        "max_output_tokens": 64,
    }
    r = await client.post(f"/api/v1/teams/{world.team_a}/models", json=body, headers=admin.headers)
    assert r.status_code == 201, r.text
    model = r.json()
    assert model["api_base"] == provider_proxy.base_url and model["has_key"] is True
    assert "sk-our-secret-key" not in r.text and "api_key" not in model
    listed = (await client.get("/api/v1/models", headers=member.headers)).text
    assert "sk-our-secret-key" not in listed and "api_key_sealed" not in listed

    r = await client.post(f"/api/v1/models/{model['id']}/test-connection", headers=admin.headers)
    assert r.status_code == 200, r.text
    check = r.json()
    assert check["ok"] is True and check["reply"].strip() and check["latency_ms"] > 0, check
    assert provider_proxy.count("Reply with the single word OK.") == 1
    assert provider_proxy.headers[-1]["Authorization"] == "Bearer sk-our-secret-key"
    assert session.exec(select(ModelCall.status).where(ModelCall.model == "openai/our-llama")).all() == ["ok"]

    r = await client.post(f"/api/v1/models/{model['id']}/test-connection", headers=member.headers)
    assert r.status_code == 403  # admins only

    r = await client.put(
        f"/api/v1/teams/{world.team_a}/default-model", json={"model": "openai/our-llama"}, headers=admin.headers
    )
    assert r.status_code == 200 and r.json() == {"model": "openai/our-llama"}
    r = await client.post(
        "/api/v1/projects", json={"name": "On ours", "team_id": str(world.team_a)}, headers=member.headers
    )
    assert r.status_code == 201, r.text
    assert r.json()["model"] == "openai/our-llama"


async def test_a_failing_endpoint_says_why(client, session: Session, provider_proxy, monkeypatch) -> None:
    allow_test_server(monkeypatch, provider_proxy.base_url)
    world = build_world(session)
    admin = world.people["admin"]
    body = {"name": "openai/broken-llama", "api_base": provider_proxy.base_url}
    model = (await client.post(f"/api/v1/teams/{world.team_a}/models", json=body, headers=admin.headers)).json()
    provider_proxy.inject("Reply with the single word OK.", Status(401, message="bad key"), times=None)
    r = await client.post(f"/api/v1/models/{model['id']}/test-connection", headers=admin.headers)
    assert r.status_code == 200
    check = r.json()
    assert check["ok"] is False and check["reason"] == "missing_api_key" and "bad key" in check["reply"]


async def test_bad_endpoints_and_defaults_are_precise_4xx(client, session: Session, monkeypatch) -> None:
    monkeypatch.setenv("BERRYS_HTTP_INTERNAL_HOSTS", "")
    get_settings.cache_clear()
    world = build_world(session)
    admin, other = world.people["admin"], world.people["outsider"]
    r = await client.post(
        f"/api/v1/teams/{world.team_a}/models",
        json={"name": "openai/lan", "api_base": "http://192.168.1.10:8000/v1"},
        headers=admin.headers,
    )
    assert r.status_code == 403 and "BERRYS_HTTP_INTERNAL_HOSTS" in r.json()["message"]
    r = await client.post(
        f"/api/v1/teams/{world.team_a}/models",
        json={"name": "openai/x", "api_base": "not a url"},
        headers=admin.headers,
    )
    assert r.status_code == 422 and "http:// or https://" in r.text
    r = await client.put(
        f"/api/v1/teams/{world.team_a}/default-model", json={"model": "openai/nowhere"}, headers=admin.headers
    )
    assert r.status_code == 422 and "not in your catalogue" in r.text
    r = await client.put(f"/api/v1/teams/{world.team_a}/default-model", json={"model": None}, headers=other.headers)
    assert r.status_code in (403, 404)


async def test_the_key_is_replaced_or_removed_without_being_shown(
    client, session: Session, provider_proxy, monkeypatch
) -> None:
    allow_test_server(monkeypatch, provider_proxy.base_url)
    world = build_world(session)
    admin = world.people["admin"]
    body = {"name": "openai/rotating", "api_base": provider_proxy.base_url, "api_key": "sk-old-key"}
    model = (await client.post(f"/api/v1/teams/{world.team_a}/models", json=body, headers=admin.headers)).json()
    r = await client.patch(f"/api/v1/models/{model['id']}", json={"api_key": "sk-new-key"}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["has_key"] is True and "sk-new-key" not in r.text
    provider_proxy.inject("", Scripted(content="OK"), times=None)
    assert (await client.post(f"/api/v1/models/{model['id']}/test-connection", headers=admin.headers)).json()["ok"]
    assert provider_proxy.headers[-1]["Authorization"] == "Bearer sk-new-key"
    r = await client.patch(f"/api/v1/models/{model['id']}", json={"api_key": ""}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["has_key"] is False
    assert (await client.post(f"/api/v1/models/{model['id']}/test-connection", headers=admin.headers)).json()["ok"]
    assert provider_proxy.headers[-1]["Authorization"] == "Bearer none"


async def test_two_teams_add_the_same_name_and_each_project_calls_its_own(
    client, session: Session, provider_proxy, monkeypatch
) -> None:
    """Names are unique per team: both teams add "openai/gpt-4o-mini" (the name of the operator's
    inactive global entry too) at their own endpoint with their own key; each project calls its
    team's, and each team lists only its own."""
    allow_test_server(monkeypatch, provider_proxy.base_url)
    teams = {}
    for label in ("north", "south"):
        team_id = make_team(session, f"Team {label}")
        admin = make_person(session, team_id=team_id, role=Role.admin)
        body = {"name": "openai/gpt-4o-mini", "api_base": provider_proxy.base_url, "api_key": f"sk-{label}-key"}
        r = await client.post(f"/api/v1/teams/{team_id}/models", json=body, headers=admin.headers)
        assert r.status_code == 201, r.text
        project = {"name": f"{label} project", "team_id": str(team_id), "model": "openai/gpt-4o-mini"}
        r = await client.post("/api/v1/projects", json=project, headers=admin.headers)
        assert r.status_code == 201, r.text
        teams[label] = (team_id, admin, uuid.UUID(r.json()["id"]))

    north_team, north_admin, _ = teams["north"]
    again = {"name": "openai/gpt-4o-mini", "api_base": provider_proxy.base_url}
    r = await client.post(f"/api/v1/teams/{north_team}/models", json=again, headers=north_admin.headers)
    assert r.status_code == 409 and "this team already has" in r.json()["message"], r.text
    listed = (await client.get("/api/v1/models", headers=north_admin.headers)).json()["data"]
    mini = [(m["team_id"], m["api_base"]) for m in listed if m["name"] == "openai/gpt-4o-mini"]
    assert sorted(mini, key=str) == sorted([(None, None), (str(north_team), provider_proxy.base_url)], key=str)

    provider_proxy.inject("", Scripted(content="ok"), times=None)
    for label in ("south", "north"):
        result = await complete(
            CompletionRequest(messages=[{"role": "user", "content": f"hi from {label}"}], project_id=teams[label][2])
        )
        assert (result.model, result.content, result.fallback_used) == ("openai/gpt-4o-mini", "ok", False)
    assert [h["Authorization"] for h in provider_proxy.headers] == ["Bearer sk-south-key", "Bearer sk-north-key"]
