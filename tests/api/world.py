"""A small world for authorization tests: team A with one person per role and one of every
resource, plus an outsider whose only team is B. Built with the services, committed."""

from __future__ import annotations

import sys
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlmodel import Session, select

from berrys_app.domain.accounts import Role, User
from berrys_app.domain.automation import ProjectTemplateCreate, TriggerCreate
from berrys_app.domain.models import ModelEntry
from berrys_app.domain.projects import ProjectCreate
from berrys_app.domain.tools import CredentialCreate, McpServer
from berrys_app.domain.webhooks import WebhookDelivery, WebhookEndpoint
from berrys_app.domain.work import AgentTemplate, Task
from berrys_app.services import auth, collab, projects, sessions, teams, templates, tools, triggers
from berrys_app.services.authz import Actor
from berrys_app.services.tools import vault
from berrys_app.usecases import project_lifecycle
from tests.api.conftest import Person, make_person, make_team

CALLERS = ("outsider", "viewer", "member", "admin", "owner")
RANK = {"viewer": 0, "member": 1, "admin": 2, "owner": 3}
MCP_SERVER_SCRIPT = str(Path(__file__).parents[1] / "tools" / "mcp_server_app.py")
PLAN = {
    "summary": "two steps",
    "tasks": [{"id": "a", "title": "Research"}, {"id": "b", "title": "Write", "depends_on": ["a"]}],
}


