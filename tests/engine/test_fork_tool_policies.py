"""A fork's tool policy edits, with real PostgreSQL, Redis and worker processes, the scripted model
and a local HTTP server counting the side-effecting tool's requests: the original run calls the
tool without asking anyone; the fork that made its approval policy "always" waits for a person
first, and the fork that constrained its arguments refuses the call the original made."""

from __future__ import annotations

from sqlmodel import Session, select

from berrys_app.domain.collab import Approval
from berrys_app.domain.tools import ApprovalPolicy, ToolCall, ToolCreate, ToolKind, ToolPolicyEdit
from berrys_app.domain.work import Agent
from berrys_app.services.models import scripted
from berrys_app.services.tools import register_tool
from berrys_app.usecases import decisions, forks
from berrys_app.usecases.forks import ForkIn
from tests.engine.conftest import wait_for
from tests.engine.helpers import fresh, project_row, status_is, tasks_of
from tests.engine.helpers import start_project as start
from tests.tools.conftest import HTTP_PARAMETERS, recording_server

PLAN = {"tasks": [{"id": "pay", "title": "Pay", "capabilities": ["pay"]}]}


def _pay_world(session: Session, team, host: str) -> None:
    """A side-effecting http tool the team lets run without asking, and an agent that may use it."""
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


def _script(model: str, url: str) -> None:
    """Rules are matched first (in order), then the queue: the task's first call takes the pushed tool call."""
    scripted.rule(model, contains="one final deliverable", step={"content": "final"})
    scripted.rule(model, contains="arguments_not_allowed", step={"content": "not paid: the project forbids it"})
    scripted.rule(model, contains="HTTP", step={"content": "paid"})  # the tool's result is in the prompt
    _push_pay(model, url)


def _push_pay(model: str, url: str) -> None:
    scripted.push(model, {"tool_calls": [{"name": "pay", "arguments": {"method": "POST", "url": url}}]})


def _finish(project_id) -> None:
    wait_for(lambda: status_is(project_id, "completed", "failed"), timeout=90, what="project to finish")


def _tool_approvals(project_id) -> list[Approval]:
    return fresh(
        lambda s: list(s.exec(select(Approval).where(Approval.project_id == project_id, Approval.kind == "tool")))
    )


def _pay_calls(project_id) -> list[ToolCall]:
    return fresh(
        lambda s: list(s.exec(select(ToolCall).where(ToolCall.project_id == project_id, ToolCall.tool_name == "pay")))
    )


def test_a_fork_that_makes_a_tools_approval_always_waits_for_a_person_where_the_original_did_not(
    session: Session, team, workers
) -> None:
    with recording_server() as server:
        _pay_world(session, team, server.host)
        _script("policy", f"{server.url}/pay")
        workers.env["BERRYS_HTTP_INTERNAL_HOSTS"] = server.host
        workers.start("w1")
        source = start(session, team.member, team.team_id, PLAN, model="scripted/policy")
        _finish(source)
        assert project_row(source).status == "completed", workers.logs()
        assert server.count("/pay") == 1 and _tool_approvals(source) == []  # ran without asking anyone

        _push_pay("policy", f"{server.url}/pay")  # the fork's re-run asks for the same call
        edit = ToolPolicyEdit(tool="pay", approval_policy=ApprovalPolicy.always)
        fork = forks.fork_project(session, team.member, source, ForkIn(at_task="pay", tool_policies=[edit]))
        session.commit()  # the caller owns the transaction
        wait_for(
            lambda: tasks_of(fork.id)["pay"].status == "waiting_approval", timeout=90, what="the fork's call to wait"
        )
        [approval] = _tool_approvals(fork.id)
        assert (approval.status, approval.details["tool"], approval.details["reason"]) == (
            "pending",
            "pay",
            "tool_approval",
        )
        assert server.count("/pay") == 1  # nothing ran in the fork yet
        assert project_row(fork.id).status != "completed"

        decisions.decide_approval(session, team.admin, approval.id, approve=True)
        session.commit()
        _finish(fork.id)
        assert project_row(fork.id).status == "completed", workers.logs()
        assert server.count("/pay") == 2  # approved: it ran exactly once more
        assert tasks_of(fork.id)["pay"].output == "paid"


def test_a_fork_that_constrains_a_tools_arguments_refuses_the_call_the_original_made(
    session: Session, team, workers
) -> None:
    with recording_server() as server:
        _pay_world(session, team, server.host)
        _script("argpolicy", f"{server.url}/pay")
        workers.env["BERRYS_HTTP_INTERNAL_HOSTS"] = server.host
        workers.start("w1")
        source = start(session, team.member, team.team_id, PLAN, model="scripted/argpolicy")
        _finish(source)
        assert project_row(source).status == "completed", workers.logs()
        assert server.count("/pay") == 1

        _push_pay("argpolicy", f"{server.url}/pay")
        only_get = {"properties": {"method": {"enum": ["GET"]}}}
        edit = ToolPolicyEdit(tool="pay", arguments_schema=only_get)
        fork = forks.fork_project(session, team.member, source, ForkIn(at_task="pay", tool_policies=[edit]))
        session.commit()  # the caller owns the transaction
        _finish(fork.id)
        assert project_row(fork.id).status == "completed", workers.logs()
        assert server.count("/pay") == 1  # the fork's POST never left
        [call] = _pay_calls(fork.id)
        assert (call.status, call.error_code) == ("error", "arguments_not_allowed")
        assert "this project's policy for pay does not allow these arguments" in call.content
        assert tasks_of(fork.id)["pay"].output == "not paid: the project forbids it"
