"""What the dashboard shows is on REST too, behind the same checks: a task's transcript and error
history, the project's tool calls, presence, the team's usage series and agents, the workers."""

from __future__ import annotations

import uuid
from decimal import Decimal

from sqlmodel import Session, select

from berrys_app.domain.models import ModelCall
from berrys_app.domain.system import WorkerHeartbeat
from berrys_app.domain.tools import ToolCall
from berrys_app.domain.work import Task
from berrys_app.services import presence
from berrys_app.services.events import emit
from tests.api.world import PLAN


async def _running_project(client, people) -> tuple[str, str]:
    member = people["member"]
    r = await client.post(
        "/api/v1/projects",
        json={"name": "Parity", "team_id": str(people["team_a"]), "objectives": ["ship"]},
        headers=member.headers,
    )
    pid = r.json()["id"]
    assert (await client.post(f"/api/v1/projects/{pid}/plan", json=PLAN, headers=member.headers)).status_code == 202
    assert (await client.post(f"/api/v1/projects/{pid}/plan/approve", headers=member.headers)).status_code == 200
    return pid, str(people["team_a"])


async def test_transcript_tool_calls_and_presence(client, people, session: Session) -> None:
    pid, _ = await _running_project(client, people)
    viewer, outsider = people["viewer"], people["outsider"]
    task = session.exec(select(Task).where(Task.project_id == uuid.UUID(pid), Task.key == "a")).one()
    session.add(ModelCall(project_id=task.project_id, task_id=task.id, model="scripted/echo", content="Found it."))
    session.add(
        ToolCall(
            call_key=f"{task.id}:1:0",
            project_id=task.project_id,
            task_id=task.id,
            tool_name="http_request",
            arguments={"url": "https://example.com"},
            status="ok",
            content="200 OK",
        )
    )
    emit(
        session,
        "task.retrying",
        project_id=task.project_id,
        task_id=task.id,
        payload={"key": "a", "failures": 1, "error": "boom", "retry_in_s": 1.0},
    )
    session.commit()

    r = await client.get(f"/api/v1/projects/{pid}/tasks/{task.id}/transcript", headers=viewer.headers)
    assert r.status_code == 200, r.text
    body = r.json()
    assert [e["kind"] for e in body["entries"]] == ["model", "tool"]
    assert body["entries"][0]["text"] == "Found it." and "200 OK" in body["entries"][1]["text"]
    assert body["errors"] == [{"title": "attempt 1 failed, retrying", "text": "boom", "at": body["errors"][0]["at"]}]

    r = await client.get(f"/api/v1/projects/{pid}/tool-calls", headers=viewer.headers)
    assert r.status_code == 200 and r.json()["meta"]["total"] == 1
    assert r.json()["data"][0]["tool_name"] == "http_request" and r.json()["data"][0]["content"] == "200 OK"

    presence.join(pid, "tab-1", "Ada")
    r = await client.get(f"/api/v1/projects/{pid}/presence", headers=viewer.headers)
    assert r.status_code == 200 and r.json() == {"viewers": ["Ada"]}

    for path in (f"tasks/{task.id}/transcript", "tool-calls", "presence"):
        r = await client.get(f"/api/v1/projects/{pid}/{path}", headers=outsider.headers)
        assert r.status_code == 404 and r.json()["code"] == "not_found", (path, r.text)
    r = await client.get(f"/api/v1/projects/{pid}/tasks/{uuid.uuid4()}/transcript", headers=viewer.headers)
    assert r.status_code == 404


async def test_team_usage_agents_and_workers(client, people, session: Session) -> None:
    pid, team = await _running_project(client, people)
    viewer, outsider = people["viewer"], people["outsider"]
    session.add(
        ModelCall(
            project_id=uuid.UUID(pid),
            model="scripted/echo",
            prompt_tokens=7,
            completion_tokens=3,
            cost_usd=Decimal("0.25"),
        )
    )
    session.add(WorkerHeartbeat(worker_id="worker-1#42-ab", hostname="host-a", pid=42, jobs_done=5))
    session.commit()

    usage = (await client.get(f"/api/v1/teams/{team}/usage", headers=viewer.headers)).json()
    assert usage["by_model"] == [
        {
            "model": "scripted/echo",
            "cost_usd": 0.25,
            "prompt_tokens": 7,
            "completion_tokens": 3,
            "tokens": 10,
            "calls": 1,
        }
    ]
    assert usage["by_day"][0]["tokens"] == 10
    agents = (await client.get(f"/api/v1/teams/{team}/agents", headers=viewer.headers)).json()
    assert agents and all(a["project_id"] in (pid, "") for a in agents)
    for path in ("usage", "agents"):
        r = await client.get(f"/api/v1/teams/{team}/{path}", headers=outsider.headers)
        assert r.status_code == 404, (path, r.text)

    workers = (await client.get("/api/v1/system/workers", headers=viewer.headers)).json()
    assert [(w["worker_id"], w["jobs_done"]) for w in workers] == [("worker-1#42-ab", 5)]
    assert (await client.get("/api/v1/system/workers")).status_code == 401
    sandbox = (await client.get("/api/v1/system/sandbox", headers=viewer.headers)).json()
    assert set(sandbox) == {"isolation", "limits", "seccomp", "uid", "caps"}
