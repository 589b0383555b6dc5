"""Forks over REST: what may be forked, the precise 4xx for bad requests, lineage and diff shapes.
(The runs themselves -- calls made, copied, replayed -- are tests/engine/test_forks.py.)"""

from __future__ import annotations

from tests.api.world import PLAN


async def _project(client, member, team: str, *, cancel: bool) -> str:
    r = await client.post("/api/v1/projects", json={"name": "Origin", "team_id": team}, headers=member.headers)
    pid = r.json()["id"]
    assert (await client.post(f"/api/v1/projects/{pid}/plan", json=PLAN, headers=member.headers)).status_code == 202
    assert (await client.post(f"/api/v1/projects/{pid}/plan/approve", headers=member.headers)).status_code == 200
    if cancel:
        r = await client.post(f"/api/v1/projects/{pid}/cancel", json={"reason": "stop"}, headers=member.headers)
        assert r.status_code == 200, r.text
    return pid


async def test_a_cancelled_project_forks_and_the_fork_knows_its_origin(client, people) -> None:
    member, viewer = people["member"], people["viewer"]
    pid = await _project(client, member, str(people["team_a"]), cancel=True)
    r = await client.post(
        f"/api/v1/projects/{pid}/forks",
        json={"at_task": "b", "description": "Write it shorter"},
        headers=member.headers,
    )
    assert r.status_code == 201, r.text
    fork = r.json()
    assert (fork["forked_from_project_id"], fork["forked_at_task_key"], fork["fork_mode"]) == (pid, "b", "run")
    assert fork["name"] == "Origin (fork at b)" and fork["status"] == "executing"
    plan = (await client.get(f"/api/v1/projects/{fork['id']}/plan", headers=viewer.headers)).json()
    assert plan["source"] == "fork"
    assert {t["id"]: t["description"] for t in plan["plan"]["tasks"]} == {"a": "", "b": "Write it shorter"}

    lineage = (await client.get(f"/api/v1/projects/{fork['id']}/lineage", headers=viewer.headers)).json()
    assert [(row["id"], row["depth"]) for row in lineage["data"]] == [(pid, 0), (fork["id"], 1)]
    diff = (await client.get(f"/api/v1/projects/{fork['id']}/diff?against={pid}", headers=viewer.headers)).json()
    assert [row["key"] for row in diff["data"]] == ["a", "b"]
    # nothing was completed in the origin: nothing could be copied, both tasks run again
    assert [(row["left_status"], row["right_copied"]) for row in diff["data"]] == [
        ("cancelled", False),
        ("cancelled", False),
    ]


async def test_bad_fork_requests_get_a_precise_4xx(client, people) -> None:
    member = people["member"]
    team = str(people["team_a"])
    running = await _project(client, member, team, cancel=False)
    r = await client.post(f"/api/v1/projects/{running}/forks", json={"at_task": "a"}, headers=member.headers)
    assert r.status_code == 409 and "only a completed, failed or cancelled project can be forked" in r.text

    pid = await _project(client, member, team, cancel=True)
    cases = [
        ({"at_task": "zz"}, "the project has no task 'zz'"),
        ({}, "at_task: name the task to fork at"),
        ({"mode": "replay", "model": "scripted/echo"}, "a replay answers from the recorded calls"),
        ({"mode": "replay", "description": "x"}, "an edited description needs at_task"),
        ({"at_task": "a", "inputs": {"b": "x"}}, "only copied (upstream) tasks can have their output replaced"),
        ({"at_task": "a", "model": "openai/nowhere-model"}, "is not in your catalogue"),
        ({"at_task": "a", "mode": "sideways"}, "mode"),
    ]
    for body, words in cases:
        r = await client.post(f"/api/v1/projects/{pid}/forks", json=body, headers=member.headers)
        assert r.status_code == 422 and words in r.text, (body, r.text)

    r = await client.post(f"/api/v1/projects/{pid}/tasks/nope/retry-from-here", headers=member.headers)
    assert r.status_code == 404 and "task 'nope' not found" in r.text
    r = await client.post(f"/api/v1/projects/{pid}/tasks/a/retry-from-here", json={}, headers=member.headers)
    assert r.status_code == 409 and "only a failed task can be retried from here" in r.text
    r = await client.get(f"/api/v1/projects/{pid}/diff", headers=member.headers)
    assert r.status_code == 422  # against is required
