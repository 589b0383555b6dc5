"""OpenTelemetry tracing: one trace per project, exported over OTLP/HTTP when configured.

Off (no ``OTEL_EXPORTER_OTLP_ENDPOINT``): ``setup`` installs nothing, every helper returns at its
first line and the engine pays one global read per span site. On: finished spans go to the SDK's
batch processor, whose thread encodes (the SDK's OTLP exporter) and posts them to
``<endpoint>/v1/traces``.

**One trace per project without carrying a context through the queue.** Jobs carry ids only, and
a worker may run a task whose job was queued by any process (or rebuilt by the reconciler from
PostgreSQL). So the project's W3C trace context is *derived* from its id: the trace id is the
project's UUID (128 random bits), the root span id a hash of it (``project_traceparent``). Every
process builds the same remote parent from the id alone; the root span itself is written with
those ids when the project ends (``end_project``), spanning from its creation.

**Lean spans.** The SDK's ``Tracer`` checks every attribute, runs the sampler, takes locks and
builds a mutable span per call: ~25 us a span, two spans or more per task, measured as the bulk
of tracing's cost on W (bench/observability_overhead.py). The spans of the engine (attempts,
jobs, model and tool calls) carry attributes this module builds itself, so they skip it: a
``Span`` here is the ids and the start, finished into the SDK's ``ReadableSpan`` and handed to
the same batch processor and exporter the REST app's SDK spans use. Sampling is the provider's
sampler, asked once per trace (the trace is the project: ``traceidratio`` keeps whole projects).

Spans whose duration is known only at the end (model calls, tool calls, approval waits) are
recorded in one call with explicit start and end times (``record``), so the code they describe
keeps its shape.
"""

from __future__ import annotations

import contextlib
import contextvars
import functools
import hashlib
import logging
import random
import time
import uuid
from collections.abc import Iterator, Mapping
from datetime import datetime
from typing import Any

from opentelemetry import trace
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor, SpanExporter
from opentelemetry.sdk.trace.sampling import Decision
from opentelemetry.sdk.util.instrumentation import InstrumentationScope
from opentelemetry.trace import NonRecordingSpan, SpanContext, SpanKind, Status, StatusCode, TraceFlags

from berrys_app.settings import get_settings

log = logging.getLogger(__name__)

Attributes = Mapping[str, Any]

_provider: TracerProvider | None = None
_processor: BatchSpanProcessor | None = None
_resource: Resource | None = None
_SCOPE = InstrumentationScope("berrys")


class _HashedResource(Resource):
    """The process's resource with its hash computed once.

    The SDK's OTLP encoder groups every exported span by its resource, and ``Resource.__hash__``
    serialises the attributes to JSON on every call: ~9 us of the ~33 us it took to encode one
    span (the exporter thread's CPU, in the worker's process). Measured with
    ``bench/observability_overhead.py``'s hook cost: see docs/observability.md.
    """

    def __init__(self, resource: Resource) -> None:
        super().__init__(resource.attributes, resource.schema_url)
        self._hash = super().__hash__()

    def __hash__(self) -> int:
        return self._hash


_SAMPLED = TraceFlags(TraceFlags.SAMPLED)
_DROPPED = TraceFlags(TraceFlags.DEFAULT)
_UNSET = Status(StatusCode.UNSET)
# the current lean span's context (an attempt's, a job's): the parent of what is recorded inside
_CURRENT: contextvars.ContextVar[SpanContext | None] = contextvars.ContextVar("berrys_span", default=None)
# the sampler's decision per trace id (a project): asked once, not per span
_sampled: dict[int, bool] = {}


class Span:
    """A span being recorded: its context, its parent's and its start; ``end`` finishes it."""

    __slots__ = ("attributes", "context", "kind", "name", "parent", "start_ns")

    def __init__(
        self, name: str, context: SpanContext, parent: SpanContext | None, attributes: dict[str, Any], kind: SpanKind
    ) -> None:
        self.name, self.context, self.parent, self.attributes, self.kind = name, context, parent, attributes, kind
        self.start_ns = time.time_ns()


def enabled() -> bool:
    return _provider is not None


