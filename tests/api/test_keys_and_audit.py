"""API keys (scopes, shown once, revocation and expiry take effect at once) and the audit log."""

from __future__ import annotations

from datetime import timedelta

from sqlmodel import Session, select

from berrys_app.domain.accounts import User
from berrys_app.domain.auth import ApiKey, AuditEntry
from berrys_app.domain.common import utcnow
from tests.api.world import PLAN, build_world
from tests.mailbox import outbox_link, token_of


async def test_key_is_shown_once_scoped_and_revocation_is_immediate(client, people) -> None:
    owner = people["owner"]
    team_a = people["team_a"]
    r = await client.post("/api/v1/api-keys", json={"name": "ci", "scopes": ["projects:read"]}, headers=owner.headers)
    assert r.status_code == 201, r.text
    created = r.json()
    key = created["key"]
    assert key.startswith(created["prefix"]) and created["scopes"] == ["projects:read"]
    listed = (await client.get("/api/v1/api-keys", headers=owner.headers)).json()
    assert listed["meta"]["total"] == 1 and "key" not in listed["data"][0]
    assert key not in str(listed)

    bearer = {"Authorization": f"Bearer {key}"}
    assert (await client.get(f"/api/v1/projects?team_id={team_a}", headers=bearer)).status_code == 200
    r = await client.post("/api/v1/projects", json={"name": "x", "team_id": str(team_a)}, headers=bearer)
    assert r.status_code == 403 and "projects:write" in r.json()["message"]
    r = await client.post("/api/v1/api-keys", json={"name": "escalate", "scopes": ["*"]}, headers=bearer)
    assert r.status_code == 403  # a read-only key cannot mint keys

    r = await client.delete(f"/api/v1/api-keys/{created['id']}", headers=owner.headers)
    assert r.status_code == 200 and r.json()["revoked_at"] is not None
    r = await client.get(f"/api/v1/projects?team_id={team_a}", headers=bearer)
    assert r.status_code == 401 and r.json()["message"] == "this API key was revoked"


async def test_a_key_records_its_use_once_a_minute_and_dies_with_its_account(client, people, session: Session) -> None:
    """The key and its user are one read per request (``auth._KEY_SQL``): its first use is recorded
    with the request, the next ones within the minute write nothing, and a disabled account's key
    is refused on the very next request."""
    member = people["member"]
    r = await client.post("/api/v1/api-keys", json={"name": "svc", "scopes": ["*"]}, headers=member.headers)
    key_id, bearer = r.json()["id"], {"Authorization": f"Bearer {r.json()['key']}"}
    assert session.get(ApiKey, key_id).last_used_at is None
    assert (await client.get("/api/v1/me", headers=bearer)).status_code == 200
    session.expire_all()
    first_use = session.get(ApiKey, key_id).last_used_at
    assert first_use is not None and utcnow() - first_use < timedelta(seconds=30)
    assert (await client.get("/api/v1/me", headers=bearer)).status_code == 200
    session.expire_all()
    assert session.get(ApiKey, key_id).last_used_at == first_use  # within the minute: not written again

    user = session.get(User, member.user_id)
    user.is_active = False
    session.add(user)
    session.commit()
    r = await client.get("/api/v1/me", headers=bearer)
    assert r.status_code == 401 and r.json()["message"] == "account not found or disabled"


async def test_key_cannot_exceed_its_creator_and_expired_key_is_refused(client, people, session: Session) -> None:
    owner = people["owner"]
    r = await client.post("/api/v1/api-keys", json={"name": "minter", "scopes": ["keys:write"]}, headers=owner.headers)
    minter = {"Authorization": f"Bearer {r.json()['key']}"}
    r = await client.post("/api/v1/api-keys", json={"name": "more", "scopes": ["projects:write"]}, headers=minter)
    assert r.status_code == 422 and r.json()["details"]["excess"] == ["projects:read", "projects:write"]

    r = await client.post("/api/v1/api-keys", json={"name": "short", "scopes": ["*"]}, headers=owner.headers)
    key_id, key = r.json()["id"], r.json()["key"]
    assert (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})).status_code == 200
    row = session.get(ApiKey, key_id)
    row.expires_at = utcnow() - timedelta(seconds=1)
    session.add(row)
    session.commit()
    r = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {key}"})
    assert r.status_code == 401 and r.json()["message"] == "this API key has expired"
    r = await client.post(
        "/api/v1/api-keys",
        json={"name": "past", "scopes": ["*"], "expires_at": "2001-01-01T00:00:00Z"},
        headers=owner.headers,
    )
    assert r.status_code == 422


