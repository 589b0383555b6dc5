"""Fork, replay and retry-from-here with real PostgreSQL, Redis and worker processes; the scripted
model counts the provider calls, a local HTTP server counts a side-effecting tool's requests."""

from __future__ import annotations

from sqlalchemy import text
from sqlmodel import Session

from berrys_app.domain.tools import ApprovalPolicy, ToolCreate, ToolKind
from berrys_app.domain.work import Agent
from berrys_app.services import fork_views, projects
from berrys_app.services.models import scripted
from berrys_app.services.tools import register_tool
from berrys_app.usecases import forks
from berrys_app.usecases.forks import ForkIn, TaskEdits
from tests.engine.conftest import wait_for
from tests.engine.helpers import fresh, project_row, start_project, status_is, tasks_of
from tests.tools.conftest import HTTP_PARAMETERS, recording_server

CHAIN = 10
# outputs a byte-for-byte comparison can trip on: unicode, inner and trailing whitespace
ODD = "résumé  ✓\n\tline two \n"


def _chain_plan() -> dict:
    return {
        "tasks": [
            {
                "id": f"t{i}",
                "title": f"Step {i}",
                "description": f"Work on step {i}.",
                "depends_on": [{"task": f"t{i - 1}", "type": "input"}] if i else [],
            }
            for i in range(CHAIN)
        ]
    }


def _script_chain(name: str, tag: str = "") -> None:
    for i in range(CHAIN):
        scripted.rule(name, contains=f"Work on step {i}.", step={"content": f"out {i}{tag} {ODD}"})
    scripted.rule(name, contains="one final deliverable", step={"content": f"FINAL{tag} {ODD}"})


def _finish(project_id, timeout: float = 90) -> None:
    wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=timeout, what="project to finish")


def _task_calls(project_id, *, copied: bool) -> list[str]:
    """The ok model-call keys of a project's tasks, copied ones or made ones."""
    sql = (
        "SELECT call_key FROM model_calls WHERE project_id = :p AND status = 'ok' AND call_key LIKE 'task:%' "
        f"AND copied_from_id IS {'NOT ' if copied else ''}NULL"
    )
    return fresh(lambda s: [row[0] for row in s.execute(text(sql), {"p": project_id}).all()])


def test_a_fork_at_task_k_of_a_ten_task_chain_makes_ten_minus_k_provider_calls(session: Session, team, workers) -> None:
    _script_chain("chain")
    workers.start("w1")
    source = start_project(session, team.member, team.team_id, _chain_plan(), model="scripted/chain")
    _finish(source)
    assert project_row(source).status == "completed", workers.logs()
    assert scripted.calls("chain") == CHAIN + 1  # ten tasks and the final report

    k = 4
    before = scripted.calls("chain")
    fork = forks.fork_project(session, team.member, source, ForkIn(at_task=f"t{k}"))
    session.commit()  # the caller owns the transaction
    _finish(fork.id)
    assert project_row(fork.id).status == "completed", workers.logs()
    # the fork point and the tasks after it: 10 - k calls; the final report is written once more
    assert scripted.calls("chain") - before == (CHAIN - k) + 1
    assert len(_task_calls(fork.id, copied=False)) == CHAIN - k
    copied_rows = fresh(
        lambda s: s.execute(
            text(
                "SELECT count(*), coalesce(sum(prompt_tokens + completion_tokens), 0), coalesce(sum(cost_usd), 0) "
                "FROM model_calls WHERE project_id = :p AND copied_from_id IS NOT NULL"
            ),
            {"p": fork.id},
        ).one()
    )
    assert tuple(copied_rows) == (k, 0, 0)  # the upstream's calls, copied: zero tokens, zero cost
    ours, theirs = tasks_of(fork.id), tasks_of(source)
    assert [ours[f"t{i}"].attempt for i in range(CHAIN)] == [0] * k + [1] * (CHAIN - k)
    assert all(ours[key].output == theirs[key].output for key in ours)
    fork_row = project_row(fork.id)
    assert (fork_row.forked_from_project_id, fork_row.forked_at_task_key, fork_row.fork_mode) == (source, "t4", "run")


