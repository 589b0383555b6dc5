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


async def _deploy_tool(client, admin, team: str, *, approval: str) -> None:
    """A team http tool (side effects) whose calls the team lets run with ``approval``."""
    body = {
        "name": "deploy",
        "kind": "http",
        "side_effects": True,
        "approval_policy": approval,
        "parameters_schema": {"type": "object", "properties": {"method": {"type": "string"}}},
        "config": {"allowed_hosts": ["api.example.com"]},
    }
    r = await client.post(f"/api/v1/teams/{team}/tools", json=body, headers=admin.headers)
    assert r.status_code == 201, r.text


async def test_a_tool_policy_edit_for_a_tool_the_team_lacks_gets_a_precise_4xx(client, people) -> None:
    member, admin = people["member"], people["admin"]
    team = str(people["team_a"])
    await _deploy_tool(client, admin, team, approval="never")
    pid = await _project(client, member, team, cancel=True)
    cases = [
        ({"tool": "nosuchtool", "approval_policy": "always"}, "tool_policies[0].tool: the team has no tool named"),
        ({"tool": "deploy"}, "tool_policies[0]: say what changes for deploy"),
        ({"tool": "deploy", "approval_policy": "sometimes"}, "approval_policy"),
        ({"tool": "deploy", "arguments_schema": {"type": 7}}, "tool_policies[0].arguments_schema is not valid"),
    ]
    for edit, words in cases:
        r = await client.post(
            f"/api/v1/projects/{pid}/forks", json={"at_task": "a", "tool_policies": [edit]}, headers=member.headers
        )
        assert r.status_code == 422 and words in r.text, (edit, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
    twice = [{"tool": "deploy", "approval_policy": "always"}] * 2
    r = await client.post(
        f"/api/v1/projects/{pid}/forks", json={"at_task": "a", "tool_policies": twice}, headers=member.headers
    )
    assert r.status_code == 422 and "'deploy' is edited twice" in r.text
    replay = {"mode": "replay", "tool_policies": [{"tool": "deploy", "approval_policy": "always"}]}
    r = await client.post(f"/api/v1/projects/{pid}/forks", json=replay, headers=member.headers)
    assert r.status_code == 422 and "a replay answers every tool call from the recorded ones" in r.text


async def test_a_member_may_only_tighten_a_tool_policy_and_an_admin_may_loosen_it(client, people) -> None:
    member, admin, viewer = people["member"], people["admin"], people["viewer"]
    team = str(people["team_a"])
    await _deploy_tool(client, admin, team, approval="side_effects")
    pid = await _project(client, member, team, cancel=True)

    def fork(edits: list[dict]) -> dict:
        return {"at_task": "a", "tool_policies": edits}

    loosen = [{"tool": "deploy", "approval_policy": "never"}]
    r = await client.post(f"/api/v1/projects/{pid}/forks", json=fork(loosen), headers=member.headers)
    assert r.status_code == 403, r.text
    assert "loosening deploy's approval policy from side_effects to never needs the admin role" in r.text
    r = await client.post(f"/api/v1/projects/{pid}/forks", json=fork(loosen), headers=viewer.headers)
    assert r.status_code == 403  # a viewer may not fork at all

    only_get = {"properties": {"method": {"enum": ["GET"]}}}
    tighten = [{"tool": "deploy", "approval_policy": "always", "arguments_schema": only_get}]
    r = await client.post(f"/api/v1/projects/{pid}/forks", json=fork(tighten), headers=member.headers)
    assert r.status_code == 201, r.text
    strict = r.json()["id"]
    r = await client.get(f"/api/v1/projects/{strict}/tool-policies", headers=viewer.headers)
    assert r.status_code == 200, r.text
    assert [(p["tool_name"], p["approval_policy"], p["arguments_schema"]) for p in r.json()["data"]] == [
        ("deploy", "always", only_get)
    ]
    r = await client.post(f"/api/v1/projects/{strict}/cancel", json={"reason": "stop"}, headers=member.headers)
    assert r.status_code == 200, r.text

    # a fork of the strict fork inherits its policy: back to the team's side_effects is loosening
    back = [{"tool": "deploy", "approval_policy": "side_effects"}]
    r = await client.post(f"/api/v1/projects/{strict}/forks", json=fork(back), headers=member.headers)
    assert r.status_code == 403 and "from always to side_effects" in r.text
    drop = [{"tool": "deploy", "replace_arguments_schema": True}]
    r = await client.post(f"/api/v1/projects/{strict}/forks", json=fork(drop), headers=member.headers)
    assert r.status_code == 403 and "replacing deploy's inherited argument constraints needs the admin role" in r.text
    # a member's new constraint is added to the inherited one: both hold
    no_body = {"properties": {"method": {"not": {"const": "POST"}}}}
    r = await client.post(
        f"/api/v1/projects/{strict}/forks",
        json=fork([{"tool": "deploy", "arguments_schema": no_body}]),
        headers=member.headers,
    )
    assert r.status_code == 201, r.text
    r = await client.get(f"/api/v1/projects/{r.json()['id']}/tool-policies", headers=viewer.headers)
    [row] = r.json()["data"]
    assert (row["approval_policy"], row["arguments_schema"]) == ("always", {"allOf": [only_get, no_body]})

    r = await client.post(f"/api/v1/projects/{strict}/forks", json=fork(loosen), headers=admin.headers)
    assert r.status_code == 201, r.text
    r = await client.get(f"/api/v1/projects/{r.json()['id']}/tool-policies", headers=viewer.headers)
    assert [(p["approval_policy"], p["arguments_schema"]) for p in r.json()["data"]] == [("never", only_get)]
    r = await client.post(
        f"/api/v1/projects/{strict}/forks",
        json=fork([{"tool": "deploy", "replace_arguments_schema": True}]),
        headers=admin.headers,
    )
    assert r.status_code == 201, r.text
    r = await client.get(f"/api/v1/projects/{r.json()['id']}/tool-policies", headers=viewer.headers)
    assert [(p["approval_policy"], p["arguments_schema"]) for p in r.json()["data"]] == [("always", None)]
    r = await client.get(f"/api/v1/projects/{strict}/tool-policies", headers=people["outsider"].headers)
    assert r.status_code == 404
