"""Attack: an outsider (or a removed member) who knows a project id crafts websocket events.

The project page set ``_loaded_pid`` before checking access, and its 20 s ``heartbeat``
subscribed the tab to ``project:<id>`` and joined presence without a check; ``open_task``
opened the drawer (and its live token stream) for any task id; ``on_live`` was a public
event handler any browser could call with a made-up message. Each handler is driven here
as the websocket would drive it (a tab's state with its router data), against real
PostgreSQL and Redis.
"""

from __future__ import annotations

import inspect
import uuid

from sqlmodel import Session, select

from berrys_app.db import session_scope
from berrys_app.domain.accounts import User
from berrys_app.domain.common import utcnow
from berrys_app.domain.projects import ProjectCreate
from berrys_app.domain.work import Task
from berrys_app.services import auth, presence, projects, teams
from berrys_app.services.authz import Actor
from berrys_app.services.planning import PlanIn
from berrys_app.ui import live
from berrys_app.usecases import project_lifecycle
from tests.live_probes import subscriber_count


def _tab(state_cls, *, email: str, path: str, token: str):
    """A signed-in browser tab of ``state_cls`` showing ``path``."""
    from reflex.istate.data import RouterData
    from reflex.state import State

    with session_scope() as session:
        if session.exec(select(User).where(User.email == email)).first() is None:
            auth.register(session, email=email, password="right-password", name=email.split("@")[0].title())
    with session_scope() as session:
        pair = auth.login(session, email=email, password="right-password")
    root = State(_reflex_internal_init=True)
    root.router_data = {"token": token, "pathname": path, "asPath": path, "sid": f"sid-{token}", "headers": {}}
    root.router = RouterData.from_router_data(root.router_data)
    tab = root.get_substate(state_cls.get_full_name().split(".")[1:])
    tab.access_token, tab.refresh_token = pair.access_token, pair.refresh_token
    return tab


def _project_with_task(session: Session, owner_email: str) -> tuple[uuid.UUID, uuid.UUID, uuid.UUID, Actor]:
    auth.register(session, email=owner_email, password="right-password", name="Olive")
    session.commit()
    owner_user = session.exec(select(User).where(User.email == owner_email)).one()
    owner = Actor(user_id=owner_user.id, label=owner_email)
    team_id = teams.list_my_teams(session, owner)[0].id
    project = projects.create_project(session, owner, team_id=team_id, data=ProjectCreate(name="Secret"))
    session.commit()
    project_lifecycle.submit_plan(
        session, owner, project.id, PlanIn.model_validate({"tasks": [{"id": "a", "title": "Hush"}]})
    )
    session.commit()
    project_lifecycle.approve_plan(session, owner, project.id)
    session.commit()
    task = session.exec(select(Task).where(Task.project_id == project.id)).one()
    return team_id, project.id, task.id, owner


def test_an_outsider_with_a_project_id_gets_no_subscription_presence_or_task_stream(session: Session) -> None:
    from berrys_app.ui.state.project import ProjectState

    _, project_id, task_id, _ = _project_with_task(session, "olive@example.com")
    topic = f"project:{project_id}"
    tab = _tab(ProjectState, email="mallory@example.com", path=f"/projects/{project_id}", token="tok-mallory")

    tab.load()
    assert tab.load_error  # refused, as over REST
    tab.heartbeat("")  # what the page sends every 20 s, crafted at once
    tab.set_tab("timeline")
    tab.open_task(str(task_id))

    assert subscriber_count(topic) == 0, "the outsider's tab is subscribed to the project's live events"
    assert "Mallory" not in presence.viewers(str(project_id)), "the outsider shows up as a viewer"
    assert tab.selected_id == "" and not tab.drawer_open, "the task drawer (and its token stream) opened"
    assert tab.project == {} and tab.filtered_timeline == []
    live.drop_token("tok-mallory")


def test_a_removed_members_heartbeat_does_not_subscribe_the_tab_again(session: Session) -> None:
    from berrys_app.ui.state.project import ProjectState

    team_id, project_id, _, owner = _project_with_task(session, "owen@example.com")
    topic = f"project:{project_id}"
    tab = _tab(ProjectState, email="max@example.com", path=f"/projects/{project_id}", token="tok-max")
    with session_scope() as own:
        teams.add_member(own, owner, team_id, email="max@example.com", role="member")
    _accept_invitation_if_any("max@example.com", team_id)
    tab.load()
    assert tab.load_error == "" and subscriber_count(topic) == 1
    assert "Max" in presence.viewers(str(project_id))

    with session_scope() as own:
        teams.remove_member(own, owner, team_id, uuid.UUID(tab.user_id))
    live.unsubscribe(topic, "tok-max")  # what the member.removed delivery does
    presence.leave(str(project_id), "tok-max")
    tab.heartbeat("")

    assert subscriber_count(topic) == 0, "the removed member's heartbeat subscribed the tab again"
    assert "Max" not in presence.viewers(str(project_id)), "the removed member is a viewer again"
    assert tab.project == {} and tab.filtered_timeline == [], "the tab still shows the project"
    live.drop_token("tok-max")


def _accept_invitation_if_any(email: str, team_id: uuid.UUID) -> None:
    """Membership needs the invited person's acceptance (today's code added them at once)."""
    from berrys_app.services import teams as team_service

    accept = getattr(team_service, "accept_invitation", None)
    if accept is None:
        return
    with session_scope() as own:
        user = own.exec(select(User).where(User.email == email)).one()
        user.email_verified_at = user.email_verified_at or utcnow()  # the invited person proved the address
        actor = Actor(user_id=user.id, label=email)
        for invitation in team_service.my_invitations(own, actor):
            if invitation.team_id == team_id:
                accept(own, actor, invitation.id)


def test_server_pushed_methods_are_not_event_handlers_a_browser_can_call() -> None:
    """``on_live`` (a made-up message applied to any page) and ``apply_membership`` (a made-up
    role) were public methods, so Reflex exposed them to the websocket."""
    import berrys_app.ui.pages  # noqa: F401  every page state registered
    from berrys_app.ui.state.session import SessionState

    exposed = []
    for state_cls in [SessionState, *_subclasses(SessionState)]:
        for name, handler in state_cls.event_handlers.items():
            params = inspect.signature(handler.fn).parameters
            if name in ("on_live", "apply_membership") or "message" in params:
                exposed.append(f"{state_cls.__name__}.{name}")
    assert exposed == [], f"callable from a browser: {exposed}"


def _subclasses(cls: type) -> list[type]:
    found = []
    for sub in cls.__subclasses__():
        found += [sub, *_subclasses(sub)]
    return found
