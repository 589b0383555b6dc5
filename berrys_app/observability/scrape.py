"""What Prometheus reads: the state gauges computed at scrape time, the exposition (web route and
worker endpoint) and its optional bearer token.

The state gauges cost one Redis pipeline and one indexed SQL query per scrape (every 15-60 s),
never anything per task. A scrape whose database or Redis is down still answers: the gauges it
could not read are left out and ``berrys_scrape_errors`` says which source failed.
"""

from __future__ import annotations

import hmac
import logging
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, make_server

from prometheus_client import REGISTRY, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.exposition import CONTENT_TYPE_LATEST, ThreadingWSGIServer
from prometheus_client.registry import Collector
from sqlalchemy import text

from berrys_app import db
from berrys_app.redis_client import sync_redis
from berrys_app.settings import get_settings

log = logging.getLogger(__name__)

_APPROVALS_SQL = text(
    "SELECT kind, count(*) AS n, extract(epoch FROM now() - min(created_at)) AS oldest_s "
    "FROM approvals WHERE status = 'pending' GROUP BY kind"
)


class StateCollector(Collector):
    """Queue depth and age, approvals waiting, database pool use: read when scraped."""

    def __init__(self) -> None:
        self.errors: dict[str, int] = {"redis": 0, "database": 0}

    def describe(self) -> list[Metric]:
        """Nothing to describe in advance: registering must not query the stores."""
        return []

    def collect(self) -> Iterator[Metric]:
        yield from self._guarded("redis", self._queue)
        yield from self._guarded("database", self._approvals)
        yield from self._pools()
        errors = CounterMetricFamily("berrys_scrape_errors", "State sources a scrape could not read", labels=["source"])
        for source, count in self.errors.items():
            errors.add_metric([source], count)
        yield errors

    def _guarded(self, source: str, read: Callable[[], Iterator[Metric]]) -> list[Metric]:
        try:
            return list(read())
        except Exception:
            self.errors[source] += 1
            log.warning("metrics: could not read %s", source, exc_info=True)
            return []

    def _queue(self) -> Iterator[Metric]:
        name = get_settings().queue_name
        now_ms = time.time() * 1000
        pipe = sync_redis().pipeline(transaction=False)
        pipe.zcount(name, "-inf", now_ms)
        pipe.zcount(name, f"({now_ms}", "+inf")
        pipe.zrange(name, 0, 0, withscores=True)
        due, deferred, head = pipe.execute()
        yield GaugeMetricFamily("berrys_queue_depth", "Jobs due now and not started yet", value=due)
        yield GaugeMetricFamily("berrys_queue_deferred", "Jobs queued for later (retry backoff, cron)", value=deferred)
        oldest = max(0.0, (now_ms - head[0][1]) / 1000) if head and due else 0.0
        yield GaugeMetricFamily(
            "berrys_queue_oldest_age_seconds", "How long the oldest due job has waited to start", value=oldest
        )

    def _approvals(self) -> Iterator[Metric]:
        waiting = GaugeMetricFamily("berrys_approvals_waiting", "Decisions waiting for a person", labels=["kind"])
        oldest = GaugeMetricFamily(
            "berrys_approvals_oldest_age_seconds", "Age of the oldest pending decision", labels=["kind"]
        )
        with db.get_engine().connect() as conn:
            rows = conn.execute(_APPROVALS_SQL).all()
        seen = {row.kind: row for row in rows}
        for kind in sorted({"plan", "budget", "tool", *seen}):
            row = seen.get(kind)
            waiting.add_metric([kind], row.n if row else 0)
            oldest.add_metric([kind], float(row.oldest_s) if row else 0.0)
        yield waiting
        yield oldest

    def _pools(self) -> Iterator[Metric]:
        used = GaugeMetricFamily(
            "berrys_db_pool_connections", "SQLAlchemy pool connections by state", labels=["pool", "state"]
        )
        size = GaugeMetricFamily("berrys_db_pool_size", "SQLAlchemy pool size (before overflow)", labels=["pool"])
        for name, engine in db.engines().items():
            pool: Any = engine.pool
            if not hasattr(pool, "checkedout"):
                continue
            used.add_metric([name, "in_use"], pool.checkedout())
            used.add_metric([name, "idle"], pool.checkedin())
            used.add_metric([name, "overflow"], max(0, pool.overflow()))
            size.add_metric([name], pool.size())
        yield used
        yield size


_COLLECTOR = StateCollector()
_registered = False
_lock = threading.Lock()


def registry() -> CollectorRegistry:
    """The process registry, with the state collector registered once."""
    global _registered
    with _lock:
        if not _registered:
            REGISTRY.register(_COLLECTOR)
            _registered = True
    return REGISTRY


def exposition() -> tuple[bytes, str]:
    """The text exposition and its content type (blocking: call it off the event loop)."""
    return generate_latest(registry()), CONTENT_TYPE_LATEST


def authorized(authorization: str | None) -> bool:
    """Whether a scrape may read: always without ``BERRYS_METRICS_TOKEN``, else only with
    ``Authorization: Bearer <token>`` (compared in constant time)."""
    token = get_settings().metrics_token
    if token is None or not token.get_secret_value():
        return True
    expected = f"Bearer {token.get_secret_value()}".encode()
    return hmac.compare_digest((authorization or "").encode(), expected)


def _wsgi_app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    if environ.get("PATH_INFO", "/") not in ("/", "/metrics"):
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found: the metrics are at /metrics\n"]
    if not authorized(environ.get("HTTP_AUTHORIZATION")):
        start_response("401 Unauthorized", [("Content-Type", "text/plain"), ("WWW-Authenticate", "Bearer")])
        return [b"a bearer token is required (BERRYS_METRICS_TOKEN)\n"]
    body, content_type = exposition()
    start_response("200 OK", [("Content-Type", content_type), ("Content-Length", str(len(body)))])
    return [body]


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Scrapes every few seconds are not news."""


def serve_worker_metrics() -> int | None:
    """A worker's endpoint on ``BERRYS_WORKER_METRICS_PORT + BERRYS_WORKER_INDEX`` (a thread of
    this process); the bound port, or None when off or the port is taken (the worker still runs)."""
    settings = get_settings()
    if not settings.worker_metrics_port or not settings.metrics_enabled:
        return None
    port = settings.worker_metrics_port + settings.worker_index
    try:
        server = make_server(
            settings.worker_metrics_host, port, _wsgi_app, server_class=ThreadingWSGIServer, handler_class=_QuietHandler
        )
    except OSError as exc:
        log.error(
            "metrics: cannot listen on %s:%s (%s); this worker exports no metrics",
            settings.worker_metrics_host,
            port,
            exc,
        )
        return None
    threading.Thread(target=server.serve_forever, name="metrics", daemon=True).start()
    log.info("metrics: serving on http://%s:%s/metrics", settings.worker_metrics_host, port)
    return port
