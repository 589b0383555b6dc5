"""The planner job: schema-constrained plans from the model, repaired when weak, failures explained."""

from __future__ import annotations

import json

import pytest
from sqlmodel import Session

from berrys_app.domain.projects import ProjectCreate
from berrys_app.services import projects
from berrys_app.services.models import scripted
from berrys_app.usecases import project_lifecycle
from tests.engine.conftest import wait_for
from tests.engine.helpers import events_of, project_row, status_is, tasks_of

WEAK_PLAN = {
    "summary": "weak",
    "tasks": [
        {
            "id": "t1",
            "title": "Collect",
            "description": "",
            "capabilities": ["Research"],
            "expected_output": "notes",
            "estimated_minutes": 20,
            "priority": 1,
            "depends_on": [{"task": "t2", "type": "completion"}, {"task": "nope", "type": "input"}],
        },
        {
            "id": "t2",
            "title": "Summarise",
            "description": "",
            "capabilities": ["writing"],
            "expected_output": "summary",
            "estimated_minutes": 10,
            "priority": 0,
            "depends_on": [{"task": "t1", "type": "input"}],
        },
    ],
}


async def test_planner_job_proposes_a_repaired_plan_for_review(session: Session, team, run_worker) -> None:
    scripted.push("planner", {"content": json.dumps(WEAK_PLAN)})
    project = projects.create_project(
        session, team.member, team_id=team.team_id, data=ProjectCreate(name="Report", model="scripted/planner")
    )
    session.commit()
    project_lifecycle.request_plan(session, team.member, project.id)
    session.commit()
    await run_worker()
    assert project_row(project.id).status == "plan_review"
    plan = projects.get_plan(session, team.viewer, project.id)
    assert plan.version == 1 and plan.source == "planner"
    assert any("nope" in w for w in plan.warnings) and any("broke cycle" in w for w in plan.warnings)
    assert len(plan.critical_path) == 2 and plan.estimated_total_minutes == 30
    proposed = events_of(project.id, "plan.proposed")
    assert proposed[0].payload["warnings"] == plan.warnings
    requests = scripted.requests("planner")
    assert "Project: Report" in requests[0][-1]["content"]


async def test_planner_model_failure_fails_the_project_with_its_reason(session: Session, team, run_worker) -> None:
    scripted.push("broken", {"error": "server_error"})
    project = projects.create_project(
        session, team.member, team_id=team.team_id, data=ProjectCreate(name="P", model="scripted/broken")
    )
    session.commit()
    project_lifecycle.request_plan(session, team.member, project.id)
    session.commit()
    await run_worker()
    row = project_row(project.id)
    assert row.status == "failed" and "provider_error" in row.status_reason
    project_lifecycle.request_plan(session, team.member, project.id)  # a failed project can be planned again
    session.commit()
    assert project_row(project.id).status == "planning"


async def test_unusable_planner_output_falls_back_to_one_task_per_objective(session: Session, team, run_worker) -> None:
    scripted.push("garbled", {"error": "malformed_json"}, {"error": "malformed_json"})  # answer + repair turn
    project = projects.create_project(
        session,
        team.member,
        team_id=team.team_id,
        data=ProjectCreate(name="P", model="scripted/garbled", objectives=["find sources", "write summary"]),
    )
    session.commit()
    project_lifecycle.request_plan(session, team.member, project.id)
    session.commit()
    await run_worker()
    assert project_row(project.id).status == "plan_review"
    plan = projects.get_plan(session, team.viewer, project.id)
    assert [t["title"] for t in plan.plan["tasks"]] == ["find sources", "write summary"]
    assert "not a usable plan" in plan.warnings[0]


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_smoke_real_embedded_model_plans_and_runs_a_project(session: Session, team, workers) -> None:
    """Offline, end to end: the 135M model plans (JSON-schema constrained) and runs every task."""
    workers.env.update(BERRYS_LEASE_S="30", BERRYS_MODEL_TIMEOUT="900", BERRYS_TASK_MAX_TOKENS="120")
    workers.start("w1")
    project = projects.create_project(
        session,
        team.member,
        team_id=team.team_id,
        data=ProjectCreate(
            name="Haiku about tea",
            description="Write a short haiku about green tea and explain it in one sentence.",
            objectives=["a haiku", "a one-sentence explanation"],
            model="embedded/smollm2",
            auto_approve=True,
        ),
    )
    session.commit()
    project_lifecycle.request_plan(session, team.member, project.id)
    session.commit()
    wait_for(lambda: status_is(project.id, "completed", "failed"), timeout=1100, interval=0.5, what="project to finish")
    row = project_row(project.id)
    assert row.status == "completed", (row.status_reason, workers.logs())
    tasks = tasks_of(project.id)
    assert tasks and all(t.status == "completed" for t in tasks.values())
    plan = projects.get_plan(session, team.viewer, project.id)
    assert plan.plan["tasks"]
    print(f"smoke plan v{plan.version}: {len(tasks)} task(s), warnings={plan.warnings}")  # shown with -s
    deliverables = projects.list_deliverables(session, team.viewer, project.id)
    assert len(deliverables) == 1 and deliverables[0].content.strip()
