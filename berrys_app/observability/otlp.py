"""The OTLP/HTTP span exporter, with an encoder written for what Berrys' spans hold.

The SDK's exporter builds a protobuf message object per span, per attribute and per value before
serialising them: ~35 us a span, in the batch processor's thread, which holds the GIL the
worker's event loop needs (measured: the largest part of tracing's cost on W). ``encode`` writes
the same ``ExportTraceServiceRequest`` bytes directly (protobuf's wire format: tags, varints,
length-delimited fields) in a few microseconds a span, and yields the GIL between chunks of spans.
tests/engine/test_otlp_encoding.py checks that both encodings parse to equal messages. Spans with
events or links (the REST app's SDK spans may carry exception events) take the SDK's encoder.

Sending stays the SDK's (``OTLPSpanExporter``: endpoint, ``OTEL_EXPORTER_OTLP_HEADERS``,
compression, TLS, retries, timeouts), which this module imports: ``tracing.setup`` loads it only
when tracing is on.
"""

from __future__ import annotations

import struct
import time
from collections import defaultdict
from collections.abc import Mapping, Sequence
from typing import Any

from opentelemetry.exporter.otlp.proto.common.trace_encoder import encode_spans
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.sdk.trace import ReadableSpan
from opentelemetry.sdk.trace.export import SpanExportResult
from opentelemetry.trace import SpanKind

_DOUBLE = struct.Struct("<d").pack
_FIXED64 = struct.Struct("<Q").pack
_FIXED32 = struct.Struct("<I").pack
_KINDS = {kind: b"\x30" + bytes((kind.value + 1,)) for kind in SpanKind}  # the SDK's INTERNAL is 0, OTLP's 1
_CHUNK = 128  # spans encoded between two GIL releases (~1 ms)


_SMALL = [bytes((n,)) for n in range(128)]


def _varint(value: int) -> bytes:
    if value < 0x80:
        return _SMALL[value]
    out = bytearray()
    while value >= 0x80:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def _field(tag: bytes, payload: bytes) -> bytes:
    """A length-delimited field (string, bytes, sub-message)."""
    size = len(payload)
    return tag + (_SMALL[size] if size < 0x80 else _varint(size)) + payload


def _any_value(value: Any) -> bytes:
    """An ``AnyValue`` (opentelemetry/proto/common/v1/common.proto), as the SDK's encoder maps types."""
    if isinstance(value, bool):
        return b"\x10\x01" if value else b"\x10\x00"
    if isinstance(value, str):
        return _field(b"\x0a", value.encode())
    if isinstance(value, int):
        return b"\x18" + _varint(value & 0xFFFFFFFFFFFFFFFF)  # int64: two's complement
    if isinstance(value, float):
        return b"\x21" + _DOUBLE(value)
    if isinstance(value, bytes):
        return _field(b"\x3a", value)
    if isinstance(value, Sequence):
        return _field(b"\x2a", b"".join(_field(b"\x0a", _any_value(item)) for item in value))
    if isinstance(value, Mapping):
        return _field(b"\x32", b"".join(_field(b"\x0a", _key_value(str(k), v)) for k, v in value.items()))
    return _field(b"\x0a", str(value).encode())


# each attribute name's encoded ``key`` field, and each (field, name, text) attribute already
# encoded whole: names are the code's and most texts repeat (model, provider, status, outcome).
# Bounded: a text cache that fills up is emptied.
_NAMES: dict[str, bytes] = {}
_TEXTS: dict[tuple[bytes, str, str], bytes] = {}


def _key_value(key: str, value: Any) -> bytes:
    name = _NAMES.get(key)
    if name is None:
        name = _field(b"\x0a", key.encode())
        if len(_NAMES) < 4096:
            _NAMES[key] = name
    return name + _field(b"\x12", _any_value(value))


def _attributes(tag: bytes, attributes: Mapping[str, Any] | None) -> bytes:
    if not attributes:
        return b""
    out = []
    for key, value in attributes.items():
        if type(value) is str:
            encoded = _TEXTS.get((tag, key, value))
            if encoded is None:
                if len(_TEXTS) >= 4096:
                    _TEXTS.clear()
                encoded = _TEXTS[tag, key, value] = _field(tag, _key_value(key, value))
            out.append(encoded)
        else:
            out.append(_field(tag, _key_value(key, value)))
    return b"".join(out)


