"""Fork, replay and retry-from-here: re-run part of a project without paying again for the rest.

A fork is a new project with the same plan: every task upstream of the fork point is copied with
its recorded output and its model/tool call rows (``copied_from_id``; zero tokens, nothing called
again), the fork point and everything downstream run again, optionally with edits (the fork
point's description, the model, the outputs of copied tasks it reads, a team tool's approval
policy or argument constraints -- ``tools/project_policies.py``, tighten-only below admin). A
replay re-runs the tasks on the ``replay/recorded`` model (``services/models/replay.py``): every
model call is answered from the source's recorded rows and every tool call replays its copied
row -- no provider, no side effect; a project whose recorded answers retention trimmed cannot be replayed
(409; a fork in ``run`` mode copies the upstream tasks' outputs, which retention keeps, and calls
the model again for the rest). "Retry from here" is the in-place form: a new plan version
holds the failed task and everything downstream; the completed tasks stay and are built on, as
after a replan.

These are lifecycle requests (a fork's plan is approved at once and starts; retry-from-here
approves a new plan version), so they live above the engine with ``project_lifecycle``; the
reads of forks are ``services/fork_views.py`` and ``services/fork_plan.py``.
"""

from __future__ import annotations

import uuid
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints
from sqlmodel import Session

from berrys_app.domain.accounts import Role
from berrys_app.domain.event_kinds import EventKind
from berrys_app.domain.projects import Project, ProjectStatus
from berrys_app.domain.tools import ToolPolicyEdit
from berrys_app.domain.work import TaskStatus
from berrys_app.engine import lifecycle
from berrys_app.services import fork_plan, planning, retention
from berrys_app.services.authz import Actor
from berrys_app.services.errors import Conflict, NotFound, ValidationFailed
from berrys_app.services.events import emit, send_after_commit
from berrys_app.services.models import catalogue_teams
from berrys_app.services.models.replay import REPLAY_MODEL
from berrys_app.services.projects import authorized
from berrys_app.services.tools import project_policies

S = ProjectStatus
FORKABLE = frozenset({S.completed, S.failed, S.cancelled})
RETRYABLE = frozenset({S.failed, S.executing, S.paused})


class TaskEdits(BaseModel):
    """What a person may change on the task that runs again."""

    description: str | None = Field(default=None, max_length=20_000)  # the fork point's description (its prompt)
    model: str | None = Field(default=None, max_length=200)  # the model the re-run tasks use


class ForkIn(TaskEdits):
    at_task: str | None = Field(default=None, min_length=1, max_length=100)  # the fork point's key
    mode: Literal["run", "replay"] = "run"  # replay: answers come from the source's recorded calls
    name: str | None = Field(default=None, min_length=1, max_length=200)
    # recorded outputs of copied (upstream) tasks replaced before the fork point reads them
    inputs: dict[str, Annotated[str, StringConstraints(max_length=200_000)]] = Field(
        default_factory=dict, max_length=100
    )
    # the fork's own approval policy / argument constraints for team tools (``tools.project_policies``)
    tool_policies: list[ToolPolicyEdit] = Field(default_factory=list, max_length=50)


def fork_project(session: Session, actor: Actor, project_id: uuid.UUID, data: ForkIn) -> Project:
    """A new project from ``project_id`` at ``data.at_task`` (a replay may leave it out: all tasks
    run again); it starts at once. Needs the member role in the source's team."""
    source = authorized(session, actor, project_id, Role.member)
    if source.status not in FORKABLE:
        raise Conflict(
            f"only a completed, failed or cancelled project can be forked; this one is {source.status}",
            details={"status": source.status},
        )
    effective = fork_plan.effective_tasks(session, source)
    if not effective.tasks:
        raise Conflict("the project has no tasks to fork (it was never planned)")
    if data.at_task is None and data.mode == "run":
        raise ValidationFailed("at_task: name the task to fork at", details={"field": "at_task"})
    if data.at_task is not None and data.at_task not in effective.tasks:
        raise ValidationFailed(
            f"at_task: the project has no task {data.at_task!r}",
            details={"field": "at_task", "known": sorted(effective.tasks)},
        )
    if data.mode == "replay" and data.model is not None:
        raise ValidationFailed("model: a replay answers from the recorded calls; it takes no model")
    if data.description is not None and data.at_task is None:
        raise ValidationFailed("description: an edited description needs at_task (the task it replaces)")
    if data.mode == "replay" and data.tool_policies:
        raise ValidationFailed(
            "tool_policies: a replay answers every tool call from the recorded ones; it takes no tool policy edits",
            details={"field": "tool_policies"},
        )
    roots = {data.at_task} if data.at_task else set(effective.tasks)
    rerun = effective.downstream(roots | fork_plan.not_completed(effective.tasks))
    copied = {key: effective.tasks[key].output or "" for key in effective.tasks if key not in rerun}
    wrong = sorted(set(data.inputs) - set(copied))
    if wrong:
        raise ValidationFailed(
            f"inputs: only copied (upstream) tasks can have their output replaced; not {', '.join(wrong)}",
            details={"field": "inputs", "keys": wrong},
        )
    copied.update(data.inputs)
    if data.mode == "replay" and (trimmed := retention.trimmed_answers(session, source.id, task_keys=sorted(rerun))):
        raise Conflict(
            f"cannot replay: retention (BERRYS_RETENTION_DAYS) trimmed {trimmed} recorded answer(s) a replay would "
            "play back; fork it with mode 'run' to call the model again for the tasks that re-run",
            details={"reason": "retention", "trimmed_answers": trimmed},
        )
    model = REPLAY_MODEL if data.mode == "replay" else data.model or source.model
    if data.model is not None:
        catalogue_teams.check_model_choice(session, source.team_id, data.model)
    fork = Project(
        name=(data.name or "").strip() or _fork_name(source.name, data.at_task, data.mode),
        description=source.description,
        objectives=list(source.objectives),
        max_agents=source.max_agents,
        budget_usd=source.budget_usd,
        budget_tokens=source.budget_tokens,
        model=model,
        max_task_attempts=1 if data.mode == "replay" else source.max_task_attempts,
        max_replans=0 if data.mode == "replay" else source.max_replans,  # a replay has nothing to replan with
        team_id=source.team_id,
        created_by=actor.user_id,
        forked_from_project_id=source.id,
        forked_at_task_key=data.at_task,
        fork_mode=data.mode,
    )
    session.add(fork)
    session.flush()
    edited = project_policies.apply_edits(
        session, actor, team_id=source.team_id, source_id=source.id, fork_id=fork.id, edits=data.tool_policies
    )
    payload = {
        "forked_from": str(source.id),
        "at_task": data.at_task,
        "mode": data.mode,
        "copied": sorted(copied),
        "tool_policies": edited,
    }
    emit(
        session,
        EventKind.PROJECT_CREATED,
        project_id=fork.id,
        team_id=fork.team_id,
        **_by(actor),
        payload={"name": fork.name},
    )
    emit(session, EventKind.PROJECT_FORKED, project_id=fork.id, team_id=fork.team_id, **_by(actor), payload=payload)
    emit(
        session,
        EventKind.PROJECT_FORK_CREATED,
        project_id=source.id,
        team_id=source.team_id,
        **_by(actor),
        payload={"fork_id": str(fork.id), "name": fork.name, "at_task": data.at_task, "mode": data.mode},
    )
    descriptions = {data.at_task: data.description} if data.at_task and data.description is not None else {}
    validated = planning.validate_plan(effective.plan(descriptions=descriptions))
    why = f"fork of {source.name} at {data.at_task}" if data.at_task else f"replay of {source.name}"
    lifecycle.transition(session, fork, S.planning, actor=actor, reason=why)
    planning.store_plan_version(session, fork, validated, source="fork", actor=actor, reason=why)
    lifecycle.transition(session, fork, S.plan_review, actor=actor, reason=why)
    jobs = lifecycle.approve(session, fork, actor=actor, copied=copied)
    _copy_recorded_calls(session, source, fork, effective, copied=set(copied), replay=data.mode == "replay")
    send_after_commit(session, jobs)
    return fork


