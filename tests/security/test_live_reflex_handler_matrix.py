"""The authorization matrix for the dashboard: every Reflex event handler x crafted events.

REST has its matrix (tests/api/test_authz_matrix.py); the websocket is another door to the
same services. Every event handler of every page state is enumerated (a new one is covered
the moment it exists) and sent crafted arguments that name team A's resources, from four
tabs: a viewer of team A, a signed-in non-member, an anonymous tab, and a tab whose storage
holds a leaked ``projects:read`` API key of team A's owner as its session (the dashboard
accepts its own session tokens only). Afterwards:
- nothing of team A changed (the services refused every write);
- the state (public and backend-only vars) of every tab but the viewer's holds nothing of
  team A, and none of them is subscribed to a team A topic or shown as a viewer.
"""

from __future__ import annotations

import asyncio
import inspect
import uuid
from typing import Any

import pytest
from sqlmodel import Session, col, func, select

from berrys_app.domain.accounts import TeamMember
from berrys_app.domain.auth import ApiKey, RefreshToken
from berrys_app.domain.automation import ProjectTemplate, Trigger
from berrys_app.domain.collab import Approval, Comment, TeamInvitation
from berrys_app.domain.projects import Project
from berrys_app.domain.webhooks import WebhookDelivery, WebhookEndpoint
from berrys_app.domain.work import PlanVersion
from berrys_app.services import auth, presence
from berrys_app.services.authz import Actor
from berrys_app.ui import live
from tests.api.world import World, build_world

# handlers that start or end the tab's own sign-in (a password reset too): they read no team data
SIGN_IN = {
    "setvar",
    "login",
    "register",
    "oidc_start",
    "oidc_finish",
    "logout",
    "load_login",
    "home",
    "request_reset",
    "confirm_reset",
}
TABS = ("viewer", "outsider", "anonymous", "read_key")


def _state_classes() -> list[type]:
    import berrys_app.ui.pages  # noqa: F401  every page state registered
    from berrys_app.ui.state.session import SessionState

    def below(cls: type) -> list[type]:
        return [c for sub in cls.__subclasses__() for c in (sub, *below(sub))]

    return [SessionState, *below(SessionState)]


def _handlers() -> list[tuple[type, str]]:
    """Every (state class, handler name) a browser can send, each defined once."""
    found, seen = [], set()
    for cls in _state_classes():
        for name, handler in cls.event_handlers.items():
            if name in SIGN_IN or getattr(handler, "is_background", False) or handler.fn in seen:
                continue
            seen.add(handler.fn)
            found.append((cls, name))
    return found


def _argument(name: str, annotation: Any, world: World) -> Any:
    """A crafted value for a handler parameter: team A's ids wherever an id is taken."""
    ids = {
        "team_id": world.team_a,
        "project_id": world.project_id,
        "task_id": world.task_id,
        "approval_id": world.approval_id,
        "invitation_id": world.invitation_id,
        "user_id": world.target_user_id,
        "key_id": world.key_ids["owner"],
        "session_id": world.session_ids["owner"],
        "deliverable_id": world.comment_id,
        "trigger_id": world.trigger_id,
        "webhook_id": world.webhook_id,
        "delivery_id": world.delivery_id,
    }
    if name in ids:
        return str(ids[name])
    named = {
        "form": {"email": "crafted@example.com", "name": "Crafted", "role": "owner", "write": "on"},
        "role": "owner",
        "approve": True,
        "index": 0,
        "field": "title",
        "delta": 1,
        "points": [{"curveNumber": 2, "pointIndex": 0}],
        "path": "notes/readme.md",
        "var_name": "role",
    }
    if name in named:
        return named[name]
    text = str(annotation)
    if "bool" in text:
        return True
    if "int" in text:
        return 0
    return "0"


def _snapshot(session: Session, world: World) -> dict[str, Any]:
    """What a refused write would have changed in team A."""
    session.expire_all()
    project = session.get(Project, world.project_id)
    return {
        "project": (project.status, project.name, project.budget_usd, project.budget_tokens, project.plan_version),
        "plans": session.exec(select(func.count()).where(PlanVersion.project_id == world.project_id)).one(),
        "members": sorted(
            (str(m.user_id), m.role) for m in session.exec(select(TeamMember).where(TeamMember.team_id == world.team_a))
        ),
        "invitations": sorted(
            (str(i.id), str(i.accepted_at))
            for i in session.exec(select(TeamInvitation).where(TeamInvitation.team_id == world.team_a))
        ),
        "approvals": sorted(
            (str(a.id), a.status) for a in session.exec(select(Approval).where(Approval.team_id == world.team_a))
        ),
        "comments": session.exec(select(func.count()).where(Comment.project_id == world.project_id)).one(),
        "projects": session.exec(select(func.count()).where(Project.team_id == world.team_a)).one(),
        "templates": session.exec(select(func.count()).where(ProjectTemplate.team_id == world.team_a)).one(),
        "triggers": session.exec(select(func.count()).where(Trigger.team_id == world.team_a)).one(),
        "webhooks": session.exec(select(func.count()).where(WebhookEndpoint.team_id == world.team_a)).one(),
        "deliveries": sorted(
            (str(d.id), d.status, d.retry_base, str(d.next_attempt_at))
            for d in session.exec(select(WebhookDelivery).where(WebhookDelivery.team_id == world.team_a))
        ),
        "owner_key": str(session.get(ApiKey, world.key_ids["owner"]).revoked_at),
        "owner_session": sorted(
            str(r.revoked_at)
            for r in session.exec(select(RefreshToken).where(col(RefreshToken.family_id) == world.session_ids["owner"]))
        ),
    }


