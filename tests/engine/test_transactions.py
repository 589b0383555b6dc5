"""The caller owns the transaction (issue 19): a project action, its events, its audit row and the
jobs it makes due commit together or not at all. Before, ``projects`` committed inside each call
and the audited wrappers added the audit row in a second transaction: a failure between the two
left an approved plan with no audit row, and its jobs already queued."""

from __future__ import annotations

import redis
from arq.constants import job_key_prefix
from sqlmodel import Session, select

from berrys_app.domain.auth import AuditEntry
from berrys_app.domain.projects import ProjectCreate
from berrys_app.engine.jobs import plan_job
from berrys_app.services import projects
from berrys_app.usecases import project_lifecycle
from tests.engine.helpers import events_of, project_row


def _planned(session: Session, team) -> object:
    project = projects.create_project(session, team.member, team_id=team.team_id, data=ProjectCreate(name="Tx"))
    session.commit()
    project_lifecycle.submit_plan(session, team.member, project.id, {"tasks": [{"id": "a", "title": "Alpha"}]})
    session.commit()
    return project


def _audited(session: Session, action: str) -> list[AuditEntry]:
    return list(session.exec(select(AuditEntry).where(AuditEntry.action == action)))


def test_a_plan_approval_rolled_back_leaves_no_trace(session: Session, team) -> None:
    project = _planned(session, team)

    project_lifecycle.approve_plan(session, team.member, project.id)
    session.rollback()  # the caller's transaction fails after the call

    assert project_row(project.id).status == "plan_review"
    assert _audited(session, "plan.approved") == []
    assert events_of(project.id, "plan.approved") == []


def test_a_plan_approval_commits_with_its_audit_row_and_events(session: Session, team) -> None:
    project = _planned(session, team)

    project_lifecycle.approve_plan(session, team.member, project.id)
    with Session(session.get_bind()) as other:
        assert _audited(other, "plan.approved") == []  # nothing visible before commit
    session.commit()

    assert project_row(project.id).status == "ready"
    [entry] = _audited(session, "plan.approved")
    assert entry.target_id == str(project.id)
    assert len(events_of(project.id, "plan.approved")) == 1


def test_a_plan_request_queues_its_job_only_when_the_caller_commits(session: Session, team, redis_url) -> None:
    project = projects.create_project(session, team.member, team_id=team.team_id, data=ProjectCreate(name="Q"))
    session.commit()
    client = redis.Redis.from_url(redis_url)
    job_key = job_key_prefix + plan_job(project.id, 1).job_id

    project_lifecycle.request_plan(session, team.member, project.id)
    assert not client.exists(job_key)  # a worker must not see a project it cannot read yet
    session.rollback()
    assert not client.exists(job_key)

    project_lifecycle.request_plan(session, team.member, project.id)
    session.commit()
    assert client.exists(job_key)
    assert project_row(project.id).status == "planning"