def test_a_replay_makes_no_provider_call_and_reproduces_every_output_byte_for_byte(
    session: Session, team, workers
) -> None:
    _script_chain("replayed")
    workers.start("w1")
    source = start_project(session, team.member, team.team_id, _chain_plan(), model="scripted/replayed")
    _finish(source)
    assert project_row(source).status == "completed", workers.logs()
    before = scripted.calls("replayed")
    scripted.reset("replayed")  # nothing is scripted any more: a provider call would fail the task

    replay = forks.fork_project(session, team.member, source, ForkIn(mode="replay"))
    session.commit()  # the caller owns the transaction
    _finish(replay.id)
    assert project_row(replay.id).status == "completed", workers.logs()
    assert scripted.calls("replayed") == 0 and before == CHAIN + 1
    ours, theirs = tasks_of(replay.id), tasks_of(source)
    assert {k: t.output.encode() for k, t in ours.items()} == {k: t.output.encode() for k, t in theirs.items()}
    assert all(t.attempt == 1 for t in ours.values())  # every task ran again, on recorded answers
    mine = projects.list_deliverables(session, team.viewer, replay.id)
    original = projects.list_deliverables(session, team.viewer, source)
    assert mine[0].content.encode() == original[0].content.encode()
    usage = projects.project_usage(session, team.viewer, replay.id)
    assert (usage["total_tokens"], usage["cost_usd"]) == (0, 0.0)


def test_a_replay_with_a_call_it_never_recorded_fails_the_task_with_its_reason(session: Session, team, workers) -> None:
    scripted.rule("short", contains="Task: A", step={"content": "a done"})
    scripted.rule("short", contains="one final deliverable", step={"content": "final"})
    workers.start("w1")
    plan = {"tasks": [{"id": "a", "title": "A"}]}
    source = start_project(session, team.member, team.team_id, plan, model="scripted/short")
    _finish(source)
    # the recording of a's answer is gone: the replay must say so, not call anything
    fresh(lambda s: (s.execute(text("DELETE FROM model_calls WHERE project_id = :p"), {"p": source}), s.commit()))
    replay = forks.fork_project(session, team.member, source, ForkIn(mode="replay"))
    session.commit()  # the caller owns the transaction
    _finish(replay.id)
    task = tasks_of(replay.id)["a"]
    assert project_row(replay.id).status == "failed"
    assert task.status == "failed" and "no_recording" in (task.last_error or "")
    assert scripted.calls("short") == 2  # the source's two calls; the replay made none


def _pay_world(session: Session, team, host: str) -> None:
    """A side-effecting http tool (no approval asked) and an agent that may use it."""
    register_tool(
        session,
        team.admin,
        team_id=team.team_id,
        data=ToolCreate(
            name="pay",
            kind=ToolKind.http,
            side_effects=True,
            approval_policy=ApprovalPolicy.never,
            parameters_schema=HTTP_PARAMETERS,
            config={"allowed_hosts": [host]},
        ),
    )
    session.add(Agent(team_id=team.team_id, name="payer", role="Payer", capabilities=["pay"], allowed_tools=["pay"]))
    session.commit()


def test_a_side_effecting_tool_upstream_of_the_fork_point_is_not_called_again(session: Session, team, workers) -> None:
    with recording_server() as server:
        _pay_world(session, team, server.host)
        scripted.push(
            "payer", {"tool_calls": [{"name": "pay", "arguments": {"method": "POST", "url": f"{server.url}/pay"}}]}
        )
        scripted.rule("payer", contains="Task: Report", step={"content": "reported"})
        scripted.rule("payer", contains="one final deliverable", step={"content": "final"})
        scripted.rule("payer", contains="HTTP", step={"content": "paid once"})  # the tool's result is in the prompt
        plan = {
            "tasks": [
                {"id": "pay", "title": "Pay", "capabilities": ["pay"]},
                {"id": "report", "title": "Report", "depends_on": [{"task": "pay", "type": "input"}]},
            ]
        }
        workers.env["BERRYS_HTTP_INTERNAL_HOSTS"] = server.host
        workers.start("w1")
        source = start_project(session, team.member, team.team_id, plan, model="scripted/payer")
        _finish(source)
        assert project_row(source).status == "completed", workers.logs()
        assert server.count("/pay") == 1

        fork = forks.fork_project(
            session, team.member, source, ForkIn(at_task="report", description="Report it in one line")
        )
        session.commit()  # the caller owns the transaction
        _finish(fork.id)
        assert project_row(fork.id).status == "completed", workers.logs()
        replay = forks.fork_project(session, team.member, source, ForkIn(mode="replay"))
        session.commit()  # the caller owns the transaction
        _finish(replay.id)
        assert project_row(replay.id).status == "completed", workers.logs()
        assert server.count("/pay") == 1  # the fork copied the call, the replay replayed it
        assert tasks_of(replay.id)["pay"].output == tasks_of(source)["pay"].output == "paid once"
        copies = fresh(
            lambda s: s.execute(
                text("SELECT project_id, copied_from_id IS NOT NULL FROM tool_calls WHERE tool_name = 'pay'")
            ).all()
        )
        assert sorted((str(p), c) for p, c in copies) == sorted(
            [(str(source), False), (str(fork.id), True), (str(replay.id), True)]
        )


