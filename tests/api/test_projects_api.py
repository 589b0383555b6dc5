"""Projects over REST: CRUD with paging, hand-made plan -> approve -> execute -> pause/resume/cancel,
tasks (the cached JSON list follows every row change), usage, deliverables."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from tests.api.world import PLAN


async def test_project_lifecycle_over_rest(client, people, session: Session) -> None:
    member, viewer = people["member"], people["viewer"]
    team = str(people["team_a"])
    for i in range(3):
        r = await client.post(
            "/api/v1/projects",
            json={"name": f"P{i}", "team_id": team, "objectives": ["ship"], "budget_usd": 1.5},
            headers=member.headers,
        )
        assert r.status_code == 201, r.text
    pid = r.json()["id"]
    listed = (await client.get(f"/api/v1/projects?team_id={team}&per_page=2&page=1", headers=viewer.headers)).json()
    assert listed["meta"]["total"] == 3 and listed["meta"]["page"] == 1 and listed["meta"]["per_page"] == 2
    assert len(listed["data"]) == 2 and listed["meta"]["next_cursor"]  # a third one follows
    assert [p["name"] for p in listed["data"]] == ["P2", "P1"]
    r = await client.get(f"/api/v1/projects?team_id={team}&status=nonsense", headers=viewer.headers)
    assert r.status_code == 422 and r.json()["code"] == "validation_error"

    r = await client.patch(f"/api/v1/projects/{pid}", json={"name": "Renamed", "max_agents": 3}, headers=member.headers)
    assert r.status_code == 200 and r.json()["name"] == "Renamed"
    r = await client.patch(f"/api/v1/projects/{pid}", json={"max_agents": 0}, headers=member.headers)
    assert r.status_code == 422

    bad = {"tasks": [{"id": "a", "title": "A", "depends_on": ["b"]}, {"id": "b", "title": "B", "depends_on": ["a"]}]}
    r = await client.post(f"/api/v1/projects/{pid}/plan", json=bad, headers=member.headers)
    assert r.status_code == 422 and r.json()["code"] == "validation_error"  # a cycle
    r = await client.post(f"/api/v1/projects/{pid}/plan", json=PLAN, headers=member.headers)
    assert r.status_code == 202 and r.json()["plan"]["version"] == 1 and r.json()["project"]["status"] == "plan_review"
    assert (await client.get(f"/api/v1/projects/{pid}/plan", headers=viewer.headers)).json()["version"] == 1
    r = await client.post(f"/api/v1/projects/{pid}/execute", headers=member.headers)
    assert r.status_code == 409 and r.json()["code"] == "conflict"
    assert (await client.post(f"/api/v1/projects/{pid}/plan/approve", headers=member.headers)).json()[
        "status"
    ] == "ready"

    tasks = (await client.get(f"/api/v1/projects/{pid}/tasks", headers=viewer.headers)).json()
    assert tasks["meta"]["total"] == 2 and [t["key"] for t in tasks["data"]] == ["a", "b"]
    assert {t["status"] for t in tasks["data"]} <= {"pending", "ready"}
    one = tasks["data"][0]
    assert (await client.get(f"/api/v1/projects/{pid}/tasks/{one['id']}", headers=viewer.headers)).json() == one

    listed = await client.get(f"/api/v1/projects/{pid}/tasks", headers=viewer.headers)
    etag = listed.headers["etag"]
    r = await client.get(f"/api/v1/projects/{pid}/tasks", headers={**viewer.headers, "If-None-Match": etag})
    assert r.status_code == 304 and r.content == b""
    # the cached list follows a row change made by anyone (here: straight SQL, as a worker would)
    session.execute(text("UPDATE tasks SET output = 'done!' WHERE id = :id"), {"id": one["id"]})
    session.commit()
    again = (await client.get(f"/api/v1/projects/{pid}/tasks", headers=viewer.headers)).json()
    assert again["data"][0]["output"] == "done!"
    r = await client.get(f"/api/v1/projects/{pid}/tasks", headers={**viewer.headers, "If-None-Match": etag})
    assert r.status_code == 200 and r.headers["etag"] != etag

    assert (await client.post(f"/api/v1/projects/{pid}/execute", headers=member.headers)).json()[
        "status"
    ] == "executing"
    r = await client.post(f"/api/v1/projects/{pid}/pause", json={"reason": "lunch"}, headers=member.headers)
    assert r.json()["status"] == "paused" and r.json()["status_reason"] == "lunch"
    assert (await client.post(f"/api/v1/projects/{pid}/resume", headers=member.headers)).json()["status"] == "executing"
    assert (await client.post(f"/api/v1/projects/{pid}/cancel", headers=member.headers)).json()["status"] == "cancelled"

    usage = (await client.get(f"/api/v1/projects/{pid}/usage", headers=viewer.headers)).json()
    assert usage["budget_usd"] == 1.5 and usage["total_tokens"] == 0
    assert (await client.get(f"/api/v1/projects/{pid}/deliverables", headers=viewer.headers)).json()["data"] == []
    assert (await client.delete(f"/api/v1/projects/{pid}", headers=member.headers)).status_code == 403
