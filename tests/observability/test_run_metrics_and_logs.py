"""During a real project run -- two ``python -m workers`` processes, the scripted model, a real
tool call and a call waiting for approval -- each worker's metrics endpoint and the web's
``/metrics`` report what the run did, and the workers' log lines are JSON carrying the ids."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from berrys_app.api.app import create_api
from berrys_app.api.http_metrics import HttpMetrics
from berrys_app.services.models import scripted
from berrys_app.settings import get_settings
from tests.api.servers import asgi_thread
from tests.engine.helpers import start_project, tasks_of
from tests.observability.promql_names import alert_queries, dashboard_queries, exported_names, names_in
from tests.security.helpers import http_agent, team_with_project
from tests.tools.conftest import recording_server

ROOT = Path(__file__).resolve().parents[2]
TOKEN = "scrape-" + uuid.uuid4().hex


def _two_free_ports() -> int:
    """A base port with the next one free too (worker index 0 and 1)."""
    for _ in range(50):
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            base = sock.getsockname()[1]
        try:
            with socket.socket() as sock:
                sock.bind(("127.0.0.1", base + 1))
            return base
        except OSError:
            continue
    raise RuntimeError("no two consecutive free ports")


@pytest.fixture
def workers(
    env: dict[str, str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[tuple[list[int], list[Path]]]:
    monkeypatch.setenv("BERRYS_METRICS_TOKEN", TOKEN)
    get_settings.cache_clear()
    base = _two_free_ports()
    procs, logs = [], []
    for index in range(2):
        log = tmp_path / f"w{index}.log"
        child = {
            **os.environ,
            "BERRYS_WORKER_ID": f"obs-w{index}",
            "BERRYS_WORKER_INDEX": str(index),
            "BERRYS_WORKER_METRICS_PORT": str(base),
            "BERRYS_LOG_LEVEL": "INFO",
        }
        with open(log, "wb") as out:  # not a terminal: JSON lines
            procs.append(
                subprocess.Popen([sys.executable, "-m", "workers"], cwd=ROOT, env=child, stdout=out, stderr=out)
            )
        logs.append(log)
    ports = [base, base + 1]
    try:
        for port in ports:
            _wait(lambda port=port: _answers(port), what=f"the worker metrics endpoint on {port}", timeout=60)
        yield ports, logs
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(5)
        get_settings.cache_clear()


def _answers(port: int) -> bool:
    try:
        return httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2).status_code == 401
    except httpx.HTTPError:
        return False


def _wait(predicate, *, what: str, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.1)


def _samples(text: str) -> dict[tuple[str, frozenset], float]:
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _value(samples: dict[tuple[str, frozenset], float], name: str, **labels: str) -> float:
    """The sum of the samples named ``name`` whose labels include ``labels``."""
    wanted = set(labels.items())
    return sum(value for (sample, have), value in samples.items() if sample == name and wanted <= have)


EXPORTED: set[str] = set()  # every name the scrapes of the run declared


def _scrape(url: str) -> dict[tuple[str, frozenset], float]:
    response = httpx.get(url, headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)
    assert response.status_code == 200, response.text[:300]
    assert response.headers["content-type"].startswith("text/plain")
    EXPORTED.update(exported_names(response.text))
    return _samples(response.text)


def _scripted_run(session, server, model: str) -> tuple[uuid.UUID, dict[str, str]]:
    world = team_with_project(session, "Observed")
    http_agent(session, world.admin, world.team_id, tool="lookup", hosts=[server.host], capability="fetcher")
    http_agent(
        session, world.admin, world.team_id, tool="payments", hosts=[server.host], capability="payer", side_effects=True
    )
    scripted.reset(model)
    scripted.rule(model, contains="/probe-result", step={"content": "fetched"})  # the tool's answer is in
    scripted.rule(model, contains="Write part", step={"content": "a part"})
    scripted.rule(model, contains="Fetch the data", step={"tool_calls": [{"name": "lookup", "arguments": {"method": "GET", "url": f"{server.url}/probe-result"}}]})  # fmt: skip
    scripted.rule(model, contains="Pay the bill", step={"tool_calls": [{"name": "payments", "arguments": {"method": "POST", "url": f"{server.url}/pay", "body": "1 EUR"}}]})  # fmt: skip
    plan = {
        "tasks": [
            {"id": "fetch", "title": "Fetch the data", "capabilities": ["fetcher"]},
            {"id": "pay", "title": "Pay the bill", "capabilities": ["payer"]},
            {"id": "w1", "title": "Write part one", "capabilities": ["fetcher"], "depends_on": ["fetch"]},
            {"id": "w2", "title": "Write part two", "capabilities": ["fetcher"], "depends_on": ["fetch"]},
        ]
    }
    project_id = start_project(session, world.admin, world.team_id, plan, model=f"scripted/{model}")
    return project_id, {}


def test_a_run_shows_on_the_metrics_endpoints_and_in_json_logs(workers, session) -> None:
    ports, logs = workers
    model = f"obs-{uuid.uuid4().hex[:8]}"
    with recording_server() as server:
        project_id, _ = _scripted_run(session, server, model)

        def settled() -> bool:
            tasks = tasks_of(project_id)
            done = all(tasks[key].status == "completed" for key in ("fetch", "w1", "w2"))
            return done and tasks["pay"].status == "waiting_approval"

        _wait(settled, what="three tasks completed and one waiting for approval", timeout=90)
        assert server.count("/probe-result") == 1 and server.count("/pay") == 0

    # each worker's own endpoint: 401 without the token, the run's events with it
    for port in ports:
        assert httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).status_code == 401
    per_worker = [_scrape(f"http://127.0.0.1:{port}/metrics") for port in ports]
    total = lambda name, **labels: sum(_value(s, name, **labels) for s in per_worker)  # noqa: E731
    scripted_model = f"scripted/{model}"
    assert total("berrys_tasks_total", outcome="completed") == 3
    assert total("berrys_tasks_total", outcome="waiting") == 1
    assert total("berrys_task_duration_seconds_count", outcome="completed") == 3
    assert total("berrys_model_calls_total", model=scripted_model, status="ok") == 5  # fetch x2, pay, w1, w2
    assert total("berrys_model_latency_seconds_count", model=scripted_model) == 5
    assert total("berrys_model_tokens_total", model=scripted_model, kind="prompt") > 0
    assert total("berrys_model_tokens_total", model=scripted_model, kind="completion") > 0
    assert ("berrys_model_cost_usd_total", frozenset({("model", scripted_model)})) in per_worker[0] | per_worker[1]
    assert total("berrys_tool_calls_total", tool="lookup", outcome="ok") == 1
    assert total("berrys_tool_duration_seconds_count", tool="lookup") == 1
    for samples in per_worker:  # the state gauges, read at scrape time, in every process
        assert _value(samples, "berrys_approvals_waiting", kind="tool") == 1
        assert ("berrys_queue_depth", frozenset()) in samples
        assert _value(samples, "berrys_db_pool_size") > 0

    # the web process: the same app the dashboard mounts, wrapped as in production
    with asgi_thread(HttpMetrics(create_api())) as web:
        assert httpx.get(f"{web}/health/live").status_code == 200
        assert httpx.get(f"{web}/api/v1/projects/{project_id}").status_code == 401
        assert httpx.get(f"{web}/metrics").status_code == 401
        assert httpx.get(f"{web}/metrics", headers={"Authorization": "Bearer wrong"}).status_code == 401
        samples = _scrape(f"{web}/metrics")
    project_route = "/api/v1/projects/{project_id}"
    assert _value(samples, "berrys_http_requests_total", route="/health/live", status="200") == 1
    assert _value(samples, "berrys_http_requests_total", route=project_route, status="401") == 1
    assert _value(samples, "berrys_http_request_duration_seconds_count", route=project_route) == 1
    assert _value(samples, "berrys_http_requests_total", route="/metrics", status="401") == 2
    assert not any(str(project_id) in dict(labels).get("route", "") for _, labels in samples)  # templates only
    assert _value(samples, "berrys_approvals_waiting", kind="tool") == 1
    assert ("berrys_live_subscribers", frozenset()) in samples
    assert ("berrys_queue_depth", frozenset()) in samples
    assert _value(samples, "berrys_db_pool_connections", state="idle") >= 1

    # the shipped dashboard and alert rules query only names these processes exported
    assert not names_in(dashboard_queries() + alert_queries()) - EXPORTED

    # the workers' logs: every line is one JSON object with the four ids; each task's end is
    # logged with its task and project ids
    lines = [line for log in logs for line in log.read_text().splitlines() if line.strip()]
    records = [json.loads(line) for line in lines]
    assert all({"request_id", "project_id", "task_id", "trace_id", "event", "level"} <= set(r) for r in records)
    tasks = tasks_of(project_id)
    for key in ("fetch", "w1", "w2", "pay"):
        ends = [r for r in records if r["task_id"] == str(tasks[key].id) and "ended" in r["event"]]
        assert ends, f"no end line for {key}"
        assert all(r["project_id"] == str(project_id) for r in ends)