def _secrets(session: Session, world: World) -> list[str]:
    invitation = session.get(TeamInvitation, world.invitation_id)
    return [
        "Apollo",  # the project's name
        "kick-off @member",  # a comment
        world.people["owner"].email,
        world.people["viewer"].email,
        invitation.email,
        "s3cr3t-value",
    ]


def _tab(kind: str, world: World, token: str, credential: str = ""):
    """A root state for one browser tab showing team A's project page (``credential``: what a
    ``read_key`` tab's storage holds)."""
    from reflex.istate.data import RouterData
    from reflex.state import State

    from berrys_app.ui.state.session import SessionState

    root = State(_reflex_internal_init=True)
    path = f"/projects/{world.project_id}"
    root.router_data = {"token": token, "pathname": path, "asPath": path, "sid": f"sid-{token}", "headers": {}}
    root.router = RouterData.from_router_data(root.router_data)
    signed = root.get_substate(SessionState.get_full_name().split(".")[1:])
    if kind == "read_key":
        signed.access_token, signed.refresh_token = credential, ""
    elif kind != "anonymous":
        signed.access_token = world.people[kind].token
    signed.team_id = str(world.team_a)  # crafted: localStorage is the browser's
    return root


def _dump(state: Any) -> str:
    """Every var of the state, the browser's and the backend-only ones."""
    names = set(state.base_vars)
    for klass in type(state).__mro__:  # backend-only vars: the state's own ``_name: type`` fields
        names |= {n for n in vars(klass).get("__annotations__", {}) if n.startswith("_") and not n.startswith("__")}
    values = {}
    for name in names:
        try:
            values[name] = getattr(state, name)
        except AttributeError:  # a ClassVar of Reflex's own
            continue
    return repr(values)


def _drive(result: Any) -> None:
    """Run a handler to its end as Reflex would: async ones awaited, generators drained (a
    coroutine left unawaited would pass the matrix without running a line)."""
    if inspect.isasyncgen(result):

        async def drain() -> None:
            async for _ in result:
                pass

        asyncio.run(drain())
    elif inspect.iscoroutine(result):
        asyncio.run(result)
    elif inspect.isgenerator(result):
        for _ in result:
            pass


@pytest.mark.parametrize("kind", TABS)
def test_crafted_events_reach_no_team_data(session: Session, kind: str) -> None:
    world = build_world(session)
    credential = ""
    if kind == "read_key":  # leaked from a CI job: read-only, but the owner's
        owner = Actor(user_id=world.people["owner"].user_id, label=world.people["owner"].email)
        _, credential = auth.create_api_key(session, owner, name="ci read", scopes=["projects:read"])
        session.commit()
    before = _snapshot(session, world)
    handlers = _handlers()  # (imports every page state before the tab's root state is made)
    token = f"tok-{kind}-{uuid.uuid4().hex[:6]}"
    root = _tab(kind, world, token, credential)
    assert len(handlers) >= 60, "the matrix must cover every page's handlers"

    for cls, name in handlers:
        state = root.get_substate(cls.get_full_name().split(".")[1:])
        handler = getattr(state, name)
        params = list(inspect.signature(cls.event_handlers[name].fn).parameters.values())[1:]
        args = [_argument(p.name, p.annotation, world) for p in params]
        try:
            _drive(handler(*args))
        except Exception as error:  # a refusal must be a visible message, never an unhandled error
            pytest.fail(f"{cls.__name__}.{name}{tuple(args)} as {kind} raised {error!r}")

    assert _snapshot(session, world) == before, f"a crafted event from the {kind} tab changed team A"
    subscribed = {topic for topic, tabs in live._SUBSCRIBERS.items() if token in tabs}
    live.drop_token(token)  # (this process's subscriptions are shared with later tests)
    if kind == "viewer":
        return
    secrets = _secrets(session, world)
    for cls in _state_classes():
        dumped = _dump(root.get_substate(cls.get_full_name().split(".")[1:]))
        leaked = [s for s in secrets if s in dumped]
        assert not leaked, f"{cls.__name__} of the {kind} tab holds team A data: {leaked}"
    for topic in (f"project:{world.project_id}", f"team:{world.team_a}"):
        assert topic not in subscribed, f"the {kind} tab is subscribed to {topic}"
    assert presence.viewers(str(world.project_id)) == [], f"the {kind} tab shows as a viewer"