def setup(service: str, *, exporter: SpanExporter | None = None) -> bool:
    """Install the tracer provider of this process (``service``: web, worker, bench) when an OTLP
    endpoint is configured (or an exporter given); returns whether tracing is on."""
    global _provider, _processor, _resource
    if _provider is not None:
        return True
    settings = get_settings()
    if exporter is None:
        if not settings.otel_endpoint:
            return False
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import (  # deferred: protobuf, requests: only when tracing is on
            OTLPSpanExporter,
        )

        exporter = OTLPSpanExporter(endpoint=settings.otel_endpoint.rstrip("/") + "/v1/traces")
    resource = Resource.create({"service.name": settings.otel_service_name, "service.namespace": "berrys"})
    _resource = _HashedResource(resource.merge(Resource.create({"berrys.process": service})))
    _provider = TracerProvider(resource=_resource)
    _processor = BatchSpanProcessor(exporter)
    _provider.add_span_processor(_processor)
    _sampled.clear()
    log.info("tracing on: %s spans to %s", service, settings.otel_endpoint or type(exporter).__name__)
    return True


def shutdown() -> None:
    """Flush and stop (a worker's shutdown, a test's teardown); tracing is off afterwards."""
    global _provider, _processor
    if _provider is not None:
        _provider.shutdown()
    _provider = _processor = None


def flush(timeout_ms: int = 5000) -> None:
    if _provider is not None:
        _provider.force_flush(timeout_ms)


def tracer_provider() -> TracerProvider | None:
    """For instrumentations that take a provider (the REST app's)."""
    return _provider


# --- the project's trace ---------------------------------------------------------------------


@functools.lru_cache(maxsize=4096)
def _ids(project_id: uuid.UUID | str) -> tuple[int, int]:
    pid = project_id if isinstance(project_id, uuid.UUID) else uuid.UUID(str(project_id))
    span_id = int.from_bytes(hashlib.blake2b(pid.bytes, digest_size=8).digest(), "big") or 1
    return pid.int, span_id


def project_traceparent(project_id: uuid.UUID | str) -> str:
    """The W3C ``traceparent`` of a project's root span (what a caller outside may join)."""
    trace_id, span_id = _ids(project_id)
    return f"00-{trace_id:032x}-{span_id:016x}-01"


@functools.lru_cache(maxsize=4096)
def _root(project_id: uuid.UUID | str) -> SpanContext:
    """The project's root span as a remote parent (built from the id, in any process)."""
    trace_id, span_id = _ids(project_id)
    return SpanContext(trace_id, span_id, is_remote=True, trace_flags=_SAMPLED)


def end_project(project_id: uuid.UUID, name: str, *, started: datetime, status: str) -> None:
    """Write the project's root span (from its creation to now) with the derived ids."""
    if _provider is None:
        return
    trace_id, span_id = _ids(project_id)
    if not _keeps(trace_id, None, name):
        return
    context = SpanContext(trace_id, span_id, is_remote=False, trace_flags=_SAMPLED)
    attributes = {"berrys.project.id": str(project_id), "berrys.project.status": status}
    error = "project failed" if status == "failed" else None
    _finish(f"project {name}"[:200], context, None, attributes, SpanKind.INTERNAL, ns(started), time.time_ns(), error)


# --- spans -----------------------------------------------------------------------------------


def _parent(project_id: uuid.UUID | str | None) -> SpanContext | None:
    """The project's root when ``project_id`` is given, else the current span (this module's,
    else the SDK's: a REST request's), else none."""
    if project_id is not None:
        return _root(project_id)
    current = _CURRENT.get()
    if current is not None:
        return current
    context = trace.get_current_span().get_span_context()
    return context if context.is_valid else None


def _keeps(trace_id: int, parent: SpanContext | None, name: str) -> bool:
    """The provider's sampler decides once per trace (every span of a project shares one)."""
    kept = _sampled.get(trace_id)
    if kept is None:
        assert _provider is not None
        parent_context = trace.set_span_in_context(NonRecordingSpan(parent)) if parent is not None else None
        decision = _provider.sampler.should_sample(parent_context, trace_id, name).decision
        kept = decision == Decision.RECORD_AND_SAMPLE
        if len(_sampled) > 10_000:
            _sampled.clear()
        _sampled[trace_id] = kept
    return kept


