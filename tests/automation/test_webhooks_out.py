"""Webhooks out: signed per Standard Webhooks, retried after a 500, every attempt in the
delivery log, redelivered by hand; private addresses refused (at creation and at delivery)."""

from __future__ import annotations

import asyncio
import time
import uuid

import pytest
from sqlmodel import Session, select

from berrys_app.domain.webhooks import WebhookDelivery, WebhookEndpoint
from berrys_app.services.events import emit
from berrys_app.settings import get_settings
from tests.automation.helpers import headers
from tests.automation.receiver import Receiver
from workers.automation import deliver_webhooks


@pytest.fixture
def fast_retries(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BERRYS_WEBHOOK_RETRY_SCHEDULE", "0.2,0.2")
    get_settings.cache_clear()


async def _subscribe(client, people, url: str, types: list[str]) -> dict:
    r = await client.post(
        f"/api/v1/teams/{people['team_a']}/webhooks",
        json={"url": url, "event_types": types, "description": "ci"},
        headers=headers(people, "admin"),
    )
    assert r.status_code == 201, r.text
    return r.json()


async def _deliver_until(done, *, timeout: float = 20.0) -> None:
    """Run the workers' delivery job (the cron's body) until ``done()``."""
    deadline = time.monotonic() + timeout
    while not done():
        assert time.monotonic() < deadline, "deliveries did not happen in time"
        await deliver_webhooks({})
        await asyncio.sleep(0.05)


async def _project(client, people, name: str = "Hooked") -> str:
    r = await client.post(
        "/api/v1/projects", json={"name": name, "team_id": str(people["team_a"])}, headers=headers(people, "member")
    )
    assert r.status_code == 201, r.text
    return r.json()["id"]


async def test_signed_retried_after_500_logged_and_redelivered(
    client, people, receiver: Receiver, fast_retries
) -> None:
    endpoint = await _subscribe(client, people, f"{receiver.url}/hook", ["project.created"])
    receiver.secret = endpoint["secret"]
    assert receiver.secret.startswith("whsec_")
    receiver.statuses = [500]
    project_id = await _project(client, people)

    await _deliver_until(lambda: len(receiver.received()) >= 2)
    first, second = receiver.received()
    assert (first["answered"], second["answered"]) == (500, 200)
    assert first["signature_ok"] and second["signature_ok"]
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]  # one message, retried
    assert second["body"]["type"] == "project.created" and second["body"]["data"]["project_id"] == project_id

    log = await client.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries", headers=headers(people, "admin"))
    assert log.status_code == 200, log.text
    [delivery] = log.json()["data"]
    assert (delivery["status"], delivery["attempts"], delivery["last_status_code"]) == ("delivered", 2, 200)
    assert [a["status_code"] for a in delivery["attempt_log"]] == [500, 200]
    assert "HTTP 500" in delivery["attempt_log"][0]["error"]

    again = await client.post(
        f"/api/v1/webhook-deliveries/{delivery['id']}/redeliver", headers=headers(people, "admin")
    )
    assert again.status_code == 200 and again.json()["status"] == "pending", again.text
    await _deliver_until(lambda: len(receiver.received()) >= 3)
    third = receiver.received()[2]
    assert third["signature_ok"] and third["headers"]["webhook-id"] == first["headers"]["webhook-id"]
    one = (await client.get(f"/api/v1/webhook-deliveries/{delivery['id']}", headers=headers(people, "admin"))).json()
    assert [(a["status_code"], a["manual"]) for a in one["attempt_log"]] == [(500, False), (200, False), (200, True)]


async def test_the_secret_is_sealed_and_never_shown_again(client, people, receiver: Receiver, session: Session) -> None:
    endpoint = await _subscribe(client, people, f"{receiver.url}/hook", ["task.failed"])
    row = session.get(WebhookEndpoint, endpoint["id"])
    assert endpoint["secret"] not in row.secret_sealed
    for url in (f"/api/v1/webhooks/{endpoint['id']}", f"/api/v1/teams/{people['team_a']}/webhooks"):
        r = await client.get(url, headers=headers(people, "admin"))
        assert r.status_code == 200 and endpoint["secret"] not in r.text and '"secret":null' in r.text.replace(" ", "")


async def test_a_webhook_to_a_private_address_is_refused(client, people) -> None:
    for url in ("http://10.0.0.7/hook", "http://169.254.169.254/latest/meta-data", "http://192.168.1.1:8080/"):
        r = await client.post(
            f"/api/v1/teams/{people['team_a']}/webhooks",
            json={"url": url, "event_types": ["project.created"]},
            headers=headers(people, "admin"),
        )
        assert r.status_code == 403, (url, r.text)
        assert "internal address" in r.json()["message"] and "BERRYS_HTTP_INTERNAL_HOSTS" in r.json()["message"]


async def test_a_delivery_to_an_address_no_longer_allowed_is_refused(
    client, people, receiver: Receiver, session: Session, monkeypatch: pytest.MonkeyPatch
) -> None:
    endpoint = await _subscribe(client, people, f"{receiver.url}/hook", ["project.created"])
    monkeypatch.setenv("BERRYS_HTTP_INTERNAL_HOSTS", "")  # the operator no longer trusts loopback
    get_settings.cache_clear()
    await _project(client, people)

    def failed() -> bool:
        session.expire_all()
        return any(d.status == "failed" for d in session.exec(select(WebhookDelivery)))

    await _deliver_until(failed)
    assert receiver.received() == []
    [delivery] = (
        await client.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries", headers=headers(people, "admin"))
    ).json()["data"]
    assert delivery["attempts"] == 1 and "internal address" in delivery["attempt_log"][0]["error"]


async def test_deliveries_commit_with_their_event_and_final_statuses_have_their_own_type(
    client, people, receiver: Receiver, session: Session
) -> None:
    await _subscribe(client, people, f"{receiver.url}/hook", ["project.completed"])
    project_id = uuid.UUID(await _project(client, people))
    change = {"from": "executing", "to": "completed", "reason": "done", "by": "system"}

    emit(session, "project.status_changed", project_id=project_id, payload=change)  # no team_id: the project's
    session.rollback()
    assert session.exec(select(WebhookDelivery)).all() == []

    emit(session, "project.status_changed", project_id=project_id, payload={**change, "to": "paused"})
    emit(session, "project.status_changed", project_id=project_id, payload=change)
    session.commit()
    [delivery] = session.exec(select(WebhookDelivery)).all()
    assert delivery.event_type == "project.completed" and delivery.payload["data"]["payload"]["to"] == "completed"


async def test_only_team_admins_manage_webhooks(client, people, receiver: Receiver) -> None:
    endpoint = await _subscribe(client, people, f"{receiver.url}/hook", ["project.created"])
    member = await client.get(f"/api/v1/webhooks/{endpoint['id']}/deliveries", headers=headers(people, "member"))
    assert member.status_code == 403
    outsider = await client.get(f"/api/v1/webhooks/{endpoint['id']}", headers=headers(people, "outsider"))
    assert outsider.status_code == 404
    unknown = await client.post(
        f"/api/v1/teams/{people['team_a']}/webhooks",
        json={"url": f"{receiver.url}/hook", "event_types": ["project.exploded"]},
        headers=headers(people, "admin"),
    )
    assert unknown.status_code == 422 and "project.exploded" in unknown.json()["message"]
