"""Two web processes and two workers share one PostgreSQL and one Redis: a browser on each web
process sees the other's changes live, and presence shows the people on both.

The session stack runs the two workers (its own web process keeps tab state on disk, the default
for one process). This module starts web processes A and B with ``BERRYS_TAB_STATE=redis``, each a
``berrys up --workers 0`` with its own data dir and frontend build: A on this host, B on another
host — a network namespace joined by a veth pair, reaching PostgreSQL and Redis through TCP relays
(they listen on this host's loopback only), its browser on the namespace's address. Where
namespaces cannot be made (not root), B runs on loopback on another port.
"""

from __future__ import annotations

import contextlib
import re
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.deploy import netns
from tests.deploy.frontend import copy_frontend
from tests.e2e.helpers import PASSWORD, register, script_model, unique_email
from tests.e2e.stack import ROOT, Stack, _stop_group, _wait_until_up, free_port

pytestmark = pytest.mark.e2e
POSTGRES_PORT, REDIS_PORT = 5432, 6379


@contextlib.contextmanager
def _other_host(stack: Stack) -> Iterator[tuple[str, dict[str, str], list[str]]]:
    """(B's address, how B reaches the stores, the command prefix that runs on B's host)."""
    if not netns.available():
        yield "localhost", {}, []
        return
    with netns.network_namespace() as host, contextlib.ExitStack() as relays:
        stores = {}
        for key, port in (("DATABASE_URL", POSTGRES_PORT), ("REDIS_URL", REDIS_PORT)):
            url = stack.env[key]
            local = int(m.group(1)) if (m := re.search(r"(?:127\.0\.0\.1|localhost):(\d+)", url)) else port
            relays.enter_context(netns.tcp_relay((host.gateway, local), ("127.0.0.1", local)))
            stores[key] = url.replace(f"127.0.0.1:{local}", f"{host.gateway}:{local}").replace(
                f"localhost:{local}", f"{host.gateway}:{local}"
            )
        yield host.address, stores, host.argv([])