async def test_audit_rows_for_each_audited_action(client, session: Session) -> None:
    """Login ok/failed, key created/revoked, member added/role changed/removed, credential
    set/deleted, plan approved/rejected, approval decided, comment and project deleted."""
    world = build_world(session)
    owner, admin = world.people["owner"], world.people["admin"]
    a = world.team_a
    await client.post("/api/v1/auth/register", json={"email": "eve@example.com", "password": "pass-word-1"})
    first = await client.post("/api/v1/auth/token", json={"email": "eve@example.com", "password": "pass-word-1"})
    await client.post("/api/v1/auth/token", json={"email": "eve@example.com", "password": "nope-nope"})
    verify = token_of(outbox_link(session, "eve@example.com", "/verify-email"))
    signed_in = {"Authorization": f"Bearer {first.json()['access_token']}"}  # the link's own account
    r = await client.post("/api/v1/auth/verify-email", json={"token": verify}, headers=signed_in)
    assert r.status_code == 200
    # eve joins team A (invited, then she accepts: her address is verified)
    r = await client.post(
        f"/api/v1/teams/{a}/members", json={"email": "eve@example.com", "role": "viewer"}, headers=admin.headers
    )
    assert r.status_code == 201
    eve = (await client.post("/api/v1/auth/token", json={"email": "eve@example.com", "password": "pass-word-1"})).json()
    eve_headers = {"Authorization": f"Bearer {eve['access_token']}"}
    r = await client.post(f"/api/v1/me/invitations/{r.json()['id']}/accept", headers=eve_headers)
    assert r.status_code == 200 and r.json()["role"] == "viewer"
    eve_id = (await client.get(f"/api/v1/teams/{a}/members", headers=admin.headers)).json()["data"][-1]["user_id"]
    assert (
        await client.patch(f"/api/v1/teams/{a}/members/{eve_id}", json={"role": "member"}, headers=admin.headers)
    ).status_code == 200
    target = world.target_user_id
    assert (await client.delete(f"/api/v1/teams/{a}/members/{target}", headers=admin.headers)).status_code == 204

    r = await client.post("/api/v1/api-keys", json={"name": "k", "scopes": ["projects:read"]}, headers=owner.headers)
    key_id = r.json()["id"]
    assert (await client.delete(f"/api/v1/api-keys/{key_id}", headers=owner.headers)).status_code == 200

    r = await client.post(
        f"/api/v1/teams/{a}/credentials",
        json={"name": "gh", "kind": "bearer", "secret": {"token": "ghp_x"}},
        headers=admin.headers,
    )
    assert r.status_code == 201 and "ghp_x" not in r.text  # write-only
    assert (
        await client.delete(f"/api/v1/teams/{a}/credentials/{r.json()['id']}", headers=admin.headers)
    ).status_code == 204

    p = world.project_id
    assert (await client.post(f"/api/v1/projects/{p}/plan", json=PLAN, headers=owner.headers)).status_code == 202
    r = await client.post(f"/api/v1/projects/{p}/plan/reject", json={"reason": "too thin"}, headers=owner.headers)
    assert r.status_code == 200, r.text
    assert (await client.post(f"/api/v1/projects/{p}/plan", json=PLAN, headers=owner.headers)).status_code == 202
    assert (await client.post(f"/api/v1/projects/{p}/plan/approve", headers=owner.headers)).status_code == 200
    assert (await client.delete(f"/api/v1/comments/{world.comment_id}", headers=admin.headers)).status_code == 204
    assert (await client.delete(f"/api/v1/projects/{p}", headers=admin.headers)).status_code == 204

    r = await client.get(f"/api/v1/teams/{a}/audit?per_page=200", headers=admin.headers)
    assert r.status_code == 200
    actions = {row["action"] for row in r.json()["data"]}
    expected = {
        "member.added",
        "member.role_changed",
        "member.removed",
        "credential.set",
        "credential.deleted",
        "plan.rejected",
        "plan.approved",
        "comment.deleted",
        "project.deleted",
    }
    assert expected <= actions, expected - actions
    # key actions are the user's own (no team): they are in the table with who/when/where
    keys = session.exec(select(AuditEntry).where(AuditEntry.target_id == key_id)).all()
    assert sorted(k.action for k in keys) == ["api_key.created", "api_key.revoked"]
    assert all(k.actor_id == owner.user_id and k.ip == "10.1.2.3" and k.created_at for k in keys)
    # a member's logins and failed logins are theirs alone: not in the team's log, in their own
    assert not {"auth.login", "auth.login_failed", "api_key.created"} & actions
    mine = (await client.get("/api/v1/me/audit?per_page=200", headers=eve_headers)).json()["data"]
    failed = next(row for row in mine if row["action"] == "auth.login_failed")
    assert failed["success"] is False and failed["ip"] == "10.1.2.3"

    # members cannot read the audit log
    r = await client.get(f"/api/v1/teams/{a}/audit", headers=world.people["member"].headers)
    assert r.status_code == 403


