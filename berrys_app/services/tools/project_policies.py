"""A project's own policy for a team tool: its approval policy and extra argument constraints.

A fork may edit them (``ForkIn.tool_policies``); the fork keeps its source's overrides and applies
the edits on top, so a fork of a fork inherits them. Every call of the tool in the project meets
the override in ``execution._prepare``; ``approval_gate.policy_of`` is the one place the policy
in effect is decided (the project's, else the tool version's).

Who may edit what: a member may only tighten -- an approval policy at least as strict as the one in
effect in the source project (its own, else the strictest of the tool's versions; never <
side_effects < always), and argument constraints that are
added to the inherited ones (a call must match all of them). Loosening an approval policy or
replacing the inherited constraints needs the admin (or owner) role in the team.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError
from sqlalchemy import or_
from sqlmodel import Session, col, select

from berrys_app.domain.accounts import ROLE_RANK, Role
from berrys_app.domain.projects import Project
from berrys_app.domain.tools import APPROVAL_RANK, ProjectToolPolicy, Tool, ToolPolicyEdit, default_approval_policy
from berrys_app.services.authz import PROJECTS_READ, PROJECTS_WRITE, Actor, require_role
from berrys_app.services.errors import Forbidden, NotFound, ValidationFailed
from berrys_app.services.tools.builtins import BUILTIN_TOOLS
from berrys_app.services.tools.context import ToolFailure


def get(session: Session, project_id: uuid.UUID | None, tool_name: str) -> ProjectToolPolicy | None:
    """The project's override of ``tool_name``, if it has one."""
    if project_id is None:
        return None
    return session.get(ProjectToolPolicy, (project_id, tool_name))


def list_policies(session: Session, actor: Actor, project_id: uuid.UUID) -> list[ProjectToolPolicy]:
    """The project's overrides, by tool name (the viewer role may read them)."""
    project = session.get(Project, project_id)
    if project is None:
        raise NotFound("project not found")
    require_role(session, actor, project.team_id, Role.viewer, scope=PROJECTS_READ, what="project")
    return [row for _, row in sorted(of_project(session, project_id).items())]


def of_project(session: Session, project_id: uuid.UUID) -> dict[str, ProjectToolPolicy]:
    rows = session.exec(select(ProjectToolPolicy).where(ProjectToolPolicy.project_id == project_id)).all()
    return {row.tool_name: row for row in rows}


def check_arguments(override: ProjectToolPolicy | None, tool_name: str, arguments: dict[str, Any]) -> None:
    """Refuse arguments outside the project's constraints, saying which ones (for the model)."""
    if override is None or override.arguments_schema is None:
        return
    errors = sorted(
        Draft202012Validator(override.arguments_schema).iter_errors(arguments), key=lambda e: list(e.absolute_path)
    )
    if errors:
        lines = [f"- {'/'.join(str(p) for p in e.absolute_path) or '(arguments)'}: {e.message}" for e in errors[:8]]
        raise ToolFailure(
            "arguments_not_allowed",
            f"this project's policy for {tool_name} does not allow these arguments:\n" + "\n".join(lines),
        )


def _field(index: int) -> str:
    return f"tool_policies[{index}]"


def _check_edit_schema(index: int, schema: dict[str, Any]) -> None:
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as exc:
        raise ValidationFailed(
            f"{_field(index)}.arguments_schema is not valid JSON Schema: {exc.message}",
            details={"field": f"{_field(index)}.arguments_schema"},
        ) from exc


def apply_edits(
    session: Session,
    actor: Actor,
    *,
    team_id: uuid.UUID,
    source_id: uuid.UUID,
    fork_id: uuid.UUID,
    edits: Sequence[ToolPolicyEdit],
) -> list[str]:
    """Give the fork its source's overrides with ``edits`` applied (checked: a tool the team has,
    tighten-only below admin); returns the names of the edited tools. The fork row must be flushed."""
    inherited = of_project(session, source_id)
    seen: set[str] = set()
    changed: dict[str, ProjectToolPolicy] = {}
    for index, edit in enumerate(edits):
        if edit.tool in seen:
            raise ValidationFailed(
                f"{_field(index)}.tool: {edit.tool!r} is edited twice; give one edit per tool",
                details={"field": f"{_field(index)}.tool"},
            )
        seen.add(edit.tool)
        versions = _version_policies(session, edit.tool, team_id)
        if not versions:
            raise ValidationFailed(
                f"{_field(index)}.tool: the team has no tool named {edit.tool!r}",
                details={"field": f"{_field(index)}.tool", "tool": edit.tool},
            )
        if edit.approval_policy is None and edit.arguments_schema is None and not edit.replace_arguments_schema:
            raise ValidationFailed(
                f"{_field(index)}: say what changes for {edit.tool} (approval_policy or arguments_schema)",
                details={"field": _field(index)},
            )
        old = inherited.get(edit.tool)
        now = old.approval_policy if old and old.approval_policy else max(versions, key=APPROVAL_RANK.__getitem__)
        new_policy = edit.approval_policy.value if edit.approval_policy else old.approval_policy if old else None
        if new_policy is not None and APPROVAL_RANK[new_policy] < APPROVAL_RANK[now]:
            _require_admin(
                session, actor, team_id, f"loosening {edit.tool}'s approval policy from {now} to {new_policy}"
            )
        schema = old.arguments_schema if old is not None else None
        if edit.replace_arguments_schema:
            if schema is not None:
                _require_admin(session, actor, team_id, f"replacing {edit.tool}'s inherited argument constraints")
            schema = None
        if edit.arguments_schema is not None:
            _check_edit_schema(index, edit.arguments_schema)
            schema = edit.arguments_schema if schema is None else {"allOf": [schema, edit.arguments_schema]}
        changed[edit.tool] = ProjectToolPolicy(
            project_id=fork_id,
            tool_name=edit.tool,
            approval_policy=new_policy,
            arguments_schema=schema,
            created_by=actor.user_id,
        )
    for name, row in inherited.items():
        if name not in changed:
            session.add(
                ProjectToolPolicy(
                    project_id=fork_id,
                    tool_name=name,
                    approval_policy=row.approval_policy,
                    arguments_schema=row.arguments_schema,
                    created_by=row.created_by,
                )
            )
    for row in changed.values():
        if row.approval_policy is not None or row.arguments_schema is not None:
            session.add(row)
    return sorted(changed)


def _version_policies(session: Session, name: str, team_id: uuid.UUID) -> list[str]:
    """The approval policies of every version of the tool the team sees (its own and the built-ins,
    whose rows are seeded on first use, so their code definition counts too); empty: no such tool.
    The strictest is what a member may not go below: an agent may pin an older, stricter version,
    and a project's policy applies to every version."""
    stored = session.exec(
        select(Tool.approval_policy).where(Tool.name == name, or_(col(Tool.team_id).is_(None), Tool.team_id == team_id))
    ).all()
    builtin = [
        spec.approval_policy.value if spec.approval_policy else default_approval_policy(spec.kind)
        for spec in BUILTIN_TOOLS
        if spec.name == name
    ]
    return [*stored, *builtin]


def _require_admin(session: Session, actor: Actor, team_id: uuid.UUID, what: str) -> None:
    role = require_role(session, actor, team_id, Role.member, scope=PROJECTS_WRITE, what="project")
    if ROLE_RANK[role] < ROLE_RANK[Role.admin]:
        raise Forbidden(f"{what} needs the admin role in the team; a {role.value} may only tighten a tool's policy")
