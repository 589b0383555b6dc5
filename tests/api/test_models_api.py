"""The model catalogue over REST: team admins add and (de)activate their team's models;
the operator's global entries stay read-only; other teams neither see nor change them;
selection uses a team model when named and never as another team's stand-in."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from berrys_app.domain.auth import AuditEntry
from berrys_app.services.models import catalogue, selection
from berrys_app.services.models.errors import ModelError
from tests.api.world import build_world

MODEL = {
    "name": "scripted/team-writer",
    "display_name": "Our writer",
    "capabilities": ["chat", "json"],
    "context_window": 32000,
    "max_output_tokens": 2048,
    "input_price": 0.000001,
    "output_price": 0.000002,
    "fallbacks": ["embedded/smollm2"],
    "notes": "for drafts",
}


async def test_team_admin_adds_a_model_only_the_team_sees(client, session: Session) -> None:
    world = build_world(session)
    admin, viewer, outsider = world.people["admin"], world.people["viewer"], world.people["outsider"]

    r = await client.post(f"/api/v1/teams/{world.team_a}/models", json=MODEL, headers=admin.headers)
    assert r.status_code == 201, r.text
    model = r.json()
    assert model["team_id"] == str(world.team_a) and model["provider"] == "scripted" and model["active"] is True
    assert model["capabilities"] == ["chat", "json"] and model["input_price"] == pytest.approx(0.000001)

    names = [m["name"] for m in (await client.get("/api/v1/models", headers=viewer.headers)).json()["data"]]
    assert MODEL["name"] in names and "embedded/smollm2" in names
    names = [m["name"] for m in (await client.get("/api/v1/models", headers=outsider.headers)).json()["data"]]
    assert MODEL["name"] not in names and "embedded/smollm2" in names

    assert (await client.get(f"/api/v1/models/{model['id']}", headers=viewer.headers)).status_code == 200
    r = await client.get(f"/api/v1/models/{model['id']}", headers=outsider.headers)
    assert r.status_code == 404 and r.json()["code"] == "not_found"
    audit = session.exec(select(AuditEntry.action).where(AuditEntry.target_id == model["id"])).all()
    assert audit == ["model.created"]


async def test_deactivate_and_reactivate_a_team_model(client, session: Session) -> None:
    world = build_world(session)
    admin = world.people["admin"]
    model = (await client.post(f"/api/v1/teams/{world.team_a}/models", json=MODEL, headers=admin.headers)).json()
    url = f"/api/v1/models/{model['id']}"

    r = await client.patch(url, json={"active": False}, headers=world.people["member"].headers)
    assert r.status_code == 403 and r.json()["code"] == "forbidden"
    r = await client.patch(url, json={"active": False}, headers=world.people["outsider"].headers)
    assert r.status_code == 404
    r = await client.patch(url, json={"active": False, "input_price": 0.000003}, headers=admin.headers)
    assert r.status_code == 200 and r.json()["active"] is False and r.json()["input_price"] == pytest.approx(3e-6)
    active = [
        m["name"] for m in (await client.get("/api/v1/models?active_only=true", headers=admin.headers)).json()["data"]
    ]
    assert MODEL["name"] not in active
    with pytest.raises(ModelError) as refused:
        catalogue.resolve(session, MODEL["name"], world.team_a)
    assert refused.value.reason == "unknown_model" and "deactivated" in refused.value.message

    r = await client.patch(url, json={"active": True}, headers=world.people["owner"].headers)
    assert r.status_code == 200 and r.json()["active"] is True
    assert float(catalogue.resolve(session, MODEL["name"], world.team_a).input_price) == pytest.approx(3e-6)


async def test_global_entries_are_read_only(client, session: Session) -> None:
    world = build_world(session)
    owner = world.people["owner"]
    models = (await client.get("/api/v1/models", headers=owner.headers)).json()["data"]
    seeded = next(m for m in models if m["name"] == "embedded/smollm2")
    assert seeded["team_id"] is None
    r = await client.get(f"/api/v1/models/{seeded['id']}", headers=world.people["outsider"].headers)
    assert r.status_code == 200  # the global catalogue is for everyone
    r = await client.patch(f"/api/v1/models/{seeded['id']}", json={"active": False}, headers=owner.headers)
    assert r.status_code == 403 and "read-only" in r.json()["message"]
    # names are per team: the team's own entry of a global name is the team's (its projects only) ...
    own = {**MODEL, "name": "embedded/smollm2", "fallbacks": [], "context_window": 2048}
    r = await client.post(f"/api/v1/teams/{world.team_a}/models", json=own, headers=owner.headers)
    assert r.status_code == 201 and r.json()["team_id"] == str(world.team_a), r.text
    assert catalogue.resolve(session, "embedded/smollm2", world.team_a).context_window == 2048
    assert catalogue.resolve(session, "embedded/smollm2").team_id is None  # everyone else: the global one
    # ... and unique within the team
    r = await client.post(f"/api/v1/teams/{world.team_a}/models", json=own, headers=owner.headers)
    assert r.status_code == 409 and r.json()["code"] == "conflict" and "this team already has" in r.json()["message"]


async def test_bad_model_input_is_a_precise_422(client, session: Session) -> None:
    world = build_world(session)
    admin = world.people["admin"]
    other = build_world(session)  # team B's model may not be our fallback
    other_name = (await client.get(f"/api/v1/models/{other.model_id}", headers=other.people["admin"].headers)).json()
    cases = [
        ({**MODEL, "name": "nosuchprovider/x"}, "unknown provider"),
        ({**MODEL, "name": "no-slash"}, "the request is not valid"),
        ({**MODEL, "capabilities": ["telepathy"]}, "unknown capabilities"),
        ({**MODEL, "capabilities": []}, "at least one capability"),
        ({**MODEL, "fallbacks": [MODEL["name"]]}, "itself"),
        ({**MODEL, "fallbacks": [other_name["name"]]}, "not in your catalogue"),
        ({**MODEL, "api_key_env": "DATABASE_URL"}, "the request is not valid"),
        # team models: known providers only, each with its own key, never another host
        ({**MODEL, "name": "huggingface/tgi"}, "unknown provider 'huggingface'"),
        ({**MODEL, "name": "openai/api.evil.example/v1"}, "names a URL or a host"),
        ({**MODEL, "name": "openai/127.0.0.1:8080"}, "names a URL or a host"),
        ({**MODEL, "name": "openai/gpt-4o", "api_key_env": "ANTHROPIC_API_KEY"}, "uses OPENAI_API_KEY"),
        ({**MODEL, "name": "openai/gpt-4o", "api_base_env": "OPENAI_API_BASE"}, "cannot set api_base_env"),
        ({**MODEL, "api_key_env": "OPENAI_API_KEY"}, "run in-process"),
        ({**MODEL, "input_price": -1}, "the request is not valid"),
        ({**MODEL, "context_window": 0}, "the request is not valid"),
    ]
    for body, message in cases:
        r = await client.post(f"/api/v1/teams/{world.team_a}/models", json=body, headers=admin.headers)
        assert r.status_code == 422 and r.json()["code"] == "validation_error", (body, r.text)
        assert message in r.json()["message"], (body, r.text)
    model = (await client.post(f"/api/v1/teams/{world.team_a}/models", json=MODEL, headers=admin.headers)).json()
    r = await client.patch(f"/api/v1/models/{model['id']}", json={"capabilities": None}, headers=admin.headers)
    assert r.status_code == 422 and "capabilities cannot be null" in r.json()["message"]


async def test_selection_uses_a_team_model_only_when_named(client, session: Session) -> None:
    world = build_world(session)
    body = {**MODEL, "capabilities": ["chat", "tools", "json", "vision", "long-context"], "input_price": 0}
    r = await client.post(f"/api/v1/teams/{world.team_a}/models", json=body, headers=world.people["admin"].headers)
    assert r.status_code == 201, r.text
    chain = selection.chain_for(session, preferred=MODEL["name"], needed={"chat"}, team_id=world.team_a)
    assert [spec.name for spec in chain] == [MODEL["name"], "embedded/smollm2"]
    assert chain[0].team_id is not None and chain[0].context_window == 32000
    # a preferred model lacking "vision" falls back to a global model, never to team A's
    assert MODEL["name"] not in [s.name for s in catalogue.active_models(session)]
    # named without the team (or by another team) it is the built-in scripted model, not team A's entry
    for team_id in (None, build_world(session).team_a):
        spec = selection.chain_for(session, preferred=MODEL["name"], needed={"chat"}, team_id=team_id)[0]
        assert spec.team_id is None and spec.context_window != 32000


async def test_projects_may_name_only_models_of_their_catalogue(client, session: Session) -> None:
    world = build_world(session)
    other = build_world(session)
    theirs = (await client.get(f"/api/v1/models/{other.model_id}", headers=other.people["owner"].headers)).json()
    ours = (await client.get(f"/api/v1/models/{world.model_id}", headers=world.people["owner"].headers)).json()
    member = world.people["member"]

    for model in (theirs["name"], "openai/not-in-the-catalogue"):
        r = await client.post(
            "/api/v1/projects", json={"name": "P", "team_id": str(world.team_a), "model": model}, headers=member.headers
        )
        assert r.status_code == 422 and "not in your catalogue" in r.json()["message"], r.text
    for model in (ours["name"], "openai/gpt-4o-mini", "scripted/anything", "embedded/smollm2"):
        r = await client.post(
            "/api/v1/projects", json={"name": "P", "team_id": str(world.team_a), "model": model}, headers=member.headers
        )
        assert r.status_code == 201 and r.json()["model"] == model, r.text
    r = await client.patch(
        f"/api/v1/projects/{world.project_id}", json={"model": theirs["name"]}, headers=member.headers
    )
    assert r.status_code == 422 and r.json()["details"] == {"field": "model"}