async def test_role_rules_last_owner_and_admin_limits(client, session: Session) -> None:
    world = build_world(session)
    a, owner, admin = world.team_a, world.people["owner"], world.people["admin"]
    r = await client.patch(f"/api/v1/teams/{a}/members/{owner.user_id}", json={"role": "admin"}, headers=owner.headers)
    assert r.status_code == 409  # the last owner stays
    r = await client.patch(
        f"/api/v1/teams/{a}/members/{world.target_user_id}", json={"role": "owner"}, headers=admin.headers
    )
    assert r.status_code == 403  # admins cannot mint owners
    r = await client.delete(f"/api/v1/teams/{a}/members/{owner.user_id}", headers=admin.headers)
    assert r.status_code == 403
    viewer = world.people["viewer"]
    assert (
        await client.delete(f"/api/v1/teams/{a}/members/{viewer.user_id}", headers=viewer.headers)
    ).status_code == 204
    assert (await client.get(f"/api/v1/teams/{a}", headers=viewer.headers)).status_code == 404  # gone means gone


async def test_credential_use_by_a_tool_is_audited(client, session: Session) -> None:
    from berrys_app.services.tools import vault

    world = build_world(session)
    kind, secret = vault.decrypt_for(
        session,
        team_id=world.team_a,
        name="api",
        tool_name="http_request",
        purpose="tool_call",
        call_key="task:x:tool:0:0",
        project_id=world.project_id,
    )
    session.commit()
    assert kind == "bearer" and secret == {"token": "s3cr3t-value"}
    r = await client.get(
        f"/api/v1/teams/{world.team_a}/audit?action=credential.used", headers=world.people["admin"].headers
    )
    rows = r.json()["data"]
    assert len(rows) == 1 and rows[0]["target_id"] == str(world.credential_id)
    assert rows[0]["details"]["tool"] == "http_request" and rows[0]["details"]["call_key"] == "task:x:tool:0:0"
    assert "s3cr3t-value" not in r.text
    uses = await client.get(
        f"/api/v1/teams/{world.team_a}/credentials/{world.credential_id}/uses", headers=world.people["admin"].headers
    )
    assert uses.json()["meta"]["total"] == 1


async def test_invitation_by_email_joins_through_its_mailed_link(client, session: Session) -> None:
    world = build_world(session)
    admin, a = world.people["admin"], world.team_a
    r = await client.post(
        f"/api/v1/teams/{a}/invitations", json={"email": "Newbie@Example.com", "role": "member"}, headers=admin.headers
    )
    assert r.status_code == 201 and r.json()["accepted_at"] is None
    r = await client.post(
        f"/api/v1/teams/{a}/invitations", json={"email": "newbie@example.com", "role": "member"}, headers=admin.headers
    )
    assert r.status_code == 409
    r = await client.post(
        f"/api/v1/teams/{a}/invitations", json={"email": "x@example.com", "role": "owner"}, headers=admin.headers
    )
    assert r.status_code == 403  # admins cannot invite owners
    await client.post("/api/v1/auth/register", json={"email": "newbie@example.com", "password": "pass-word-2"})
    pair = (
        await client.post("/api/v1/auth/token", json={"email": "newbie@example.com", "password": "pass-word-2"})
    ).json()
    newbie = {"Authorization": f"Bearer {pair['access_token']}"}
    me = (await client.get("/api/v1/me", headers=newbie)).json()
    assert [t["role"] for t in me["teams"]] == ["owner"] and me["email_verified"] is False  # registering joins nothing
    token = token_of(outbox_link(session, "newbie@example.com", "/invitation"))
    r = await client.post("/api/v1/invitations/accept", json={"token": token}, headers=newbie)
    assert r.status_code == 200, r.text
    me = (await client.get("/api/v1/me", headers=newbie)).json()
    assert sorted(t["role"] for t in me["teams"]) == ["member", "owner"] and me["email_verified"] is True
    invites = (await client.get(f"/api/v1/teams/{a}/invitations", headers=admin.headers)).json()["data"]
    assert any(i["email"] == "newbie@example.com" and i["accepted_at"] for i in invites)
    audit = (await client.get(f"/api/v1/teams/{a}/audit?action=member.invited", headers=admin.headers)).json()
    assert audit["meta"]["total"] >= 1
