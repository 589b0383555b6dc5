"""The exporter's own encoder (``observability.otlp.encode``) writes what the SDK's encoder does:
both parse to equal ``ExportTraceServiceRequest`` messages, for the spans Berrys records and for
SDK spans (the REST app's)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from berrys_app import tracing
from berrys_app.observability import otlp


@pytest.fixture
def recorded() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    tracing.setup("test", exporter=exporter)
    try:
        yield exporter
    finally:
        tracing.shutdown()


def _finished(exporter: InMemorySpanExporter) -> tuple[ReadableSpan, ...]:
    tracing.flush()
    return exporter.get_finished_spans()


def _same(spans: tuple[ReadableSpan, ...]) -> ExportTraceServiceRequest:
    ours = ExportTraceServiceRequest.FromString(otlp.encode(spans))
    assert ours == encode_spans(spans)
    assert otlp.encode(spans) == otlp.encode(spans)  # again, from the encoder's caches
    return ours


def test_the_spans_of_a_task_encode_as_the_sdk_encodes_them(recorded: InMemorySpanExporter) -> None:
    project_id = uuid.uuid4()
    attempt = tracing.start("task l0-t0", project_id=project_id, attributes={"berrys.task.id": "t", "n": None})
    context = tracing.context_of(attempt)
    assert context is not None
    values = {"status": "error", "prompt_tokens": 3, "completion_tokens": 0, "cost_usd": 0.25, "error": "timeout"}
    context.run(tracing.record_model_call, "openai/gpt-x", start_ns=10, end_ns=20, values=values, finish_reason="stop")
    context.run(
        tracing.record,
        "execute_tool search_outputs",
        start_ns=21,
        end_ns=30,
        attributes={
            "flag": True,
            "off": False,
            "neg": -5,
            "big": 2**62,
            "ratio": 1.5,
            "list": ["a", "b"],
            "é": "ü",
            "service.namespace": "berrys",  # as the resource's: its cached encoding must keep the span's field
        },
    )
    tracing.end(attempt, attributes={"berrys.task.outcome": "completed"})
    with tracing.span("plan", project_id=project_id, attributes={"messaging.system": "arq"}):
        tracing.record("inner", start_ns=1, end_ns=2, kind=SpanKind.CLIENT, error="x" * 600)
    tracing.end_project(project_id, "W" * 300, started=datetime.now(UTC), status="failed")
    spans = _finished(recorded)
    assert len(spans) == 6
    request = _same(spans)
    (resource_spans,) = request.resource_spans
    names = [span.name for span in resource_spans.scope_spans[0].spans]
    assert "chat openai/gpt-x" in names and f"project {'W' * 192}" in names


def test_sdk_spans_with_events_and_a_local_parent_encode_alike(recorded: InMemorySpanExporter) -> None:
    provider = tracing.tracer_provider()
    assert provider is not None
    tracer = provider.get_tracer("berrys.rest", "1.0")
    with tracer.start_as_current_span("GET /api/v1/projects/{project_id}", kind=SpanKind.SERVER) as outer:
        outer.set_attribute("http.status_code", 200)
        tracing.record("approval wait plan", start_ns=5, end_ns=6)  # under the REST span
        with tracer.start_as_current_span("inner") as inner:
            inner.add_event("retry", {"attempt": 2})
    spans = _finished(recorded)
    assert len(spans) == 3
    _same(spans)  # with an event: the SDK's encoder
    _same(tuple(span for span in spans if not span.events))  # without: ours, two scopes
    by_name = {span.name: span for span in spans}
    assert by_name["approval wait plan"].parent.span_id == by_name["GET /api/v1/projects/{project_id}"].context.span_id


def test_large_batches_keep_every_span() -> None:
    exporter = InMemorySpanExporter()
    tracing.setup("test", exporter=exporter)
    try:
        project_id = uuid.uuid4()
        for index in range(300):  # more than one chunk between GIL releases
            tracing.record(f"s{index}", project_id=project_id, start_ns=index, end_ns=index + 1)
        spans = _finished(exporter)
    finally:
        tracing.shutdown()
    request = _same(spans)
    assert len(request.resource_spans[0].scope_spans[0].spans) == 300