@contextlib.contextmanager
def _web_process(stack: Stack, data_dir: Path, *, other_host: bool) -> Iterator[Stack]:
    """A web process beside the stack: same stores, secrets and workers; tab state in Redis."""
    port = free_port()
    web_dir = data_dir / "web"
    # the same frontend sources and node_modules (no second install); each process compiles its
    # own build, which carries its own URL
    copy_frontend(Path(stack.env["REFLEX_WEB_WORKDIR"]), web_dir)
    from berrys_app.settings import get_settings

    host = _other_host(stack) if other_host else contextlib.nullcontext(("localhost", {}, []))
    with host as (address, stores, on_host):
        env = dict(
            stack.env,
            **stores,
            BERRYS_PORT=str(port),
            BERRYS_DATA_DIR=str(data_dir),
            BERRYS_WORKERS="0",
            BERRYS_TAB_STATE="redis",  # what several web processes need (the stack's own keeps disk)
            BERRYS_HOST=address if other_host else "127.0.0.1",  # B is reached at its namespace's address
            BERRYS_PUBLIC_URL=f"http://{address}:{port}",
            REFLEX_WEB_WORKDIR=str(web_dir),
            REFLEX_STATES_WORKDIR=str(data_dir / "states"),
            # the web processes sign and read the same tokens and credentials (as from one Secret)
            SECRET_KEY=get_settings().secret_key,
            ENCRYPTION_KEY=get_settings().encryption_key,
        )
        log_path = data_dir / "platform.log"
        other = Stack(base_url=f"http://{address}:{port}", env=env, log_path=log_path)
        with open(log_path, "ab") as log:
            proc = subprocess.Popen(
                [*on_host, sys.executable, "-m", "berrys_app", "up", "--workers", "0"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        try:
            _wait_until_up(other, proc)
            yield other
        finally:
            _stop_group(proc)


@pytest.fixture(scope="module")
def web_a(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Web process A, on this host."""
    with _web_process(stack, tmp_path_factory.mktemp("web-a"), other_host=False) as web:
        yield web


@pytest.fixture(scope="module")
def web_b(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    """Web process B, on another "host" (a network namespace) where the machine allows it."""
    with _web_process(stack, tmp_path_factory.mktemp("web-b"), other_host=True) as web:
        yield web


def _team_project(owner_email: str, member_email: str, model: str) -> str:
    """The owner's team gains the member; a project with a two-task plan waits for review."""
    from berrys_app.db import session_scope
    from berrys_app.domain.projects import ProjectCreate
    from berrys_app.services import auth, projects, teams
    from berrys_app.services.planning import PlanIn
    from berrys_app.usecases import project_lifecycle

    with session_scope() as session:
        owner = auth.authenticate(session, auth.login(session, email=owner_email, password=PASSWORD).access_token)
        team_id = teams.list_my_teams(session, owner)[0].id
        invitation = teams.add_member(session, owner, team_id, email=member_email, role="member")
        member = auth.authenticate(session, auth.login(session, email=member_email, password=PASSWORD).access_token)
        teams.accept_invitation(session, member, invitation.id)
        data = ProjectCreate(name="Spread berries", objectives=["scale"], model=f"scripted/{model}")
        project = projects.create_project(session, owner, team_id=team_id, data=data)
        session.commit()
        plan = {"tasks": [{"id": "a", "title": "Alpha step"}, {"id": "b", "title": "Beta step", "depends_on": ["a"]}]}
        project_lifecycle.submit_plan(session, owner, project.id, PlanIn.model_validate(plan))
        session.commit()
        return str(project.id)


def test_a_browser_on_each_web_process_sees_the_others_changes_live(web_a, web_b, browser) -> None:
    assert web_a.base_url != web_b.base_url
    on_other_host = "localhost" not in web_b.base_url
    print(f"web B at {web_b.base_url} ({'a network namespace' if on_other_host else 'loopback'})")
    pages = {}
    for name, base_url in (("Olive", web_a.base_url), ("Max", web_b.base_url)):
        context = browser.new_context(base_url=base_url, viewport={"width": 1400, "height": 900})
        context.set_default_timeout(20_000)
        pages[name] = context.new_page()
    olive, max_ = pages["Olive"], pages["Max"]
    emails = {"Olive": unique_email("olive"), "Max": unique_email("max")}
    register(olive, name="Olive", email=emails["Olive"])  # on web process A
    register(max_, name="Max", email=emails["Max"])  # on web process B
    # each tab's state is in Redis (Reflex's Redis state manager), not in a process's memory or disk
    from berrys_app.redis_client import sync_redis

    assert any(sync_redis().scan_iter(match="*_reflex___state____state*", count=1000))
    model = f"spread{uuid.uuid4().hex[:6]}"
    script_model(model, plan="{}", task_replies={"Task: Alpha step": "alpha done", "Task: Beta step": "beta done"})
    project_id = _team_project(emails["Olive"], emails["Max"], model)
    try:
        for page in (olive, max_):
            page.goto(f"/projects/{project_id}")
            expect(page.locator("#project-status")).to_have_attribute("data-status", "plan_review")
        assert olive.url.startswith(web_a.base_url) and max_.url.startswith(web_b.base_url)

        # presence: each process's viewer is shown on the other
        expect(olive.locator('#presence .viewer[data-name="Max"]')).to_have_count(1)
        expect(max_.locator('#presence .viewer[data-name="Olive"]')).to_have_count(1)

        # B's user approves: A's page follows live
        max_.click("#action-approve")
        expect(olive.locator("#project-status")).to_have_attribute("data-status", "ready")

        # A's user executes: the two workers run it, B's board fills live
        olive.click("#action-execute")
        max_.click("#tab-board")
        expect(max_.locator('[data-column="completed"] .task-card')).to_have_count(2, timeout=60_000)
        expect(olive.locator("#project-status")).to_have_attribute("data-status", "completed", timeout=60_000)

        # comments both ways
        olive.click("#tab-timeline")
        max_.click("#tab-timeline")
        olive.fill("#comment-input", "from process A")
        olive.click("#post-comment")
        expect(max_.locator('.timeline-item[data-kind="comment.created"]')).to_contain_text("from process A")
        max_.fill("#comment-input", "from process B")
        max_.click("#post-comment")
        expect(
            olive.locator('.timeline-item[data-kind="comment.created"]').filter(has_text="from process B")
        ).to_have_count(1)

        # B's viewer leaves the project: A's presence bar follows
        max_.click('a.nav-link[href="/profile"]')
        expect(max_.locator("#page-title")).to_have_text("Profile")
        expect(olive.locator('#presence .viewer[data-name="Max"]')).to_have_count(0)
    finally:
        for page in (olive, max_):
            page.context.close()