def _open(name: str, parent: SpanContext | None, attributes: Attributes | None, kind: SpanKind) -> Span:
    """A span under ``parent``; one the sampler drops is still made (not sampled, never
    exported), so that what is recorded inside it joins its trace and is dropped too."""
    trace_id = parent.trace_id if parent is not None else random.getrandbits(128)
    flags = _SAMPLED if _keeps(trace_id, parent, name) else _DROPPED
    context = SpanContext(trace_id, random.getrandbits(64), is_remote=False, trace_flags=flags)
    return Span(name, context, parent, _clean(attributes) if flags else {}, kind)


def _finish(
    name: str,
    context: SpanContext,
    parent: SpanContext | None,
    attributes: dict[str, Any],
    kind: SpanKind,
    start_ns: int,
    end_ns: int,
    error: str | None,
) -> None:
    processor = _processor
    if processor is None or not context.trace_flags:  # off, or not sampled
        return
    status = Status(StatusCode.ERROR, error[:500]) if error else _UNSET
    processor.on_end(
        ReadableSpan(
            name,
            context,
            parent,
            _resource,
            attributes,
            kind=kind,
            status=status,
            start_time=start_ns,
            end_time=end_ns,
            instrumentation_scope=_SCOPE,
        )
    )


@contextlib.contextmanager
def span(
    name: str, *, project_id: uuid.UUID | str | None = None, attributes: Attributes | None = None
) -> Iterator[Span | None]:
    """A span around a block, current inside it; under the project's root when ``project_id``
    is given, else under the current span. Yields None when tracing is off."""
    if _provider is None:
        yield None
        return
    current = _open(name, _parent(project_id), attributes, SpanKind.INTERNAL)
    token = _CURRENT.set(current.context)
    error = None
    try:
        yield current
    except BaseException as exc:
        error = f"{type(exc).__name__}: {exc}"
        raise
    finally:
        _CURRENT.reset(token)
        end(current, error=error)


def start(name: str, *, project_id: uuid.UUID | str, attributes: Attributes | None = None) -> Span | None:
    """A span under the project's root, ended later by ``end`` (a task attempt); None when off."""
    if _provider is None:
        return None
    return _open(name, _root(project_id), attributes, SpanKind.INTERNAL)


def context_of(current: Span | None) -> contextvars.Context | None:
    """A copy of the current context with ``current`` as the active span: the context of an
    asyncio task started for it (``loop.create_task(..., context=...)``); None when off."""
    if current is None:
        return None
    ctx = contextvars.copy_context()
    ctx.run(_CURRENT.set, current.context)
    return ctx


def end(current: Span | None, *, error: str | None = None, attributes: Attributes | None = None) -> None:
    if current is None:
        return
    if attributes and current.context.trace_flags:
        current.attributes.update(_clean(attributes))
    _finish(current.name, current.context, current.parent, current.attributes, current.kind, current.start_ns,
            time.time_ns(), error)  # fmt: skip


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
    if _provider is None:
        return
    parent = _parent(project_id)
    trace_id = parent.trace_id if parent is not None else random.getrandbits(128)
    if _keeps(trace_id, parent, name):
        context = SpanContext(trace_id, random.getrandbits(64), is_remote=False, trace_flags=_SAMPLED)
        _finish(name, context, parent, _clean(attributes), kind, start_ns, end_ns, error)


def record_model_call(
    model: str, *, start_ns: int, end_ns: int, values: Mapping[str, Any], finish_reason: str | None = None
) -> None:
    """One provider call, with the OpenTelemetry GenAI semantic conventions' attributes."""
    if _provider is None:
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
            "gen_ai.response.finish_reasons": (finish_reason,) if finish_reason else None,
            "berrys.cost_usd": float(values.get("cost_usd") or 0),
            "berrys.call.status": values.get("status"),
            "error.type": values.get("error"),
        },
        error=values.get("error"),  # the reason code: provider messages stay out of the exported trace
    )


def current_trace_id() -> str | None:
    """The current span's trace id as 32 hex digits (for log lines), or None outside a trace."""
    context = _CURRENT.get() or trace.get_current_span().get_span_context()
    return f"{context.trace_id:032x}" if context.is_valid else None


def _clean(attributes: Attributes | None) -> dict[str, Any]:
    """Without the None values (OpenTelemetry has no null attribute); a new dict, owned by the span."""
    if not attributes:
        return {}
    return {key: value for key, value in attributes.items() if value is not None}


def ns(moment: datetime) -> int:
    """A timestamp as OpenTelemetry takes it (nanoseconds since the epoch)."""
    return int(moment.timestamp() * 1_000_000_000)
