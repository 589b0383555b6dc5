"""On the production stack (``berrys up``: Reflex + Granian on one port, two worker processes), a
project run over REST shows on the web's ``/metrics`` -- HTTP latency by route template through
all of Reflex's layers -- and on each worker's own endpoint."""

from __future__ import annotations

import time

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.helpers import PASSWORD, unique_email

pytestmark = pytest.mark.e2e


def _samples(text: str) -> list[tuple[str, dict[str, str], float]]:
    return [(s.name, s.labels, s.value) for family in text_string_to_metric_families(text) for s in family.samples]


def _value(samples, name: str, **labels: str) -> float:
    return sum(v for n, have, v in samples if n == name and labels.items() <= have.items())


def test_a_run_shows_on_the_web_and_worker_metrics(stack) -> None:
    email = unique_email("metrics")
    with httpx.Client(base_url=stack.base_url, timeout=30) as http:
        assert http.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD}).status_code == 202
        token = http.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD}).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        team_id = http.get("/api/v1/teams", headers=auth).json()["data"][0]["id"]
        project = http.post("/api/v1/projects", headers=auth, json={"team_id": team_id, "name": "Metered"}).json()
        tasks = [{"id": f"t{i}", "title": f"Task {i}", "depends_on": []} for i in range(3)]
        plan = http.post(f"/api/v1/projects/{project['id']}/plan", headers=auth, json={"summary": "s", "tasks": tasks})
        assert plan.status_code == 202, plan.text[:300]
        assert http.post(f"/api/v1/projects/{project['id']}/plan/approve", headers=auth).status_code == 200
        http.post(f"/api/v1/projects/{project['id']}/execute", headers=auth)  # started already, or now
        deadline = time.monotonic() + 90
        while http.get(f"/api/v1/projects/{project['id']}", headers=auth).json()["status"] != "completed":
            assert time.monotonic() < deadline, "the project did not complete"
            time.sleep(0.3)
        web = _samples(http.get("/metrics").text)

    project_route = "/api/v1/projects/{project_id}"
    assert _value(web, "berrys_http_requests_total", method="GET", route=project_route, status="200") >= 1
    assert _value(web, "berrys_http_request_duration_seconds_count", method="POST", route="/api/v1/projects") == 1
    assert _value(web, "berrys_http_requests_total", route="/api/v1/auth/token", status="200") >= 1
    assert not any(project["id"] in labels.get("route", "") for _, labels, _ in web)
    assert any(name == "berrys_queue_depth" for name, _, _ in web)

    base = int(stack.env["BERRYS_WORKER_METRICS_PORT"])
    workers = [_samples(httpx.get(f"http://127.0.0.1:{base + i}/metrics", timeout=10).text) for i in range(2)]
    assert sum(_value(w, "berrys_tasks_total", outcome="completed") for w in workers) >= 3
    assert sum(_value(w, "berrys_model_calls_total", model="scripted/echo", status="ok") for w in workers) >= 3
    assert all(any(name == "berrys_db_pool_size" for name, _, _ in w) for w in workers)
