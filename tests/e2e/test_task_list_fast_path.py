"""On the real single-port server (what ``berrys up`` runs: Reflex + Granian), the task list is
answered by the fast path ahead of Reflex (``api.fast_tasks``) exactly as the route answers it,
and a task change committed by another process is in the very next response."""

from __future__ import annotations

import httpx
import psycopg
import pytest

from berrys_app.settings import libpq_url
from tests.e2e.helpers import PASSWORD, unique_email

pytestmark = pytest.mark.e2e
VOLATILE = {"x-request-id", "date", "server"}


def _headers(response: httpx.Response) -> dict[str, object]:
    """The headers that must be equal; ``Vary`` as a set (each of Reflex's CORS layers appends
    ``Origin`` to the route's answer: ``Accept-Encoding, Origin, Origin``)."""
    headers: dict[str, object] = {k: v for k, v in response.headers.items() if k not in VOLATILE}
    headers["vary"] = {token.strip() for token in response.headers["vary"].split(",")}
    return headers


def test_the_task_list_through_the_production_stack(stack) -> None:
    email = unique_email()
    with httpx.Client(base_url=stack.base_url, timeout=30) as http:
        assert http.post("/api/v1/auth/register", json={"email": email, "password": PASSWORD}).status_code == 202
        token = http.post("/api/v1/auth/token", json={"email": email, "password": PASSWORD}).json()["access_token"]
        auth = {"Authorization": f"Bearer {token}"}
        team_id = http.get("/api/v1/teams", headers=auth).json()["data"][0]["id"]
        project = http.post("/api/v1/projects", headers=auth, json={"team_id": team_id, "name": "Fast list"}).json()
        tasks = [{"id": f"t{i}", "title": f"Task {i}", "depends_on": []} for i in range(3)]
        plan = http.post(f"/api/v1/projects/{project['id']}/plan", headers=auth, json={"summary": "s", "tasks": tasks})
        assert plan.status_code == 202, plan.text[:300]
        assert http.post(f"/api/v1/projects/{project['id']}/plan/approve", headers=auth).status_code == 200
        url = f"/api/v1/projects/{project['id']}/tasks"

        fast = http.get(url, headers={**auth, "X-Request-ID": "e2e-fast"})
        routed = http.get(url + "?current_only=false&page=1", headers=auth)  # a query the fast path leaves alone
        assert fast.status_code == routed.status_code == 200 and fast.json()["meta"]["total"] == 3
        assert fast.content == routed.content and _headers(fast) == _headers(routed)
        assert fast.headers["x-request-id"] == "e2e-fast" and fast.headers["cache-control"] == "no-store"
        assert http.get(url, headers={**auth, "If-None-Match": fast.headers["etag"]}).status_code == 304

        with psycopg.connect(libpq_url(stack.env["DATABASE_URL"]), autocommit=True) as conn:  # as a worker commits
            conn.execute("UPDATE tasks SET title = 'changed' WHERE project_id = %s AND key = 't1'", (project["id"],))
        changed = http.get(url, headers={**auth, "If-None-Match": fast.headers["etag"]})
        assert changed.status_code == 200
        assert {t["key"]: t["title"] for t in changed.json()["data"]}["t1"] == "changed"
        assert http.get(url, headers={"Authorization": "Bearer not-a-token"}).json()["code"] == "unauthorized"
