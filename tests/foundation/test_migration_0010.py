"""Migration 0010 on existing rows: http and MCP tools get the ``side_effects`` approval
policy, the others ``never``; existing credentials get no hosts (sent nowhere until an admin
binds them: fail closed)."""

from __future__ import annotations

import uuid

from sqlalchemy import create_engine, pool, text

from alembic import command
from tests.foundation.test_migrations import _config, empty_db  # noqa: F401  (fixture)


def test_existing_tools_and_credentials_get_safe_values(empty_db: str) -> None:  # noqa: F811
    cfg = _config(empty_db)
    command.upgrade(cfg, "0009")
    engine = create_engine(empty_db, poolclass=pool.NullPool)
    team = uuid.uuid4()
    with engine.begin() as conn:
        conn.execute(text("INSERT INTO teams (id, name, created_at) VALUES (:id, 'T', now())"), {"id": team})
        for name, kind in (("old_http", "http"), ("old_python", "python"), ("old_files", "project_files")):
            conn.execute(
                text(
                    "INSERT INTO tools (id, name, description, category, kind, side_effects, version, team_id,"
                    " capabilities, parameters_schema, config, is_active, created_at) VALUES (:id, :name, '',"
                    " 'general', :kind, true, 1, :team, '[]', '{}', '{}', true, now())"
                ),
                {"id": uuid.uuid4(), "name": name, "kind": kind, "team": team},
            )
        conn.execute(
            text(
                "INSERT INTO credentials (id, team_id, name, kind, ciphertext, hint, tool_names, description,"
                " created_at) VALUES (:id, :team, 'PROD', 'bearer', 'x', '', '[]', '', now())"
            ),
            {"id": uuid.uuid4(), "team": team},
        )
    command.upgrade(cfg, "head")
    with engine.connect() as conn:
        policies = dict(conn.execute(text("SELECT name, approval_policy FROM tools")).all())
        binding = conn.execute(text("SELECT allowed_hosts, header_names FROM credentials")).one()
    engine.dispose()
    assert policies == {"old_http": "side_effects", "old_python": "never", "old_files": "never"}
    assert tuple(binding) == ([], [])
