"""Inbound webhooks: a trigger's own token starts a project from the payload; a wrong or
missing token is refused (401) and kept in the trigger's run log and the audit log."""

from __future__ import annotations

import hashlib

from sqlmodel import Session, select

from berrys_app.domain.auth import AuditEntry
from berrys_app.domain.automation import Trigger
from berrys_app.domain.projects import Project
from berrys_app.settings import get_settings
from tests.automation.helpers import headers, make_template


async def _webhook_trigger(client, people, **extra) -> dict:
    template = await make_template(client, people)
    r = await client.post(
        f"/api/v1/project-templates/{template['id']}/triggers",
        json={"name": "from CI", "kind": "webhook", **extra},
        headers=headers(people, "admin"),
    )
    assert r.status_code == 201, r.text
    return r.json()


async def test_wrong_token_is_refused_and_logged(client, people, session: Session) -> None:
    trigger = await _webhook_trigger(client, people)
    url = f"/api/v1/hooks/{trigger['id']}"

    wrong = await client.post(url, json={"topic": "x"}, headers={"X-Berrys-Token": "bth_guess"})
    assert wrong.status_code == 401 and wrong.json()["code"] == "unauthorized", wrong.text
    missing = await client.post(url, json={"topic": "x"})
    assert missing.status_code == 401, missing.text
    unknown = await client.post(
        "/api/v1/hooks/00000000-0000-0000-0000-000000000000", json={}, headers={"X-Berrys-Token": trigger["token"]}
    )
    assert unknown.status_code == 401, unknown.text  # whether the trigger exists is not told

    assert session.exec(select(Project).where(Project.team_id == people["team_a"])).all() == []
    runs = (await client.get(f"/api/v1/triggers/{trigger['id']}/runs", headers=headers(people, "viewer"))).json()
    assert sorted((r["status"], r["error"]) for r in runs["data"]) == [
        ("refused", "missing token"),
        ("refused", "wrong token"),
    ]
    assert {r["source_ip"] for r in runs["data"]} == {"10.1.2.3"}
    audited = session.exec(select(AuditEntry).where(AuditEntry.action == "trigger.refused")).all()
    assert len(audited) == 2 and not any(a.success for a in audited)


async def test_right_token_maps_the_payload_to_parameters(client, people, session: Session) -> None:
    trigger = await _webhook_trigger(client, people, payload_map={"topic": "/repository/name"})
    assert trigger["token"].startswith("bth_") and trigger["hook_url"].endswith(f"/api/v1/hooks/{trigger['id']}")
    stored = session.get(Trigger, trigger["id"])
    assert stored.token_hash == hashlib.sha256(trigger["token"].encode()).hexdigest()  # only the digest is kept

    r = await client.post(
        f"/api/v1/hooks/{trigger['id']}",
        json={"repository": {"name": "berrys"}, "ignored": True},
        headers={"X-Berrys-Token": trigger["token"]},
    )
    assert r.status_code == 202, r.text
    project = session.get(Project, r.json()["project_id"])
    assert project.name == "Report on berrys" and project.status == "plan_review"

    listed = await client.get(f"/api/v1/teams/{people['team_a']}/triggers", headers=headers(people, "member"))
    assert listed.json()["data"][0]["token"] is None  # shown once, never again


async def test_an_invalid_payload_is_refused_with_its_reason_and_logged(client, people) -> None:
    trigger = await _webhook_trigger(client, people)
    r = await client.post(
        f"/api/v1/hooks/{trigger['id']}", json={"topic": "y" * 200}, headers={"X-Berrys-Token": trigger["token"]}
    )
    assert r.status_code == 422 and "topic" in r.json()["message"], r.text
    bad_json = await client.post(
        f"/api/v1/hooks/{trigger['id']}", content=b"{not json", headers={"X-Berrys-Token": trigger["token"]}
    )
    assert bad_json.status_code == 422 and "not JSON" in bad_json.json()["message"]
    unauthenticated = await client.post(f"/api/v1/hooks/{trigger['id']}", content=b"{not json")
    assert unauthenticated.status_code == 401  # the token is checked before the body is read
    runs = (await client.get(f"/api/v1/triggers/{trigger['id']}/runs", headers=headers(people, "admin"))).json()
    assert [r["status"] for r in runs["data"]] == ["refused", "invalid"]  # newest first


async def test_a_rotated_token_replaces_the_old_one(client, people) -> None:
    trigger = await _webhook_trigger(client, people)
    rotated = await client.post(f"/api/v1/triggers/{trigger['id']}/token", headers=headers(people, "admin"))
    new_token = rotated.json()["token"]
    old = await client.post(
        f"/api/v1/hooks/{trigger['id']}", json={"topic": "a"}, headers={"X-Berrys-Token": trigger["token"]}
    )
    assert old.status_code == 401
    new = await client.post(
        f"/api/v1/hooks/{trigger['id']}", json={"topic": "a"}, headers={"X-Berrys-Token": new_token}
    )
    assert new.status_code == 202, new.text


async def test_only_admins_create_triggers(client, people) -> None:
    template = await make_template(client, people)
    r = await client.post(
        f"/api/v1/project-templates/{template['id']}/triggers",
        json={"name": "nightly", "kind": "schedule", "cron": "0 2 * * *", "params": {"topic": "x"}},
        headers=headers(people, "member"),
    )
    assert r.status_code == 403, r.text


async def test_an_address_with_too_many_wrong_tokens_is_refused_before_any_check(
    client, people, monkeypatch, session: Session
) -> None:
    monkeypatch.setenv("BERRYS_RATE_LIMIT_AUTH", "3")
    get_settings.cache_clear()
    trigger = await _webhook_trigger(client, people)
    url = f"/api/v1/hooks/{trigger['id']}"
    for _ in range(3):
        assert (await client.post(url, json={"topic": "x"}, headers={"X-Berrys-Token": "bth_guess"})).status_code == 401
    limited = await client.post(url, json={"topic": "x"}, headers={"X-Berrys-Token": trigger["token"]})
    assert limited.status_code == 429 and "too many refused webhook calls" in limited.json()["message"]
    runs = (await client.get(f"/api/v1/triggers/{trigger['id']}/runs", headers=headers(people, "admin"))).json()
    assert [r["status"] for r in runs["data"]] == ["refused"] * 3  # the log is not flooded
    assert session.exec(select(Project).where(Project.team_id == people["team_a"])).all() == []