def _span(span: ReadableSpan) -> bytes:
    """One ``Span`` (opentelemetry/proto/trace/v1/trace.proto), fields in number order."""
    context = span.context
    parent = span.parent
    out = [b"\x0a\x10", context.trace_id.to_bytes(16, "big"), b"\x12\x08", context.span_id.to_bytes(8, "big")]
    if context.trace_state:
        out.append(_field(b"\x1a", ",".join(f"{k}={v}" for k, v in context.trace_state.items()).encode()))
    if parent is not None:
        out += (b"\x22\x08", parent.span_id.to_bytes(8, "big"))
    out.append(_field(b"\x2a", span.name.encode()))
    out.append(_KINDS[span.kind])
    if span.start_time:
        out += (b"\x39", _FIXED64(span.start_time))
    if span.end_time:
        out += (b"\x41", _FIXED64(span.end_time))
    out.append(_attributes(b"\x4a", span.attributes))
    if span.dropped_attributes:
        out += (b"\x50", _varint(span.dropped_attributes))
    status = span.status
    message = _field(b"\x12", status.description.encode()) if status.description else b""
    code = b"\x18" + _varint(status.status_code.value) if status.status_code.value else b""
    out.append(_field(b"\x7a", message + code))
    flags = 0x100 | (0x200 if parent is not None and parent.is_remote else 0)  # SPAN_FLAGS_CONTEXT_*
    out += (b"\x85\x01", _FIXED32(flags))
    return b"".join(out)


def encode(spans: Sequence[ReadableSpan]) -> bytes:
    """The ``ExportTraceServiceRequest`` of ``spans``: one ``ResourceSpans`` per resource, one
    ``ScopeSpans`` per instrumentation scope, as the SDK's encoder groups them."""
    if any(span.events or span.links for span in spans):
        return encode_spans(spans).SerializePartialToString()
    # grouped by identity: a Resource hashes by dumping its attributes to JSON, per call
    groups: defaultdict[int, defaultdict[int, list[bytes]]] = defaultdict(lambda: defaultdict(list))
    objects: dict[int, Any] = {}
    for index, span in enumerate(spans):
        if index and not index % _CHUNK:
            time.sleep(0)  # lets a waiting event loop thread take the GIL now, not at the 5 ms switch
        resource, scope = span.resource, span.instrumentation_scope
        objects[id(resource)], objects[id(scope)] = resource, scope
        groups[id(resource)][id(scope)].append(_field(b"\x12", _span(span)))
    out = []
    for resource_id, scopes in groups.items():
        resource = objects[resource_id]
        body = [_field(b"\x0a", _attributes(b"\x0a", resource.attributes))]
        for scope_id, encoded in scopes.items():
            scope = objects[scope_id]
            scope_msg = b""
            if scope is not None:
                scope_msg = _field(b"\x0a", scope.name.encode()) if scope.name else b""
                scope_msg += _field(b"\x12", scope.version.encode()) if scope.version else b""
                scope_msg += _attributes(b"\x1a", scope.attributes)
            schema = _field(b"\x1a", scope.schema_url.encode()) if scope is not None and scope.schema_url else b""
            body.append(_field(b"\x12", _field(b"\x0a", scope_msg) + b"".join(encoded) + schema))
        if resource.schema_url:
            body.append(_field(b"\x1a", resource.schema_url.encode()))
        out.append(_field(b"\x0a", b"".join(body)))
    return b"".join(out)


class Exporter(OTLPSpanExporter):
    """The SDK's OTLP/HTTP exporter with ``encode`` in place of its per-message encoder."""

    def export(self, spans: Sequence[ReadableSpan]) -> SpanExportResult:
        if self._shutdown:
            return SpanExportResult.FAILURE
        result = self._client.export(encode(spans))  # the SDK's sender (1.45): retries, headers, TLS
        return SpanExportResult.SUCCESS if result.success else SpanExportResult.FAILURE