def _copy_recorded_calls(
    session: Session,
    source: Project,
    fork: Project,
    effective: fork_plan.EffectiveTasks,
    *,
    copied: set[str],
    replay: bool,
) -> None:
    """Copied tasks get their model and tool call rows; a replay's re-run tasks get their tool call
    rows too, so each tool call replays its recorded result instead of acting again."""
    new_ids = fork_plan.current_task_ids(session, fork)
    pairs = {key: (effective.tasks[key].id, new_ids[key]) for key in effective.tasks if key in new_ids}
    fork_plan.copy_calls(
        session,
        fork.id,
        model_calls=dict(pairs[key] for key in copied if key in pairs),
        tool_calls=dict(pairs[key] for key in pairs if replay or key in copied),
    )


def retry_from_here(session: Session, actor: Actor, project_id: uuid.UUID, task_key: str, edits: TaskEdits) -> Project:
    """In place: a failed task and everything downstream run again (a new plan version); the
    completed tasks stay. Needs the member role; the project must have no task running."""
    project = authorized(session, actor, project_id, Role.member, lock=True)
    effective = fork_plan.effective_tasks(session, project)
    task = effective.tasks.get(task_key)
    if task is None or task.plan_version != project.plan_version:
        raise NotFound(f"task {task_key!r} not found in the project's current plan")
    if task.status != TaskStatus.failed.value:
        raise Conflict(f"only a failed task can be retried from here; {task_key} is {task.status}")
    if project.status not in RETRYABLE:
        raise Conflict(f"a {project.status} project cannot retry a task", details={"status": project.status})
    running = sorted(key for key, t in effective.tasks.items() if t.status == TaskStatus.running.value)
    if running:
        raise Conflict(
            f"tasks are running ({', '.join(running)}): pause the project first", details={"running": running}
        )
    if edits.model is not None:
        catalogue_teams.check_model_choice(session, project.team_id, edits.model)
        project.model = edits.model
    rerun = effective.downstream({task_key} | fork_plan.not_completed(effective.tasks))
    descriptions = {task_key: edits.description} if edits.description is not None else {}
    done = planning.completed_task_keys(session, project.id)
    validated = planning.validate_plan(effective.plan(rerun, descriptions=descriptions), done_keys=set(done))
    why = f"retry from {task_key}"
    emit(
        session,
        EventKind.TASK_RETRY_FROM_HERE,
        project_id=project.id,
        team_id=project.team_id,
        task_id=task.id,
        **_by(actor),
        payload={"key": task_key, "rerun": sorted(rerun), "edited": sorted(edits.model_dump(exclude_none=True))},
    )
    lifecycle.transition(session, project, S.planning, actor=actor, reason=why)
    planning.store_plan_version(session, project, validated, source="retry", actor=actor, reason=why)
    lifecycle.transition(session, project, S.plan_review, actor=actor, reason=why)
    jobs = lifecycle.approve(session, project, actor=actor)
    send_after_commit(session, jobs)
    return project


def _by(actor: Actor) -> dict[str, object]:
    return {"actor_id": actor.user_id, "actor": actor.label}


def _fork_name(name: str, at_task: str | None, mode: str) -> str:
    suffix = f" (fork at {at_task})" if mode == "run" else f" (replay from {at_task})" if at_task else " (replay)"
    return (name[: 200 - len(suffix)] + suffix).strip()
