"""OpenTelemetry tracing: one trace per project, exported over OTLP/HTTP when configured.

Off (no ``OTEL_EXPORTER_OTLP_ENDPOINT``): ``setup`` installs nothing, every helper returns at its
first line and the engine pays one attribute read per span site. On: spans go to a batch
processor (a background thread) that posts them to ``<endpoint>/v1/traces``.

**One trace per project without carrying a context through the queue.** Jobs carry ids only, and
a worker may run a task whose job was queued by any process (or rebuilt by the reconciler from
PostgreSQL). So the project's W3C trace context is *derived* from its id: the trace id is the
project's UUID (128 random bits), the root span id a hash of it (``project_traceparent``). Every
process builds the same remote parent from the id alone; the root span itself is written with
those ids when the project ends (``end_project``), spanning from its creation.

Spans whose duration is known only at the end (model calls, tool calls, approval waits) are
recorded in one call with explicit start and end times (``record``), so the code they describe
keeps its shape.
"""

from __future__ import annotations

import contextlib
import contextvars
import hashlib
import logging
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from opentelemetry import context as otel_context
from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.id_generator import RandomIdGenerator
from opentelemetry.trace import NonRecordingSpan, Span, SpanContext, SpanKind, Status, StatusCode, TraceFlags

from berrys_app.settings import get_settings

log = logging.getLogger(__name__)

Attributes = Mapping[str, Any]

_provider: TracerProvider | None = None
_tracer: trace.Tracer | None = None
# (trace id, span id) the next span must take: the project root, written with its derived ids
_FORCED_IDS: contextvars.ContextVar[tuple[int, int] | None] = contextvars.ContextVar("berrys_forced_ids", default=None)


class _ProjectIds(RandomIdGenerator):
    """Random ids, except for a project's root span (``end_project``)."""

    def generate_span_id(self) -> int:
        forced = _FORCED_IDS.get()
        return forced[1] if forced else super().generate_span_id()

    def generate_trace_id(self) -> int:
        forced = _FORCED_IDS.get()
        return forced[0] if forced else super().generate_trace_id()


def enabled() -> bool:
    return _tracer is not None


def setup(service: str, *, exporter: SpanExporter | None = None) -> bool:
    """Install the tracer provider of this process (``service``: web, worker, bench) when an OTLP
    endpoint is configured (or an exporter given); returns whether tracing is on."""
    global _provider, _tracer
    if _tracer is not None:
        return True
    settings = get_settings()
    if exporter is None:
        if not settings.otel_endpoint:
            return False
        # deferred: the exporter pulls in protobuf and requests; a process without tracing never loads them
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        exporter = OTLPSpanExporter(endpoint=settings.otel_endpoint.rstrip("/") + "/v1/traces")
    resource = Resource.create({"service.name": settings.otel_service_name, "service.namespace": "berrys"})
    resource = resource.merge(Resource.create({"berrys.process": service}))
    _provider = TracerProvider(resource=resource, id_generator=_ProjectIds())
    _provider.add_span_processor(BatchSpanProcessor(exporter))
    _tracer = _provider.get_tracer("berrys")
    log.info("tracing on: %s spans to %s", service, settings.otel_endpoint or type(exporter).__name__)
    return True


def shutdown() -> None:
    """Flush and stop (a worker's shutdown, a test's teardown); tracing is off afterwards."""
    global _provider, _tracer
    if _provider is not None:
        _provider.shutdown()
    _provider = _tracer = None


def flush(timeout_ms: int = 5000) -> None:
    if _provider is not None:
        _provider.force_flush(timeout_ms)


def tracer_provider() -> TracerProvider | None:
    """For instrumentations that take a provider (the REST app's)."""
    return _provider


# --- the project's trace ---------------------------------------------------------------------


def _ids(project_id: uuid.UUID | str) -> tuple[int, int]:
    pid = project_id if isinstance(project_id, uuid.UUID) else uuid.UUID(str(project_id))
    span_id = int.from_bytes(hashlib.blake2b(pid.bytes, digest_size=8).digest(), "big") or 1
    return pid.int, span_id


def project_traceparent(project_id: uuid.UUID | str) -> str:
    """The W3C ``traceparent`` of a project's root span (what a caller outside may join)."""
    trace_id, span_id = _ids(project_id)
    return f"00-{trace_id:032x}-{span_id:016x}-01"


def project_context(project_id: uuid.UUID | str) -> otel_context.Context:
    """A context whose parent is the project's root span (built from the id, in any process)."""
    trace_id, span_id = _ids(project_id)
    parent = SpanContext(trace_id, span_id, is_remote=True, trace_flags=TraceFlags(TraceFlags.SAMPLED))
    return trace.set_span_in_context(NonRecordingSpan(parent))


