"""Engine fixtures: a team with one user per role, worker processes, polling helpers."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import Session

from berrys_app.domain.accounts import Role, Team, TeamMember, User
from berrys_app.services.authz import Actor
from berrys_app.settings import get_settings

REPO = Path(__file__).resolve().parents[2]


@dataclass
class TeamFixture:
    team_id: uuid.UUID
    actors: dict[str, Actor] = field(default_factory=dict)

    @property
    def owner(self) -> Actor:
        return self.actors["owner"]

    @property
    def member(self) -> Actor:
        return self.actors["member"]

    @property
    def viewer(self) -> Actor:
        return self.actors["viewer"]

    @property
    def admin(self) -> Actor:
        return self.actors["admin"]


@pytest.fixture
def team(session: Session) -> TeamFixture:
    """A team with an owner, admin, member and viewer (and an outsider in another team)."""
    team_row = Team(name="engine team")
    other = Team(name="other team")
    session.add_all([team_row, other])
    session.flush()
    fixture = TeamFixture(team_id=team_row.id)
    for role in (Role.owner, Role.admin, Role.member, Role.viewer):
        user = User(email=f"{role.value}-{uuid.uuid4().hex[:6]}@example.com", name=role.value)
        session.add(user)
        session.flush()
        session.add(TeamMember(team_id=team_row.id, user_id=user.id, role=role.value))
        fixture.actors[role.value] = Actor(user_id=user.id, label=user.email)
    outsider = User(email=f"outsider-{uuid.uuid4().hex[:6]}@example.com")
    session.add(outsider)
    session.flush()
    session.add(TeamMember(team_id=other.id, user_id=outsider.id, role=Role.owner.value))
    fixture.actors["outsider"] = Actor(user_id=outsider.id, label=outsider.email)
    session.commit()
    return fixture


def wait_for(
    predicate: Callable[[], Any], *, timeout: float = 20.0, interval: float = 0.02, what: str = "condition"
) -> Any:
    """Poll observable state until ``predicate`` returns something truthy."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


@dataclass
class WorkerPool:
    """Real ``python -m workers`` processes, stopped by PID."""

    env: dict[str, str]
    log_dir: Path
    procs: dict[str, subprocess.Popen] = field(default_factory=dict)

    def start(self, name: str) -> subprocess.Popen:
        env = {
            **os.environ,
            **self.env,
            "BERRYS_WORKER_ID": name,
            "BERRYS_LOG_LEVEL": os.environ.get("ENGINE_TEST_WORKER_LOG", "WARNING"),
        }
        log = open(self.log_dir / f"{name}.log", "ab")  # noqa: SIM115 - closed with the process
        proc = subprocess.Popen(
            [sys.executable, "-m", "workers"], cwd=REPO, env=env, stdout=log, stderr=subprocess.STDOUT
        )
        self.procs[name] = proc
        return proc

    def kill9(self, name: str) -> None:
        proc = self.procs[name]
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)

    def term(self, name: str) -> None:
        """SIGTERM (a deploy, ``docker stop``) and wait for the process to exit."""
        proc = self.procs[name]
        os.kill(proc.pid, signal.SIGTERM)
        proc.wait(timeout=20)

    def stop_all(self) -> None:
        for proc in self.procs.values():
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(timeout=5)

    def logs(self) -> str:
        return "\n".join(f"--- {p.name}\n{p.read_text()[-3000:]}" for p in sorted(self.log_dir.glob("*.log")))


@pytest.fixture
def workers(env: dict[str, str], tmp_path: Path) -> Iterator[WorkerPool]:
    """Start worker processes with short leases and a 1 s reconciler (engine settings via env)."""
    log_dir = tmp_path / "worker-logs"
    log_dir.mkdir()
    pool = WorkerPool(
        env={
            **env,
            "BERRYS_LEASE_S": "2",
            "BERRYS_RECONCILE_INTERVAL": "1",
            "BERRYS_RETRY_BACKOFF": "0.05",
            "BERRYS_CONTROL_POLL": "0.1",
            "BERRYS_HEARTBEAT_INTERVAL": "1",
        },
        log_dir=log_dir,
    )
    try:
        yield pool
    finally:
        pool.stop_all()


@pytest.fixture
def local_tasks(monkeypatch: pytest.MonkeyPatch):
    """Set ``BERRYS_LOCAL_TASKS`` for this test (settings are cached per process)."""

    def set_to(n: int) -> None:
        monkeypatch.setenv("BERRYS_LOCAL_TASKS", str(n))
        get_settings.cache_clear()

    yield set_to
    get_settings.cache_clear()
