"""DELETE /api/v1/projects/{id} on a paused or an executing project: the team's agents go back to
its pool (Ready, no project, no slot taken), as the Agents page and its route show them."""

from __future__ import annotations

import asyncio
import uuid

from sqlmodel import Session, select

from berrys_app.domain.work import Agent, Task
from tests.api.world import PLAN
from tests.engine.helpers import lease_now


async def _executing_project(client, people) -> str:
    member = people["member"]
    r = await client.post(
        "/api/v1/projects",
        json={"name": "Doomed", "team_id": str(people["team_a"]), "objectives": ["ship"]},
        headers=member.headers,
    )
    pid = r.json()["id"]
    assert (await client.post(f"/api/v1/projects/{pid}/plan", json=PLAN, headers=member.headers)).status_code == 202
    assert (await client.post(f"/api/v1/projects/{pid}/plan/approve", headers=member.headers)).status_code == 200
    r = await client.post(f"/api/v1/projects/{pid}/execute", headers=member.headers)
    assert r.status_code == 200 and r.json()["status"] == "executing", r.text
    return pid


async def _delete_and_check_pool(client, people, session: Session, pid: str) -> None:
    team, admin, viewer = people["team_a"], people["admin"], people["viewer"]
    assert (await client.delete(f"/api/v1/projects/{pid}", headers=people["member"].headers)).status_code == 403
    assert (await client.delete(f"/api/v1/projects/{pid}", headers=admin.headers)).status_code == 204
    assert (await client.get(f"/api/v1/projects/{pid}", headers=viewer.headers)).status_code == 404
    pool = (await client.get(f"/api/v1/teams/{team}/agents", headers=viewer.headers)).json()
    assert pool and {(a["status"], a["project"], a["project_id"], a["task"]) for a in pool} == {
        ("ready", "team pool", "", "—")
    }
    session.expire_all()
    assert {a.running_tasks for a in session.exec(select(Agent).where(Agent.team_id == team))} == {0}


async def test_deleting_a_paused_project_frees_its_agents(client, people, session: Session) -> None:
    pid = await _executing_project(client, people)
    r = await client.post(f"/api/v1/projects/{pid}/pause", headers=people["member"].headers)
    assert r.status_code == 200 and r.json()["status"] == "paused"
    pool = (await client.get(f"/api/v1/teams/{people['team_a']}/agents", headers=people["viewer"].headers)).json()
    assert {a["status"] for a in pool} == {"paused"}
    await _delete_and_check_pool(client, people, session, pid)


async def test_deleting_an_executing_project_frees_its_busy_agents(client, people, session: Session) -> None:
    pid = await _executing_project(client, people)
    first = session.exec(select(Task).where(Task.project_id == uuid.UUID(pid), Task.key == "a")).one()
    leased = await asyncio.to_thread(lease_now, first.id, worker="test-worker")  # its own event loop
    assert leased is not None  # a worker runs it now
    pool = (await client.get(f"/api/v1/teams/{people['team_a']}/agents", headers=people["viewer"].headers)).json()
    assert [(a["status"], a["task"]) for a in pool] == [("active", "Research")]
    await _delete_and_check_pool(client, people, session, pid)
