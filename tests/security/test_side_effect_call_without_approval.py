"""Attack (issue 17, finding 3): an agent's side-effecting call ran with no person asked.

A team http tool with ``side_effects`` (default approval policy) is called by an agent.
Before: the target server received the POST at once. Now the task waits (``waiting_approval``,
reason ``tool_approval``) with ONE tool approval in the team's inbox naming the call, its
masked arguments and its target host, and the target has seen nothing.
"""

from __future__ import annotations

from sqlmodel import Session, select

from berrys_app.domain.collab import Approval
from berrys_app.domain.tools import CredentialCreate
from berrys_app.services.models import scripted
from berrys_app.services.tools import create_credential
from tests.engine.conftest import team, wait_for, workers  # noqa: F401  (fixtures)
from tests.engine.helpers import fresh, start_project, status_is, tasks_of
from tests.security.helpers import http_agent, plan
from tests.tools.conftest import recording_server

PAY_SECRET = "pay-Wc81nQz0Lr6TgA2x"


def test_a_side_effect_call_waits_for_a_person(session: Session, team, workers) -> None:  # noqa: F811
    with recording_server() as api:
        create_credential(
            session,
            team.admin,
            team_id=team.team_id,
            data=CredentialCreate(name="PAY", kind="bearer", secret={"token": PAY_SECRET}, allowed_hosts=[api.host]),
        )
        session.commit()
        http_agent(
            session, team.admin, team.team_id, tool="payments", hosts=[api.host], capability="payer", side_effects=True
        )
        headers = {"Authorization": "Bearer ${credentials.PAY}", "X-Api-Key": "literal-key-5566778899"}
        charge = {"method": "POST", "url": f"{api.url}/charge", "headers": headers, "body": "100 EUR"}
        scripted.rule("ungated", contains="one final deliverable", step={"content": "FINAL"})
        scripted.push("ungated", {"tool_calls": [{"name": "payments", "arguments": charge}]}, {"content": "charged"})
        workers.start("w1")
        project_id = start_project(session, team.member, team.team_id, plan("payer"), model="scripted/ungated")
        wait_for(
            lambda: (
                status_is(project_id, "completed", "failed")
                or tasks_of(project_id)["work"].status == "waiting_approval"
            ),
            timeout=90,
            what="the task to wait or the project to finish",
        )

        assert api.count("/charge") == 0, "the side effect ran without a person's approval"
        task = tasks_of(project_id)["work"]
        assert (task.status, task.waiting_reason) == ("waiting_approval", "tool_approval")
        approvals = fresh(
            lambda s: list(s.exec(select(Approval).where(Approval.project_id == project_id, Approval.kind == "tool")))
        )
        assert [a.status for a in approvals] == ["pending"]
        details = approvals[0].details
        assert details["call_key"] == f"task:{task.id}:tool:0:0"
        assert (details["tool"], details["target"]) == ("payments", api.host)
        assert details["arguments"]["headers"] == {
            "Authorization": "Bearer ${credentials.PAY}",
            "X-Api-Key": "[redacted]",
        }
        assert PAY_SECRET not in str(details) and "literal-key-5566778899" not in str(details)
