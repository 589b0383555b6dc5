"""Tracing: a project run on real worker processes produces one trace at a real OTLP/HTTP receiver,
with the span tree project -> planning / task attempts -> model and tool calls."""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from sqlmodel import Session

from berrys_app import tracing
from berrys_app.domain.projects import ProjectCreate
from berrys_app.services import projects
from berrys_app.services.models import scripted
from berrys_app.usecases import project_lifecycle
from tests.engine.conftest import wait_for
from tests.engine.helpers import project_row, status_is
from tests.otlp_receiver import OtlpReceiver, ReceivedSpan, serve

PLAN = {
    "summary": "two steps",
    "tasks": [
        {
            "id": "look",
            "title": "Look things up",
            "description": "",
            "capabilities": ["code"],
            "expected_output": "notes",
            "estimated_minutes": 5,
            "priority": 1,
            "depends_on": [],
        },
        {
            "id": "write",
            "title": "Write it down",
            "description": "",
            "capabilities": ["writing"],
            "expected_output": "text",
            "estimated_minutes": 5,
            "priority": 0,
            "depends_on": [{"task": "look", "type": "input"}],
        },
    ],
}


@pytest.fixture
def receiver() -> Iterator[OtlpReceiver]:
    yield from serve()


@pytest.fixture
def traced(receiver: OtlpReceiver) -> Iterator[OtlpReceiver]:
    """Tracing on in this process too (the plan approval is decided here), to the same receiver."""
    tracing.setup("test", exporter=OTLPSpanExporter(endpoint=f"{receiver.endpoint}/v1/traces"))
    try:
        yield receiver
    finally:
        tracing.shutdown()


def _one(spans: list[ReceivedSpan], name: str) -> ReceivedSpan:
    found = [span for span in spans if span.name == name]
    assert len(found) == 1, (name, sorted(span.name for span in spans))
    return found[0]


def _children(spans: list[ReceivedSpan], parent: ReceivedSpan) -> list[ReceivedSpan]:
    return [span for span in spans if span.parent_span_id == parent.span_id]


def test_a_project_run_is_one_trace_with_its_span_tree(session: Session, team, workers, traced) -> None:
    receiver = traced
    scripted.push("tr-planner", {"content": json.dumps(PLAN)})
    # rules match in order: the look task's second call carries its tool call (and its marker)
    scripted.rule("tr-planner", contains="zq-marker", step={"content": "looked"})
    scripted.rule(
        "tr-planner",
        contains="Task: Look things up",
        step={"tool_calls": [{"name": "search_outputs", "arguments": {"query": "zq-marker"}}]},
    )
    scripted.rule("tr-planner", contains="Task: Write it down", step={"content": "written"})
    scripted.rule("tr-planner", contains="one final deliverable", step={"content": "REPORT"})
    workers.env.update(OTEL_EXPORTER_OTLP_ENDPOINT=receiver.endpoint, OTEL_BSP_SCHEDULE_DELAY="100")
    workers.start("w1")
    workers.start("w2")

    project = projects.create_project(
        session, team.member, team_id=team.team_id, data=ProjectCreate(name="Traced", model="scripted/tr-planner")
    )
    project_lifecycle.request_plan(session, team.member, project.id)
    session.commit()  # the caller owns the transaction
    wait_for(lambda: status_is(project.id, "plan_review", "failed"), timeout=60, what="a plan")
    project_lifecycle.approve_plan(session, team.member, project.id)
    project_lifecycle.execute_project(session, team.member, project.id)
    session.commit()
    wait_for(lambda: status_is(project.id, "completed", "failed"), timeout=60, what="the project to end")
    assert project_row(project.id).status == "completed", workers.logs()

    trace_id = project.id.hex  # the project's trace id is its uuid (tracing.project_traceparent)
    wait_for(
        lambda: any(s.name.startswith("project ") for s in receiver.of_trace(trace_id)),
        timeout=20,
        what="the project's root span at the receiver",
    )
    workers.stop_all()  # each worker flushes its last spans as it stops
    tracing.flush()
    spans = receiver.of_trace(trace_id)

    root = _one(spans, "project Traced")
    assert root.parent_span_id == "" and f"-{root.span_id}-" in tracing.project_traceparent(project.id)
    assert root.attributes["berrys.project.status"] == "completed"
    ids = {span.span_id for span in spans}
    assert all(span.parent_span_id in ids for span in spans if span is not root), "a span outside the tree"

    plan = _one(spans, "plan")
    assert plan.parent_span_id == root.span_id and plan.service == "worker"
    assert plan.attributes["messaging.system"] == "arq"
    (planner_call,) = _children(spans, plan)
    assert planner_call.name == "chat scripted/tr-planner"
    assert planner_call.attributes["gen_ai.request.model"] == "scripted/tr-planner"
    assert planner_call.attributes["gen_ai.usage.input_tokens"] > 0
    assert planner_call.attributes["gen_ai.usage.output_tokens"] > 0
    assert "berrys.cost_usd" in planner_call.attributes

    approval = _one(spans, "approval wait plan")
    assert approval.parent_span_id == root.span_id and approval.service == "test"

    look, write = _one(spans, "task look"), _one(spans, "task write")
    for task in (look, write):
        assert task.parent_span_id == root.span_id
        assert task.attributes["berrys.task.outcome"] == "completed" and task.attributes["berrys.task.attempt"] == 1
        assert root.start_ns <= task.start_ns <= task.end_ns <= root.end_ns
    look_children = sorted(_children(spans, look), key=lambda span: span.start_ns)
    assert [span.name for span in look_children] == [
        "chat scripted/tr-planner",
        "execute_tool search_outputs",
        "chat scripted/tr-planner",
    ]
    tool = look_children[1]
    assert tool.attributes["gen_ai.tool.name"] == "search_outputs" and not tool.error
    assert look_children[0].attributes["gen_ai.response.finish_reasons"] == ["tool_calls"]
    (write_call,) = _children(spans, write)
    assert write_call.name == "chat scripted/tr-planner"
    assert look_children[-1].end_ns <= write_call.start_ns  # write's call waited for look's answer

    aggregate = _one(spans, "aggregate")
    assert aggregate.parent_span_id == root.span_id
    assert [span.name for span in _children(spans, aggregate)] == ["chat scripted/tr-planner"]
    assert len({span.trace_id for span in spans}) == 1