@dataclass
class World:
    team_a: uuid.UUID
    people: dict[str, Person]
    target_user_id: uuid.UUID  # a viewer of team A that no caller is (role changes, removal)
    spare_email: str  # an account outside team A (to add as a member)
    project_id: uuid.UUID
    task_id: uuid.UUID
    comment_id: uuid.UUID
    approval_id: uuid.UUID
    credential_id: uuid.UUID
    invitation_id: uuid.UUID
    agent_id: uuid.UUID
    mcp_server_id: uuid.UUID
    model_id: uuid.UUID  # a model of team A's own catalogue
    template_id: uuid.UUID | None = None  # an agent template (global)
    project_template_id: uuid.UUID | None = None
    trigger_id: uuid.UUID | None = None
    webhook_id: uuid.UUID | None = None
    delivery_id: uuid.UUID | None = None
    key_ids: dict[str, uuid.UUID] = field(default_factory=dict)
    session_ids: dict[str, uuid.UUID] = field(default_factory=dict)  # each caller's own login
    my_invitation_ids: dict[str, uuid.UUID] = field(default_factory=dict)  # an invitation to each caller

    def secrets_of_a(self) -> list[str]:
        """Identifiers an outsider must never see."""
        return [
            str(self.team_a),
            str(self.project_id),
            str(self.task_id),
            str(self.comment_id),
            str(self.approval_id),
            str(self.credential_id),
            str(self.mcp_server_id),
            str(self.model_id),
            str(self.project_template_id),
            str(self.webhook_id),
            self.people["owner"].email,
        ]

    def path_params(self, caller: str) -> dict[str, Any]:
        return {
            "team_id": self.team_a,
            "project_id": self.project_id,
            "task_id": self.task_id,
            "task_key": "a",
            "comment_id": self.comment_id,
            "approval_id": self.approval_id,
            "credential_id": self.credential_id,
            "invitation_id": self.invitation_id,
            "agent_id": self.agent_id,
            "server_id": self.mcp_server_id,
            "model_id": self.model_id,
            "user_id": self.target_user_id,
            "key_id": self.key_ids[caller],
            "session_id": self.session_ids[caller],
            "my_invitation_id": self.my_invitation_ids[caller],
            "name": "python",
            "template_id": self.template_id,
            "project_template_id": self.project_template_id,
            "trigger_id": self.trigger_id,
            "webhook_id": self.webhook_id,
            "delivery_id": self.delivery_id,
        }

    def body(self, method: str, path: str) -> Any:
        """A body that passes request validation, so only authorization decides."""
        bodies: dict[tuple[str, str], Any] = {
            ("POST", "/api/v1/api-keys"): {"name": "k", "scopes": ["projects:read"]},
            ("POST", "/api/v1/approvals/{approval_id}/approve"): {},
            ("POST", "/api/v1/approvals/{approval_id}/reject"): {"reason": "no"},
            ("POST", "/api/v1/projects/{project_id}/comments"): {"body": "looks good @viewer"},
            ("POST", "/api/v1/projects"): {"name": "New", "team_id": str(self.team_a)},
            ("PATCH", "/api/v1/projects/{project_id}"): {"name": "Renamed"},
            ("POST", "/api/v1/projects/{project_id}/plan"): {"summary": "s", "tasks": [{"id": "x", "title": "X"}]},
            ("POST", "/api/v1/projects/{project_id}/plan/reject"): {"reason": "too vague"},
            ("POST", "/api/v1/projects/{project_id}/pause"): {"reason": "lunch"},
            ("POST", "/api/v1/projects/{project_id}/cancel"): {"reason": "done"},
            ("POST", "/api/v1/projects/{project_id}/forks"): {"at_task": "b", "description": "again"},
            ("POST", "/api/v1/teams"): {"name": "Another"},
            ("PATCH", "/api/v1/teams/{team_id}"): {"name": "Renamed"},
            ("POST", "/api/v1/teams/{team_id}/members"): {"email": self.spare_email, "role": "member"},
            ("PATCH", "/api/v1/teams/{team_id}/members/{user_id}"): {"role": "member"},
            ("PUT", "/api/v1/teams/{team_id}/default-model"): {"model": None},
            ("POST", "/api/v1/invitations/accept"): {"token": "not-a-mailed-token"},
            ("POST", "/api/v1/teams/{team_id}/invitations"): {
                "email": f"new-{uuid.uuid4().hex[:8]}@example.com",
                "role": "viewer",
            },
            ("POST", "/api/v1/teams/{team_id}/tools"): {
                "name": "team_tool",
                "kind": "python",
                "description": "adds",
                "config": {"code": "def run(**kw):\n    return 1\n"},
            },
            ("PUT", "/api/v1/projects/{project_id}/files/content"): {"content": "# notes\n"},
            ("POST", "/api/v1/teams/{team_id}/mcp-servers"): mcp_server_body(),
            ("POST", "/api/v1/teams/{team_id}/models"): {
                "name": f"openai/team-{uuid.uuid4().hex[:10]}",
                "capabilities": ["chat", "tools"],
                "context_window": 128000,
                "input_price": 0.0000002,
                "output_price": 0.0000008,
                "fallbacks": ["embedded/smollm2"],
            },
            ("PATCH", "/api/v1/models/{model_id}"): {"active": False, "display_name": "Ours"},
            ("PUT", "/api/v1/projects/{project_id}/agents/{agent_id}/budget"): {"budget_tokens": 1000},
            ("PUT", "/api/v1/teams/{team_id}/agents/{agent_id}/tools"): {"allowed_tools": ["python"]},
            ("PUT", "/api/v1/teams/{team_id}/agent-templates/{template_id}/tools"): {"allowed_tools": ["python"]},
            ("POST", "/api/v1/teams/{team_id}/credentials"): {
                "name": "other",
                "kind": "bearer",
                "secret": {"token": "t0ps3cret"},
                "allowed_hosts": ["api.example.com"],
            },
            ("POST", "/api/v1/teams/{team_id}/project-templates"): PROJECT_TEMPLATE,
            ("PATCH", "/api/v1/project-templates/{project_template_id}"): {"description": "edited"},
            ("POST", "/api/v1/project-templates/{project_template_id}/projects"): {"params": {"topic": "x"}},
            ("POST", "/api/v1/project-templates/{project_template_id}/triggers"): {"name": "n", "kind": "webhook"},
            ("PATCH", "/api/v1/triggers/{trigger_id}"): {"name": "renamed"},
            ("POST", "/api/v1/teams/{team_id}/webhooks"): {
                "url": "http://127.0.0.1:9/hook",
                "event_types": ["project.created"],
            },
            ("PATCH", "/api/v1/webhooks/{webhook_id}"): {"description": "edited"},
            ("PUT", "/api/v1/teams/{team_id}/credentials/{credential_id}/binding"): {
                "allowed_hosts": ["api.example.com"],
                "header_names": ["Authorization"],
            },
        }
        if (method, path) in bodies:
            return bodies[(method, path)]
        if method in ("POST", "PATCH", "PUT"):
            return None  # no body (the route takes none, or an optional one)
        return None

    def query(self, method: str, path: str) -> dict[str, str]:
        if path.endswith("/events/stream"):
            return {"follow": "false"}
        if path.endswith("/files/content"):
            return {"path": "notes/readme.md"}
        if path.endswith("/diff"):
            return {"against": str(self.project_id)}
        return {}


