"""A finished project whose recorded answers retention trimmed, forked over REST: a replay is
refused with a 409 naming retention (it would play back empty answers); a fork that runs copies the
upstream outputs (retention keeps task outputs) and calls the model again for the rest."""

from __future__ import annotations

from datetime import timedelta

import httpx
from sqlmodel import Session

from berrys_app.domain.accounts import Role
from berrys_app.domain.common import utcnow
from berrys_app.services import retention
from berrys_app.services.authz import Actor
from berrys_app.services.models import scripted
from tests.api.conftest import make_person, make_team
from tests.engine.conftest import wait_for, workers  # noqa: F401  (fixture)
from tests.engine.helpers import project_row, start_project, status_is, tasks_of

PLAN = {
    "tasks": [
        {"id": "a", "title": "Research"},
        {"id": "b", "title": "Write", "depends_on": [{"task": "a", "type": "input"}]},
    ]
}


def _finish(project_id: object) -> None:
    wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=90, what="the project to finish")


async def test_a_trimmed_project_is_not_replayed_and_a_fork_runs_again(
    session: Session,
    workers,  # noqa: F811
    client: httpx.AsyncClient,
) -> None:
    team = make_team(session)
    member = make_person(session, team_id=team, role=Role.member)
    scripted.rule("trim", contains="Task: Research", step={"content": "FACT-42"})
    scripted.rule("trim", contains="Task: Write", step={"content": "written"})
    scripted.rule("trim", contains="one final deliverable", step={"content": "REPORT"})
    workers.start("w1")
    source = start_project(
        session, Actor(user_id=member.user_id, label=member.email), team, PLAN, model="scripted/trim"
    )
    _finish(source)
    assert project_row(source).status == "completed", workers.logs()
    assert scripted.calls("trim") == 3

    report = retention.purge(1, now=utcnow() + timedelta(days=2))  # every call is older than the cutoff
    assert report.excerpts_cleared == 3

    for body in ({"mode": "replay"}, {"mode": "replay", "at_task": "b"}):
        r = await client.post(f"/api/v1/projects/{source}/forks", json=body, headers=member.headers)
        assert r.status_code == 409, (body, r.text)
        problem = r.json()
        assert "retention (BERRYS_RETENTION_DAYS) trimmed" in problem["detail"] and "mode 'run'" in problem["detail"]
        assert problem["details"]["reason"] == "retention"
    assert problem["details"]["trimmed_answers"] == 2  # b's answer and the final report

    r = await client.post(f"/api/v1/projects/{source}/forks", json={"at_task": "b"}, headers=member.headers)
    assert r.status_code == 201, r.text
    fork = r.json()["id"]
    _finish(fork)
    assert project_row(fork).status == "completed", workers.logs()
    assert scripted.calls("trim") == 5  # b and the final report again; a copied
    ours, theirs = tasks_of(fork), tasks_of(source)
    assert (ours["a"].attempt, ours["a"].output) == (0, theirs["a"].output) == (0, "FACT-42")
    assert ours["b"].output == "written"
