"""docker-compose.yml starts: no service waits, through ``depends_on`` and health checks, on itself.

Docker is not available here, so the file is modelled: service X *waits for* Y when X
``depends_on`` Y, and when X's health check calls something that needs Y (``CHECK_NEEDS``). A
cycle in that graph is a first start that never becomes healthy. What each check needs is not
taken on trust: the web check's endpoint is asked on the real app with no worker running.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

import httpx
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())

# what each health check needs, besides its own container's process, to pass
CHECK_NEEDS: dict[str, set[str]] = {
    "pg_isready": set(),
    "redis-cli": set(),
    "/health/live": set(),
    "/health/ready": {"postgres", "redis"},  # proven below: 200 with no worker, 503 without Redis
    "workers.health": {"postgres"},  # a heartbeat row of this container's worker, read from PostgreSQL
}
BLOCKING = {"service_healthy", "service_completed_successfully", "service_started"}


def check_of(service: dict[str, Any]) -> str | None:
    """Which modelled check a service's health check runs (None: it has none)."""
    test = service.get("healthcheck", {}).get("test")
    if not test:
        return None
    command = " ".join(test)
    found = [name for name in CHECK_NEEDS if name in command]
    assert len(found) == 1, f"health check not modelled: {command}"
    return found[0]


def waits_for(services: dict[str, dict[str, Any]]) -> dict[str, set[str]]:
    """service -> the services it cannot become healthy without."""
    graph: dict[str, set[str]] = {}
    for name, service in services.items():
        needs = {dep for dep, how in (service.get("depends_on") or {}).items() if how["condition"] in BLOCKING}
        check = check_of(service)
        graph[name] = needs | (CHECK_NEEDS[check] if check else set())
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle (as a path that ends where it starts), or None."""
    state: dict[str, str] = {}

    def visit(node: str, path: list[str]) -> list[str] | None:
        state[node] = "open"
        for nxt in sorted(graph.get(node, ())):
            if state.get(nxt) == "open":
                return [*path[path.index(nxt) :], nxt] if nxt in path else [node, nxt]
            if nxt not in state and (cycle := visit(nxt, [*path, nxt])):
                return cycle
        state[node] = "done"
        return None

    for start in sorted(graph):
        if start not in state and (cycle := visit(start, [start])):
            return cycle
    return None


def test_no_service_waits_on_itself_through_depends_on_and_health_checks():
    graph = waits_for(COMPOSE["services"])
    assert find_cycle(graph) is None, graph
    assert "web" not in graph["worker"]  # workers never wait on web
    assert graph["web"] == {"postgres", "redis", "migrate"}


def test_the_model_finds_the_old_first_start_deadlock():
    """The file as it was: web's check needed a live worker, workers waited for web healthy."""
    old_ready_needs = CHECK_NEEDS | {"/health/ready": {"postgres", "redis", "worker"}}
    old = {
        "postgres": {"healthcheck": {"test": ["CMD-SHELL", "pg_isready -U berrys"]}},
        "redis": {"healthcheck": {"test": ["CMD-SHELL", "redis-cli ping"]}},
        "web": {
            "depends_on": {"postgres": {"condition": "service_healthy"}},
            "healthcheck": {"test": ["CMD", "curl", "http://localhost:3000/health/ready"]},
        },
        "worker": {
            "depends_on": {"web": {"condition": "service_healthy"}},
            "healthcheck": {"test": ["CMD", "python", "-m", "workers.health"]},
        },
    }
    saved = dict(CHECK_NEEDS)
    CHECK_NEEDS.update(old_ready_needs)
    try:
        cycle = find_cycle(waits_for(old))
    finally:
        CHECK_NEEDS.clear()
        CHECK_NEEDS.update(saved)
    assert cycle is not None and set(cycle) == {"web", "worker"}


def test_migrations_run_once_before_web_and_workers():
    services = COMPOSE["services"]
    migrate = services["migrate"]
    assert migrate["command"][-2:] == ["berrys_app", "migrate"]
    assert migrate["depends_on"] == {"postgres": {"condition": "service_healthy"}}
    for name in ("web", "worker"):
        assert services[name]["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}
    assert re.search(r"workers\.health", " ".join(services["worker"]["healthcheck"]["test"]))


async def test_web_readiness_needs_postgres_and_redis_but_no_worker(env):
    """The web check's endpoint, as modelled: ready with no worker at all; not ready without Redis."""
    from berrys_app.api.app import create_api
    from berrys_app.settings import get_settings

    transport = httpx.ASGITransport(app=create_api())
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as http:
        ready = await http.get("/health/ready")
        assert ready.status_code == 200, ready.text
        assert ready.json() == {"status": "ok", "database": True, "redis": True, "workers": 0}
        assert (await http.get("/health/live")).status_code == 200

        working = os.environ["REDIS_URL"]
        os.environ["REDIS_URL"] = "redis://127.0.0.1:1/0"  # nothing listens on port 1
        get_settings.cache_clear()
        try:
            down = await http.get("/health/ready")
        finally:
            os.environ["REDIS_URL"] = working
            get_settings.cache_clear()
        assert down.status_code == 503 and down.json()["redis"] is False
