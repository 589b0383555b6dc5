"""Issue 21 in the engine, with real PostgreSQL, Redis and workers (the scripted model plays the
LLM and records the prompts): a degenerate plan falls back to the plain plan with a note, a
degenerate task answer fails the task with its reason, a rejection's feedback reaches the
planner, and the final report holds every task's output even when the summary call fails."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import Session

from berrys_app.domain.projects import ProjectCreate
from berrys_app.engine.aggregation_job import demote_headings, final_report
from berrys_app.services import projects
from berrys_app.services.models import scripted
from berrys_app.usecases import project_lifecycle
from tests.engine.conftest import wait_for
from tests.engine.helpers import events_of, project_row, start_project, status_is, tasks_of

RECORDED = Path(__file__).parent / "fixtures" / "degenerate"
THREE = {
    "tasks": [
        {"id": "a", "title": "Research"},
        {"id": "b", "title": "Write", "depends_on": [{"task": "a", "type": "input"}]},
        {"id": "c", "title": "Check"},
    ]
}


async def test_a_degenerate_plan_falls_back_to_one_task_per_objective_with_a_note(
    session: Session, team, run_worker
) -> None:
    recorded = (RECORDED / "plan-digit-keys.json").read_text()
    scripted.push("loopplan", {"content": recorded})
    project = projects.create_project(
        session,
        team.member,
        team_id=team.team_id,
        data=ProjectCreate(name="Brief", model="scripted/loopplan", objectives=["list vendors", "compare prices"]),
    )
    project_lifecycle.request_plan(session, team.member, project.id)
    session.commit()  # the caller owns the transaction (the plan job is sent after it)
    await run_worker()
    assert project_row(project.id).status == "plan_review"
    plan = projects.get_plan(session, team.viewer, project.id)
    assert [t["title"] for t in plan.plan["tasks"]] == ["list vendors", "compare prices"]
    assert "degenerate" in plan.warnings[0] and "has no words" in plan.warnings[0]
    assert events_of(project.id, "plan.proposed")[0].payload["warnings"][0] == plan.warnings[0]


def test_a_degenerate_task_answer_fails_the_task_with_its_reason_and_no_retry(session: Session, team, workers) -> None:
    loop = (RECORDED / "output-digits.txt").read_text()
    scripted.rule("looptask", contains="Task: Research", step={"content": loop})
    workers.start("w1")
    plan = {"tasks": [{"id": "a", "title": "Research"}]}
    project_id = start_project(
        session, team.member, team.team_id, plan, model="scripted/looptask", max_task_attempts=3, max_replans=0
    )
    wait_for(lambda: status_is(project_id, "failed", "completed"), timeout=240, what="project to finish")
    task = tasks_of(project_id)["a"]
    assert task.status == "failed" and task.failures == 1  # fatal: a retry would replay the same answer
    assert "degenerate_output" in task.last_error and "no words" in task.last_error
    assert task.output in (None, "")
    failed = events_of(project_id, "task.failed")
    assert len(failed) == 1 and "not usable" in failed[0].payload["error"]
    assert "degenerate_output" in project_row(project_id).status_reason


async def test_the_rejection_feedback_is_in_the_next_planner_prompt(session: Session, team, run_worker) -> None:
    second = {
        "id": "t1",
        "title": "Second",
        "description": "by region",
        "capabilities": ["research"],
        "expected_output": "notes",
        "estimated_minutes": 10,
        "priority": 1,
        "depends_on": [],
    }
    scripted.push("feedback", {"content": json.dumps({"summary": "s", "tasks": [second]})})
    project = projects.create_project(
        session, team.member, team_id=team.team_id, data=ProjectCreate(name="Brief", model="scripted/feedback")
    )
    project_lifecycle.submit_plan(session, team.member, project.id, {"tasks": [{"id": "t1", "title": "First"}]})
    project_lifecycle.reject_plan(session, team.member, project.id, reason="split the research by region")
    session.commit()  # the caller owns the transaction
    project_lifecycle.request_plan(session, team.member, project.id)
    session.commit()  # the caller owns the transaction (the plan job is sent after it)
    await run_worker()
    prompt = scripted.requests("feedback")[0][-1]["content"]
    assert "rejected the previous plan with this feedback: split the research by region" in prompt
    plan = projects.get_plan(session, team.viewer, project.id)
    assert plan.version == 2 and plan.plan["tasks"][0]["title"] == "Second"


def _report(session: Session, team, project_id) -> str:
    deliverables = projects.list_deliverables(session, team.viewer, project_id)
    assert len(deliverables) == 1
    return deliverables[0].content


def _run_three(session: Session, team, workers, name: str, final: dict) -> tuple[object, str]:
    for key, out in (("Research", "ALPHA " + "x" * 300), ("Write", "BRAVO written"), ("Check", "CHARLIE ok")):
        scripted.rule(name, contains=f"Task: {key}", step={"content": out})
    scripted.rule(name, contains="one final deliverable", step=final)
    workers.start("w1")
    project_id = start_project(session, team.member, team.team_id, THREE, model=f"scripted/{name}")
    wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=240, what="project to finish")
    assert project_row(project_id).status == "completed", workers.logs()
    return project_id, _report(session, team, project_id)


def test_the_final_report_has_the_summary_and_every_task_output(session: Session, team, workers) -> None:
    project_id, report = _run_three(session, team, workers, "report3", {"content": "Three things were done."})
    assert report.startswith("## Summary\n\nThree things were done.\n\n## Task results")
    for text in ("### a: Research", "ALPHA " + "x" * 300, "### b: Write\n\nBRAVO written", "### c: Check"):
        assert text in report  # every task, its output whole
    assert len(events_of(project_id, "deliverable.created")) == 1


def test_when_the_summary_call_fails_the_report_is_every_output_with_a_note(session: Session, team, workers) -> None:
    project_id, report = _run_three(session, team, workers, "reportfail", {"error": "server_error"})
    assert report.startswith("> Note: aggregation model call failed (provider_error)")
    assert "## Summary" not in report
    for text in ("ALPHA " + "x" * 300, "BRAVO written", "CHARLIE ok"):
        assert text in report
    note = events_of(project_id, "deliverable.created")[0].payload["note"]
    assert "provider_error" in note


def test_a_degenerate_summary_is_left_out_with_a_note(session: Session, team, workers) -> None:
    loop = (RECORDED / "output-sentence-loop.txt").read_text()
    _, report = _run_three(session, team, workers, "reportloop", {"content": loop})
    assert report.startswith("> Note: the summary model's answer was not usable (it repeats itself")
    assert "## Summary" not in report and "growing rapidly. The vector" not in report  # the note quotes 40 chars
    assert "CHARLIE ok" in report


def test_headings_of_the_outputs_rank_below_the_report_sections_code_untouched() -> None:
    output = "# Prices\n\n```python\n# a comment, not a heading\n```\n\n## Detail\n#tag"
    report = final_report("# My report\nAll done.", demote_headings(output, 3))
    assert report == (
        "## Summary\n\n### My report\nAll done.\n\n## Task results\n\n"
        "#### Prices\n\n```python\n# a comment, not a heading\n```\n\n##### Detail\n#tag"
    )