PROJECT_TEMPLATE = {
    "name": "Report",
    "parameters": [{"name": "topic"}],
    "body": {"project": {"name": "Report on {{topic}}"}, "plan": PLAN},
}


def mcp_server_body(name: str | None = None) -> dict[str, Any]:
    """The tests' stdio MCP server under a fresh name (MCP server names are unique)."""
    return {
        "name": name or f"m{uuid.uuid4().hex[:12]}",
        "transport": "stdio",
        "command": sys.executable,
        "args": [MCP_SERVER_SCRIPT],
        "timeout_s": 20,
    }


def build_world(session: Session) -> World:
    team_a = make_team(session, "Team A")
    people = {role.value: make_person(session, team_id=team_a, role=role) for role in Role}
    people["outsider"] = make_person(session)
    target = make_person(session, team_id=team_a, role=Role.viewer)
    spare = make_person(session)
    owner = Actor(user_id=people["owner"].user_id, label=people["owner"].email)
    project = projects.create_project(session, owner, team_id=team_a, data=ProjectCreate(name="Apollo"))
    session.commit()
    project_lifecycle.submit_plan(session, owner, project.id, PLAN)
    session.commit()
    approval = collab.open_approval(
        session, team_id=team_a, kind="plan", project_id=project.id, title="Review the plan of Apollo"
    )
    project_lifecycle.approve_plan(session, owner, project.id)
    session.commit()
    task = session.exec(Task.__table__.select().where(Task.project_id == project.id)).first()  # type: ignore[attr-defined]
    comment = collab.add_comment(session, owner, project_id=project.id, body="kick-off @member")
    tools.put_artifact(session, owner, project_id=project.id, path="notes/readme.md", content="hello")
    session.commit()
    credential = tools.create_credential(
        session,
        owner,
        team_id=team_a,
        data=CredentialCreate(name="api", kind="bearer", secret={"token": "s3cr3t-value"}),
    )
    session.commit()
    invitation = teams.invite(session, owner, team_a, email=f"later-{uuid.uuid4().hex[:8]}@example.com", role="member")
    mcp_server = McpServer(team_id=team_a, **mcp_server_body())  # stored, discovered on refresh
    model = ModelEntry(name=f"openai/a-{uuid.uuid4().hex[:10]}", provider="openai", team_id=team_a, active=False)
    session.add_all([mcp_server, model])
    session.flush()
    project_template = templates.create_template(
        session, owner, team_id=team_a, data=ProjectTemplateCreate.model_validate(PROJECT_TEMPLATE)
    )
    trigger = triggers.create_trigger(session, owner, project_template.id, TriggerCreate(name="ci", kind="webhook"))
    webhook = WebhookEndpoint(
        team_id=team_a, url="http://127.0.0.1:9/hook", event_types=["project.created"], secret_sealed=vault.seal("s")
    )
    session.add(webhook)
    session.flush()
    delivery = WebhookDelivery(endpoint_id=webhook.id, team_id=team_a, event_id=1, event_type="project.created")
    session.add(delivery)
    session.flush()
    world = World(
        team_a=team_a,
        people=people,
        target_user_id=target.user_id,
        spare_email=spare.email,
        project_id=project.id,
        task_id=task.id,
        comment_id=comment.id,
        approval_id=approval.id,
        credential_id=credential.id,
        invitation_id=invitation.id,
        agent_id=projects.list_agents(session, owner, project.id)[0].id,
        mcp_server_id=mcp_server.id,
        model_id=model.id,
        template_id=session.exec(select(AgentTemplate)).first().id,
        project_template_id=project_template.id,
        trigger_id=trigger.id,
        webhook_id=webhook.id,
        delivery_id=delivery.id,
    )
    team_c = make_team(session, "Team C")  # invites every caller (their own invitations)
    inviter_c = make_person(session, team_id=team_c, role=Role.owner)
    inviter = Actor(user_id=inviter_c.user_id, label=inviter_c.email)
    for name, person in people.items():
        actor = Actor(user_id=person.user_id, label=person.email)
        row, _ = auth.create_api_key(session, actor, name=f"{name} key", scopes=["*"])
        world.key_ids[name] = row.id
        pair = sessions.issue_tokens(session, user=session.get(User, person.user_id))
        session.flush()
        world.session_ids[name] = sessions.family_of(session, pair.refresh_token)
        world.my_invitation_ids[name] = teams.invite(session, inviter, team_c, email=person.email, role="viewer").id
    session.commit()
    return world
