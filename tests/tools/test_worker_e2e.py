"""End to end through real worker processes: an agent whose scripted model calls the python
tool with a 10 GB allocation and a fork bomb gets specific, recorded errors, the worker
process survives, and the task still completes with a working call."""

from __future__ import annotations

from sqlmodel import Session, col, select

from berrys_app.domain.tools import ToolCall
from berrys_app.domain.work import Agent
from berrys_app.services.models import scripted
from tests.engine.conftest import team, wait_for, workers  # noqa: F401  (fixtures)
from tests.engine.helpers import fresh, project_row, start_project, status_is, tasks_of

PLAN = {"tasks": [{"id": "crunch", "title": "Crunch", "capabilities": ["toolsmith"]}]}


def test_bad_snippets_are_recorded_and_the_worker_survives(session: Session, team, workers) -> None:  # noqa: F811
    session.add(
        Agent(
            team_id=team.team_id,
            name="toolsmith-1",
            role="Toolsmith",
            capabilities=["toolsmith"],
            allowed_tools=["python", "project_files"],
        )
    )
    session.commit()
    scripted.rule("tooler", contains="one final deliverable", step={"content": "FINAL"})
    scripted.push(
        "tooler",
        {"tool_calls": [{"name": "python", "arguments": {"code": "x = bytearray(10 * 1024 ** 3)"}}]},
        {"tool_calls": [{"name": "python", "arguments": {"code": "import os\nwhile True:\n    os.fork()"}}]},
        {"tool_calls": [{"name": "python", "arguments": {"code": "print(6 * 7)"}}]},
        {"content": "the answer is 42"},
    )
    worker = workers.start("w1")
    project_id = start_project(session, team.member, team.team_id, PLAN, model="scripted/tooler")
    wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=90, what="project to finish")
    assert project_row(project_id).status == "completed", workers.logs()
    assert worker.poll() is None  # the worker process is still running

    task = tasks_of(project_id)["crunch"]
    assert task.output == "the answer is 42"
    calls = fresh(
        lambda s: [
            (c.call_key, c.status, c.error_code, c.content.strip())
            for c in s.exec(select(ToolCall).where(ToolCall.task_id == task.id).order_by(col(ToolCall.started_at)))
        ]
    )
    keys = [f"task:{task.id}:tool:{step}:0" for step in range(3)]
    assert [c[0] for c in calls] == keys
    assert calls[0][1:3] == ("error", "sandbox_memory_limit")
    assert calls[1][1] == "error" and calls[1][2] in {"sandbox_process_limit", "timeout"}
    assert calls[2][1:] == ("ok", None, "42")
    # the model was told what went wrong, in words it can act on
    seen = "\n".join(str(m.get("content")) for msgs in scripted.requests("tooler") for m in msgs)
    assert "sandbox_memory_limit" in seen and "512 MB" in seen
