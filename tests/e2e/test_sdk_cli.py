"""The Python SDK and the ``berrys`` CLI (clients/python) against the real platform (web process
and workers): a project from objectives to results over REST and server-sent events, pagination,
errors as exceptions, and the CLI running a project end to end the way a script would."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from berrys_client import Berrys, BerrysError
from berrys_client.rest.api.projects import list_projects, list_tasks
from tests.e2e.helpers import plan_json, script_model
from tests.e2e.test_mcp_server import _member_key

pytestmark = pytest.mark.e2e
CLIENTS = Path(__file__).resolve().parents[2] / "clients" / "python"


def _scripted(summary: str) -> str:
    model = f"sdk{uuid.uuid4().hex[:6]}"
    script_model(
        model,
        plan=plan_json([("t1", "Gather facts", []), ("t2", "Write summary", ["t1"])]),
        task_replies={"Task: Gather facts": "Facts: berries.", "Task: Write summary": "Summary: berries."},
        summary=summary,
    )
    return f"scripted/{model}"


def test_the_sdk_runs_a_project_and_follows_it_over_server_sent_events(stack) -> None:
    team_id, key = _member_key(["projects:read", "projects:write"])
    model = _scripted("SDK brief")
    with Berrys(stack.base_url, key) as berrys:
        project = berrys.create_project(team_id, "SDK brief", ["Explain berries"], model=model)
        berrys.plan(project.id)
        assert str(berrys.wait(project.id, until=("plan_review",), timeout_s=60).status) == "plan_review"
        berrys.approve(project.id)
        berrys.run(project.id)
        done = berrys.wait(project.id, progress=True, timeout_s=120)
        assert str(done.status) == "completed"
        assert "SDK brief" in berrys.results(project.id)

        kinds = [event["kind"] for event in berrys.events(project.id, follow=False)]
        assert kinds.count("task.completed") == 2 and "project.status_changed" in kinds
        tasks = berrys.call(list_tasks.sync_detailed, project_id=project.id, current_only=True)
        assert sorted(t.key for t in tasks.data) == ["t1", "t2"]

        with pytest.raises(BerrysError) as refused:
            berrys.project(str(uuid.uuid4()))
        assert refused.value.status == 404 and refused.value.code == "not_found"
        with pytest.raises(BerrysError) as invalid:
            berrys.create_project(team_id, "", ["x"])
        assert invalid.value.status == 422


def test_pages_walks_every_page(stack) -> None:
    team_id, key = _member_key(["projects:read", "projects:write"])
    with Berrys(stack.base_url, key) as berrys:
        made = {berrys.create_project(team_id, f"P{i}", ["x"]).id for i in range(5)}
        seen = [p.id for p in berrys.pages(list_projects.sync_detailed, per_page=2, team_id=team_id)]
    assert sorted(seen) == sorted(made)


def _cli(stack, key: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "BERRYS_URL": stack.base_url, "BERRYS_TOKEN": key, "PYTHONPATH": str(CLIENTS)}
    return subprocess.run(
        [sys.executable, "-m", "berrys_client.cli", *args], env=env, capture_output=True, text=True, timeout=180
    )


def test_the_cli_runs_a_project_end_to_end(stack) -> None:
    team_id, key = _member_key(["projects:read", "projects:write"])
    model = _scripted("CLI brief")

    created = _cli(stack, key, "projects", "create", "--team", team_id, "--name", "CLI", "-o", "Explain berries",
                   "--model", model, "--quiet")  # fmt: skip
    assert created.returncode == 0, created.stderr
    project_id = created.stdout.strip()
    assert _cli(stack, key, "projects", "plan", project_id).returncode == 0
    review = _cli(stack, key, "projects", "watch", project_id, "--until", "plan_review", "--timeout", "60")
    assert json.loads(review.stdout)["status"] == "plan_review", review.stderr
    approved = _cli(stack, key, "projects", "approve", project_id, "--run")
    assert json.loads(approved.stdout)["status"] == "executing", approved.stderr
    finished = _cli(stack, key, "projects", "watch", project_id, "--timeout", "120")
    assert finished.returncode == 0 and json.loads(finished.stdout)["status"] == "completed", finished.stderr
    results = _cli(stack, key, "projects", "results", project_id)
    assert "CLI brief" in results.stdout
    listed = _cli(stack, key, "projects", "list", "--team", team_id)
    assert [json.loads(line)["id"] for line in listed.stdout.splitlines()] == [project_id]

    refused = _cli(stack, key, "projects", "run", str(uuid.uuid4()))
    assert refused.returncode == 1 and "404 not_found" in refused.stderr
    unauthenticated = _cli(stack, "", "projects", "list")
    assert unauthenticated.returncode == 2 and "BERRYS_TOKEN" in unauthenticated.stderr
