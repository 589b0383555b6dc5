"""The metrics the processes record as they work, and the one-line hooks that record them.

The hot path (a task's end, a model or tool call, an HTTP request) only increments counters and
observes histograms: children per label set are bound once and kept (``_children``), nothing
here reads the database or Redis. What is a *state* rather than an event -- queue depth,
approvals waiting, pool use, live subscribers -- is read when Prometheus scrapes (``scrape``).

Label values are bounded: task outcomes and HTTP route *templates* are fixed sets, model names
come from the catalogue, tool names from the registry (an unknown tool is ``unknown``).
``BERRYS_METRICS=false`` turns every hook into a no-op (the bench compares both).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from prometheus_client import Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.metrics import MetricWrapperBase

from berrys_app.settings import get_settings

disable_created_metrics()  # no ``*_created`` series: Prometheus tracks counter resets itself
_SECONDS_TASK = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600)
_SECONDS_MODEL = (0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120)
_SECONDS_HTTP = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10)

TASKS = Counter("berrys_tasks", "Task runs that ended on this worker, by outcome", ["outcome"])
TASK_SECONDS = Histogram(
    "berrys_task_duration_seconds",
    "Wall time of a task run on a worker, by outcome",
    ["outcome"],
    buckets=_SECONDS_TASK,
)
MODEL_CALLS = Counter("berrys_model_calls", "Provider calls, by model and status (ok/error)", ["model", "status"])
MODEL_ERRORS = Counter(
    "berrys_model_errors", "Model calls that failed or were refused, by model and reason", ["model", "reason"]
)
MODEL_TOKENS = Counter("berrys_model_tokens", "Tokens billed, by model and kind (prompt/completion)", ["model", "kind"])
MODEL_COST = Counter("berrys_model_cost_usd", "Cost of model calls in US dollars, by model", ["model"])
MODEL_SECONDS = Histogram(
    "berrys_model_latency_seconds", "Latency of provider calls, by model", ["model"], buckets=_SECONDS_MODEL
)
TOOL_CALLS = Counter("berrys_tool_calls", "Tool calls, by tool and outcome (ok or the error code)", ["tool", "outcome"])
TOOL_SECONDS = Histogram("berrys_tool_duration_seconds", "Duration of tool calls, by tool", ["tool"])
HTTP_REQUESTS = Counter(
    "berrys_http_requests", "REST requests, by method, route template and status", ["method", "route", "status"]
)
HTTP_SECONDS = Histogram(
    "berrys_http_request_duration_seconds",
    "REST request latency, by method and route template",
    ["method", "route"],
    buckets=_SECONDS_HTTP,
)
LIVE_SUBSCRIBERS = Gauge("berrys_live_subscribers", "Browser tabs subscribed to live updates in this web process")

_children: dict[tuple[Any, ...], Any] = {}


def _child(metric: MetricWrapperBase, *labels: str) -> Any:
    """``metric.labels(*labels)``, bound once per label set (``labels()`` takes a lock and
    validates every call)."""
    key = (metric, *labels)
    found = _children.get(key)
    if found is None:
        found = _children[key] = metric.labels(*labels)
    return found


def _on() -> bool:
    return get_settings().metrics_enabled


def task_finished(outcome: str, seconds: float) -> None:
    """A worker's run of a task ended (``runner.Outcome.label``)."""
    if _on():
        _child(TASKS, outcome).inc()
        _child(TASK_SECONDS, outcome).observe(seconds)


def model_call(model: str, values: Mapping[str, Any]) -> None:
    """A provider call ended; ``values`` are the ``model_calls`` row's outcome columns."""
    if not _on():
        return
    status = values.get("status") or "ok"
    _child(MODEL_CALLS, model, status).inc()
    _child(MODEL_SECONDS, model).observe(float(values.get("latency_ms") or 0.0) / 1000)
    if values.get("error"):
        _child(MODEL_ERRORS, model, str(values["error"])).inc()
    # added even when zero: a model's series exist from its first call (a free local model shows 0 USD)
    _child(MODEL_TOKENS, model, "prompt").inc(values.get("prompt_tokens") or 0)
    _child(MODEL_TOKENS, model, "completion").inc(values.get("completion_tokens") or 0)
    _child(MODEL_COST, model).inc(float(values.get("cost_usd") or Decimal(0)))


def model_refused(model: str, reason: str) -> None:
    """A call refused before reaching the provider (budget, context overflow, missing key)."""
    if _on():
        _child(MODEL_ERRORS, model, reason).inc()


def tool_call(tool: str, outcome: str, seconds: float) -> None:
    """A tool call ended (``outcome``: ``ok`` or its error code)."""
    if _on():
        _child(TOOL_CALLS, tool, outcome).inc()
        _child(TOOL_SECONDS, tool).observe(seconds)


def http_request(method: str, route: str, status: int, seconds: float) -> None:
    """A REST request was answered (``route``: the matched template, never the raw path)."""
    if _on():
        _child(HTTP_REQUESTS, method, route, str(status)).inc()
        _child(HTTP_SECONDS, method, route).observe(seconds)


def live_subscribers_from(count: Callable[[], int]) -> None:
    """The web process's live module tells how to count its subscribed tabs (read on scrape)."""
    LIVE_SUBSCRIBERS.set_function(lambda: float(count()))
