"""docker-compose.yml (no Docker daemon here: its structure is checked) and the worker health check."""

from __future__ import annotations

import re
import socket
from datetime import timedelta
from pathlib import Path

import yaml
from sqlalchemy import text
from sqlmodel import Session

from berrys_app.domain.common import utcnow
from workers import health
from workers.heartbeat import beat

ROOT = Path(__file__).resolve().parents[2]
COMPOSE_TEXT = (ROOT / "docker-compose.yml").read_text()
COMPOSE = yaml.safe_load(COMPOSE_TEXT)


def test_every_service_has_a_health_check_and_starts_after_what_it_needs():
    services = COMPOSE["services"]
    assert set(services) == {"postgres", "redis", "migrate", "web", "worker"}
    for name, service in services.items():
        if name != "migrate":  # a one-shot job (tests/deploy/test_compose.py)
            assert service["healthcheck"]["test"], name
    assert "ping" in " ".join(services["redis"]["healthcheck"]["test"])
    assert "/health/ready" in " ".join(services["web"]["healthcheck"]["test"])
    assert services["worker"]["healthcheck"]["test"][-2:] == ["-m", "workers.health"]
    needs = {name: service.get("depends_on", {}) for name, service in services.items()}
    healthy, migrated = {"condition": "service_healthy"}, {"condition": "service_completed_successfully"}
    assert needs["web"] == {"postgres": healthy, "redis": healthy, "migrate": migrated}
    assert needs["worker"] == {"postgres": healthy, "redis": healthy, "migrate": migrated}  # not web


def test_secrets_come_from_the_environment_and_are_required():
    required = set(re.findall(r"\$\{(\w+):\?", COMPOSE_TEXT))
    assert required == {"POSTGRES_PASSWORD", "REDIS_PASSWORD", "SECRET_KEY", "ENCRYPTION_KEY"}
    env = COMPOSE["x-berrys-env"]
    assert env["DATABASE_URL"].startswith("postgresql://berrys:${POSTGRES_PASSWORD:?")
    assert env["REDIS_URL"].startswith("redis://:${REDIS_PASSWORD:?")
    assert COMPOSE["services"]["postgres"]["environment"]["POSTGRES_PASSWORD"].startswith("${POSTGRES_PASSWORD:?")
    assert "--requirepass" in " ".join(COMPOSE["services"]["redis"]["command"])
    assert "berrys:berrys@" not in COMPOSE_TEXT  # the old literal password
    readme = (ROOT / "README.md").read_text()
    section = readme[readme.index("## Docker Compose") :]
    for name in (*required, "BERRYS_PUBLIC_URL"):
        assert f"`{name}`" in section, name


def test_worker_health_check_needs_a_recent_heartbeat_from_this_host(env, session: Session):
    assert health.main() == 1  # no worker has ever beaten here
    beat("health-check-test")
    assert health.healthy() and health.main() == 0
    assert not health.healthy(hostname=f"not-{socket.gethostname()}")
    old = utcnow() - timedelta(minutes=5)
    session.execute(text("UPDATE worker_heartbeats SET last_seen = :old"), {"old": old})
    session.commit()
    assert not health.healthy()
    beat("health-check-test", stopped=True)
    assert not health.healthy()  # a worker that stopped cleanly is not a running one
