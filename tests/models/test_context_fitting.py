"""Context fitting through the real engine: a dependency's long output must not fail the next task."""

from __future__ import annotations

from sqlmodel import Session

from berrys_app.services.models import scripted
from tests.engine.conftest import team, wait_for, workers  # noqa: F401 - fixtures
from tests.engine.helpers import project_row, start_project, status_is, tasks_of

PLAN = {
    "tasks": [
        {"id": "a1", "title": "Gather one", "capabilities": ["general"]},
        {"id": "a2", "title": "Gather two", "capabilities": ["general"]},
        {"id": "a3", "title": "Gather three", "capabilities": ["general"]},
        {
            "id": "b",
            "title": "Digest",
            "capabilities": ["general"],
            "depends_on": [{"task": key, "type": "input"} for key in ("a1", "a2", "a3")],
        },
    ]
}


def test_long_input_is_trimmed_to_a_small_window_and_the_task_completes(
    session: Session,
    team,  # noqa: F811
    workers,  # noqa: F811
    add_model,
) -> None:
    add_model("scripted/smallwin", context_window=400, max_output_tokens=200)
    # each output fits the window on its own; together (~470 words) they overflow the 400-word window
    for n, name in ((1, "one"), (2, "two"), (3, "three")):
        output = f"FIRST-{n} " + " ".join(f"fact{i}" for i in range(150)) + f" LAST-{n}"  # not a loop (degenerate)
        scripted.rule("smallwin", contains=f"Task: Gather {name}", step={"content": output})
    scripted.rule("smallwin", contains="Task: Digest", step={"content": "digested"})
    scripted.rule("smallwin", contains="one final deliverable", step={"content": "report"})
    workers.start("w1")
    project_id = start_project(session, team.member, team.team_id, PLAN, model="scripted/smallwin")
    wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=60, what="project to finish")

    tasks = tasks_of(project_id)
    assert tasks["b"].status == "completed" and tasks["b"].output == "digested", (
        project_row(project_id).status_reason,
        tasks["b"].last_error,
        workers.logs(),
    )
    digest = next(msgs for msgs in scripted.requests("smallwin") if "Task: Digest" in str(msgs))
    assert [tasks[k].output.split()[-1] for k in ("a1", "a2", "a3")] == ["LAST-1", "LAST-2", "LAST-3"]
    assert scripted.count_prompt_tokens(digest) <= 400 - 200  # the window minus the answer's room
    prompt = digest[-1]["content"]
    assert prompt.startswith("Project: Engine test\n\nTask: Digest")  # the task itself is kept
    assert "FIRST-1" in prompt and "LAST-3" in prompt and "characters omitted" in prompt  # cut in the middle
