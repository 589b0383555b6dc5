"""A project's trace from PostgreSQL (``GET /api/v1/projects/{id}/trace``, the Trace tab's service),
and REST requests as spans at a real OTLP/HTTP receiver."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from sqlmodel import Session

from berrys_app import tracing
from berrys_app.api.app import create_api
from berrys_app.domain.accounts import Role
from berrys_app.services.authz import Actor
from berrys_app.services.errors import NotFound, ValidationFailed
from berrys_app.services.models import scripted
from berrys_app.services.trace import project_trace
from tests.api.conftest import make_person, make_team
from tests.engine.conftest import wait_for, workers  # noqa: F401  (fixture)
from tests.engine.helpers import project_row, start_project, status_is
from tests.otlp_receiver import OtlpReceiver, serve

DIAMOND = {
    "tasks": [
        {"id": "a", "title": "Research"},
        {"id": "b", "title": "Write", "depends_on": [{"task": "a", "type": "input"}]},
        {"id": "c", "title": "Code", "depends_on": ["a"]},
        {"id": "d", "title": "Review", "depends_on": ["b", "c"]},
    ]
}


def _script(name: str) -> None:
    scripted.rule(name, contains="Task: Research", step={"content": "FACT-42"})
    scripted.rule(name, contains="Task: Write", step={"content": "written slowly", "delay": 0.3})
    scripted.rule(name, contains="Task: Code", step={"content": "coded"})
    scripted.rule(name, contains="Task: Review", step={"content": "reviewed"})
    scripted.rule(name, contains="one final deliverable", step={"content": "REPORT"})


async def test_the_trace_shows_attempts_calls_and_the_critical_path(session: Session, workers, client) -> None:  # noqa: F811
    team = make_team(session)
    member = make_person(session, team_id=team, role=Role.member)
    viewer = make_person(session, team_id=team, role=Role.viewer)
    outsider = make_person(session)
    _script("traced")
    workers.start("w1")
    project_id = start_project(
        session, Actor(user_id=member.user_id, label=member.email), team, DIAMOND, model="scripted/traced"
    )
    wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=60, what="the project to end")
    assert project_row(project_id).status == "completed", workers.logs()

    answer = await client.get(f"/api/v1/projects/{project_id}/trace", headers=viewer.headers)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status"] == "completed" and body["tasks_total"] == 4 and body["pages"] == 1
    assert body["critical_path"] == ["a", "b", "d"]  # b took 0.3 s, c none: d waited for b
    assert body["traceparent"] == tracing.project_traceparent(project_id)
    spans = body["spans"]
    assert spans[0]["kind"] == "project" and spans[0]["duration_ms"] == body["total_ms"]
    tasks = {s["task_key"]: s for s in spans if s["kind"] == "task"}
    assert sorted(tasks) == ["a", "b", "c", "d"]
    assert [k for k in "abcd" if tasks[k]["critical"]] == ["a", "b", "d"]
    assert all(t["status"] == "completed" and t["queue_ms"] >= 0 for t in tasks.values())
    assert tasks["b"]["duration_ms"] >= 300
    for key, task in tasks.items():  # each attempt's model call right under it, with its usage
        index = spans.index(task)
        call = spans[index + 1]
        assert call["kind"] == "model" and call["parent_id"] == task["id"] and call["depth"] == 2, key
        assert call["tokens_in"] > 0 and call["tokens_out"] > 0 and call["name"] == "chat scripted/traced"
    assert "response: written slowly" in spans[spans.index(tasks["b"]) + 1]["detail"]
    assert "prompt: Task: Write" in spans[spans.index(tasks["b"]) + 1]["detail"]
    assert spans[spans.index(tasks["b"]) + 1]["duration_ms"] >= 300
    assert [s["name"] for s in spans if s["kind"] == "aggregate"] == ["aggregation"]
    assert body["tokens"] == sum(s["tokens_in"] + s["tokens_out"] for s in spans if s["kind"] == "model")

    page_two = (
        await client.get(f"/api/v1/projects/{project_id}/trace?per_page=3&page=2", headers=viewer.headers)
    ).json()
    assert page_two["pages"] == 2 and [s["task_key"] for s in page_two["spans"] if s["kind"] == "task"] == ["d"]
    assert body["critical_path"] == page_two["critical_path"]  # computed over every task

    refused = await client.get(f"/api/v1/projects/{project_id}/trace", headers=outsider.headers)
    assert refused.status_code == 404
    too_many = await client.get(f"/api/v1/projects/{project_id}/trace?per_page=500", headers=viewer.headers)
    assert too_many.status_code == 422 and "per_page" in too_many.text


def test_the_service_refuses_a_stranger_and_a_bad_page(session: Session) -> None:
    team = make_team(session)
    member = make_person(session, team_id=team, role=Role.member)
    actor = Actor(user_id=member.user_id, label=member.email)
    project_id = start_project(session, actor, team, DIAMOND, model="scripted/idle")
    stranger = make_person(session)
    with pytest.raises(NotFound):
        project_trace(session, Actor(user_id=stranger.user_id, label=stranger.email), project_id)
    with pytest.raises(ValidationFailed):
        project_trace(session, actor, project_id, per_page=0)
    fresh = project_trace(session, actor, project_id)
    assert fresh.status == "executing" and fresh.critical_path == [] and fresh.spans[0].kind == "project"


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    yield from serve()


async def test_a_rest_request_is_a_span_joined_to_the_callers_trace(
    env: dict[str, str], session: Session, receiver: OtlpReceiver
) -> None:
    tracing.setup("web", exporter=OTLPSpanExporter(endpoint=f"{receiver.endpoint}/v1/traces"))
    try:
        person = make_person(session)
        caller_trace = uuid.uuid4().hex
        transport = httpx.ASGITransport(app=create_api())  # built once tracing is on, as in the web process
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
            answer = await http.get(
                "/api/v1/projects",
                headers={**person.headers, "traceparent": f"00-{caller_trace}-00f067aa0ba902b7-01"},
            )
            assert answer.status_code == 200
            assert (await http.get("/api/docs")).status_code == 200  # not REST: not traced
        tracing.flush()
    finally:
        tracing.shutdown()
    (span,) = receiver.of_trace(caller_trace)
    assert span.name == "GET /api/v1/projects" and span.parent_span_id == "00f067aa0ba902b7"
    assert span.attributes["http.route"] == "/api/v1/projects"
    assert span.attributes.get("http.response.status_code", span.attributes.get("http.status_code")) == 200
    assert len(receiver.spans) == 1