def test_retry_from_here_reruns_the_failed_task_and_downstream_in_place(session: Session, team, workers) -> None:
    scripted.rule("retry", contains="Do A.", step={"content": "a done"})
    scripted.rule("retry", contains="Do B.", step={"error": "server_error"})
    workers.start("w1")
    plan = {
        "tasks": [
            {"id": "a", "title": "A", "description": "Do A."},
            {"id": "b", "title": "B", "description": "Do B.", "depends_on": [{"task": "a", "type": "input"}]},
            {"id": "c", "title": "C", "description": "Do C.", "depends_on": [{"task": "b", "type": "input"}]},
        ]
    }
    project_id = start_project(
        session, team.member, team.team_id, plan, model="scripted/retry", max_task_attempts=1, max_replans=0
    )
    _finish(project_id)
    assert project_row(project_id).status == "failed"
    scripted.reset("retry")
    scripted.rule("retry", contains="B, carefully", step={"content": "b done"})
    scripted.rule("retry", contains="Do C.", step={"content": "c done"})
    scripted.rule("retry", contains="one final deliverable", step={"content": "final"})

    projects.get_project(session, team.member, project_id)  # the member may; the call below checks again
    forks.retry_from_here(session, team.member, project_id, "b", TaskEdits(description="B, carefully"))
    session.commit()  # the caller owns the transaction
    _finish(project_id)
    assert project_row(project_id).status == "completed", workers.logs()
    assert scripted.calls("retry") == 3  # b, c and the final report: a was not asked again
    rows = fresh(
        lambda s: s.execute(
            text("SELECT key, plan_version, status FROM tasks WHERE project_id = :p ORDER BY plan_version, key"),
            {"p": project_id},
        ).all()
    )
    assert [tuple(r) for r in rows] == [
        ("a", 1, "completed"),
        ("b", 1, "failed"),
        ("c", 1, "cancelled"),
        ("b", 2, "completed"),
        ("c", 2, "completed"),
    ]
    assert projects.get_plan(session, team.viewer, project_id).source == "retry"


def test_a_fork_with_edits_sends_the_new_prompt_input_and_model_and_the_diff_shows_them(
    session: Session, team, workers
) -> None:
    for name in ("edits", "edits2"):
        scripted.rule(name, contains="B again", step={"content": "b new"})
        scripted.rule(name, contains="Do A.", step={"content": "a out"})
        scripted.rule(name, contains="Do B.", step={"content": "b out"})
        scripted.rule(name, contains="Do C.", step={"content": "c out"})
        scripted.rule(name, contains="one final deliverable", step={"content": "final"})
    workers.start("w1")
    plan = {
        "tasks": [
            {"id": "a", "title": "A", "description": "Do A."},
            {"id": "b", "title": "B", "description": "Do B.", "depends_on": [{"task": "a", "type": "input"}]},
            {"id": "c", "title": "C", "description": "Do C.", "depends_on": [{"task": "b", "type": "input"}]},
        ]
    }
    source = start_project(session, team.member, team.team_id, plan, model="scripted/edits")
    _finish(source)
    assert project_row(source).status == "completed", workers.logs()

    edits = ForkIn(at_task="b", description="B again", inputs={"a": "A REPLACED"}, model="scripted/edits2")
    fork = forks.fork_project(session, team.member, source, edits)
    session.commit()  # the caller owns the transaction
    _finish(fork.id)
    assert project_row(fork.id).status == "completed", workers.logs()
    assert (scripted.calls("edits"), scripted.calls("edits2")) == (4, 3)  # b, c and the report on the new model
    prompt_b = next(
        "\n".join(m.get("content") or "" for m in msgs)
        for msgs in scripted.requests("edits2")
        if any("B again" in (m.get("content") or "") for m in msgs)
    )
    assert "A REPLACED" in prompt_b and "a out" not in prompt_b

    rows = {row.key: row for row in fork_views.diff(session, team.viewer, fork.id, source)}
    assert (rows["a"].right_copied, rows["a"].same, rows["a"].right_output) == (True, False, "A REPLACED")
    assert (rows["b"].left_output, rows["b"].right_output, rows["b"].same) == ("b out", "b new", False)
    assert (rows["c"].right_copied, rows["c"].same) == (False, True)
    lineage = fork_views.lineage(session, team.viewer, source)
    assert [(row.id, row.depth, row.forked_at_task_key) for row in lineage] == [(source, 0, None), (fork.id, 1, "b")]