def end_project(project_id: uuid.UUID, name: str, *, started: datetime, status: str) -> None:
    """Write the project's root span (from its creation to now) with the derived ids."""
    if _tracer is None:
        return
    token = _FORCED_IDS.set(_ids(project_id))
    try:
        span = _tracer.start_span(
            f"project {name}"[:200],
            context=otel_context.Context(),
            start_time=ns(started),
            attributes={"berrys.project.id": str(project_id), "berrys.project.status": status},
        )
    finally:
        _FORCED_IDS.reset(token)
    if status == "failed":
        span.set_status(Status(StatusCode.ERROR, "project failed"))
    span.end()


# --- spans -----------------------------------------------------------------------------------


@contextlib.contextmanager
def span(
    name: str, *, project_id: uuid.UUID | str | None = None, attributes: Attributes | None = None
) -> Iterator[Span | None]:
    """A span around a block, current inside it; under the project's root when ``project_id``
    is given, else under the current span. Yields None when tracing is off."""
    if _tracer is None:
        yield None
        return
    parent = project_context(project_id) if project_id is not None else None
    with _tracer.start_as_current_span(name, context=parent, attributes=_clean(attributes)) as current:
        yield current


def start(name: str, *, project_id: uuid.UUID | str, attributes: Attributes | None = None) -> Span | None:
    """A span under the project's root, ended later by ``end`` (a task attempt)."""
    if _tracer is None:
        return None
    return _tracer.start_span(name, context=project_context(project_id), attributes=_clean(attributes))


def context_of(current: Span | None) -> contextvars.Context | None:
    """A copy of the current context with ``current`` as the active span: the context of an
    asyncio task started for it (``loop.create_task(..., context=...)``); None when off."""
    if current is None:
        return None
    ctx = contextvars.copy_context()
    ctx.run(otel_context.attach, trace.set_span_in_context(current))
    return ctx


def end(current: Span | None, *, error: str | None = None, attributes: Attributes | None = None) -> None:
    if current is None:
        return
    if attributes:
        current.set_attributes(_clean(attributes))
    if error:
        current.set_status(Status(StatusCode.ERROR, error[:500]))
    current.end()


def record(
    name: str,
    *,
    start_ns: int,
    end_ns: int,
    project_id: uuid.UUID | str | None = None,
    attributes: Attributes | None = None,
    error: str | None = None,
    kind: SpanKind = SpanKind.INTERNAL,
) -> None:
    """A finished span with known times, under the current span (or the project's root)."""
    if _tracer is None:
        return
    parent = project_context(project_id) if project_id is not None else None
    recorded = _tracer.start_span(name, context=parent, kind=kind, start_time=start_ns, attributes=_clean(attributes))
    if error:
        recorded.set_status(Status(StatusCode.ERROR, error[:500]))
    recorded.end(end_time=end_ns)


def record_model_call(
    model: str, *, start_ns: int, end_ns: int, values: Mapping[str, Any], finish_reason: str | None = None
) -> None:
    """One provider call, with the OpenTelemetry GenAI semantic conventions' attributes."""
    if _tracer is None:
        return
    provider, _, _ = model.partition("/")
    record(
        f"chat {model}"[:200],
        start_ns=start_ns,
        end_ns=end_ns,
        kind=SpanKind.CLIENT,
        attributes={
            "gen_ai.operation.name": "chat",
            "gen_ai.provider.name": provider,
            "gen_ai.request.model": model,
            "gen_ai.usage.input_tokens": int(values.get("prompt_tokens") or 0),
            "gen_ai.usage.output_tokens": int(values.get("completion_tokens") or 0),
            "gen_ai.response.finish_reasons": [finish_reason] if finish_reason else None,
            "berrys.cost_usd": float(values.get("cost_usd") or 0),
            "berrys.call.status": values.get("status"),
            "error.type": values.get("error"),
        },
        error=values.get("error"),  # the reason code: provider messages stay out of the exported trace
    )


def current_trace_id() -> str | None:
    """The current span's trace id as 32 hex digits (for log lines), or None outside a trace."""
    context = trace.get_current_span().get_span_context()
    return f"{context.trace_id:032x}" if context.is_valid else None


def _clean(attributes: Attributes | None) -> dict[str, Any] | None:
    """OpenTelemetry refuses None values (with a warning per attribute): leave them out."""
    if not attributes:
        return None
    return {key: value for key, value in attributes.items() if value is not None}


def ns(moment: datetime) -> int:
    """A timestamp as OpenTelemetry takes it (nanoseconds since the epoch)."""
    return int(moment.timestamp() * 1_000_000_000)
