"""A budget refusal while planning: the project waits for a person instead of failing."""

from __future__ import annotations

import json

from sqlalchemy import text
from sqlmodel import Session

from berrys_app.domain.projects import ProjectCreate, ProjectUpdate
from berrys_app.engine.jobs import plan_job
from berrys_app.queue import dispatch
from berrys_app.services import projects
from berrys_app.services.models import scripted
from berrys_app.usecases import project_lifecycle
from tests.engine.conftest import team  # noqa: F401 - fixture
from tests.engine.helpers import events_of, fresh, project_row

PLAN = {
    "summary": "one step",
    "tasks": [
        {
            "id": "t1",
            "title": "Write",
            "description": "write it",
            "capabilities": ["writing"],
            "expected_output": "text",
            "estimated_minutes": 5,
            "priority": 0,
            "depends_on": [],
        }
    ],
}


def _refusals(project_id) -> int:
    sql = text("SELECT count(*) FROM model_calls WHERE project_id = :p AND error = 'budget_exceeded'")
    return fresh(lambda s: s.execute(sql, {"p": project_id}).scalar_one())


async def test_budget_refusal_while_planning_waits_and_a_raised_budget_lets_it_plan(
    session: Session,
    team,  # noqa: F811
    run_worker,
) -> None:
    scripted.push("planbudget", {"content": json.dumps(PLAN)})
    data = ProjectCreate(name="Report", model="scripted/planbudget", budget_tokens=5)
    project = projects.create_project(session, team.member, team_id=team.team_id, data=data)
    session.commit()
    project_lifecycle.request_plan(session, team.member, project.id)
    session.commit()
    await run_worker()

    assert project_row(project.id).status == "planning"  # not failed
    [waiting] = events_of(project.id, "project.waiting")
    assert waiting.payload["reason"] == "budget_exceeded" and waiting.payload["step"] == "planning"
    assert scripted.calls("planbudget") == 0 and _refusals(project.id) == 1

    # the reconciler re-enqueues planning jobs; while nothing changed they neither call nor refuse again
    dispatch([plan_job(project.id, 1)])
    await run_worker()
    assert _refusals(project.id) == 1 and len(events_of(project.id, "project.waiting")) == 1

    projects.update_project(session, team.admin, project.id, data=ProjectUpdate(budget_tokens=100_000))
    session.commit()
    dispatch([plan_job(project.id, 1)])
    await run_worker()
    assert project_row(project.id).status == "plan_review"
    assert scripted.calls("planbudget") == 1