def test_tracing_is_off_without_an_endpoint(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("OTEL_EXPORTER_OTLP_ENDPOINT", raising=False)
    tracing.get_settings.cache_clear()
    try:
        assert tracing.setup("test") is False and not tracing.enabled()
        with tracing.span("nothing", project_id=uuid.uuid4()) as span:
            assert span is None
        assert tracing.start("task x", project_id=uuid.uuid4()) is None and tracing.current_trace_id() is None
    finally:
        tracing.get_settings.cache_clear()


def test_project_traceparent_is_derived_from_the_project_id() -> None:
    project_id = uuid.UUID("0af76519-16cd-43dd-8448-eb211c80319c")
    version, trace_id, span_id, flags = tracing.project_traceparent(project_id).split("-")
    assert (version, trace_id, flags) == ("00", project_id.hex, "01")
    assert len(span_id) == 16 and int(span_id, 16) != 0
    assert tracing.project_traceparent(str(project_id)) == tracing.project_traceparent(project_id)


def test_a_ratio_sampler_keeps_or_drops_whole_projects(monkeypatch: pytest.MonkeyPatch) -> None:
    """The trace id is the project id, so ``OTEL_TRACES_SAMPLER=traceidratio`` samples projects, not spans."""
    from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

    monkeypatch.setenv("OTEL_TRACES_SAMPLER", "traceidratio")
    monkeypatch.setenv("OTEL_TRACES_SAMPLER_ARG", "0.5")
    kept, dropped = uuid.UUID(int=(7 << 64)), uuid.UUID(int=(7 << 64) | (2**64 - 1))  # low 64 bits decide
    exporter = InMemorySpanExporter()
    tracing.setup("test", exporter=exporter)
    try:
        for project_id in (kept, dropped):
            attempt = tracing.start("task a", project_id=project_id)
            inside = tracing.context_of(attempt)  # the attempt's agent loop: its calls join its trace
            assert inside is not None
            inside.run(tracing.record_model_call, "scripted/x", start_ns=1, end_ns=2, values={"prompt_tokens": 1})
            with tracing.span("plan", project_id=project_id):
                tracing.record_model_call("scripted/x", start_ns=1, end_ns=2, values={"prompt_tokens": 1})
            tracing.end(attempt)
            tracing.end_project(project_id, "p", started=datetime.now(UTC), status="completed")
        tracing.flush()
    finally:
        tracing.shutdown()
    traces = {span.context.trace_id for span in exporter.get_finished_spans()}
    assert traces == {kept.int} and len(exporter.get_finished_spans()) == 5
