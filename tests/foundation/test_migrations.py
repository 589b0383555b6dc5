"""Alembic: the migrations round-trip and match the models exactly."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.config import Config
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, pool
from sqlmodel import SQLModel

from alembic import command
from berrys_app.settings import normalise_db_url
from tests.conftest import _with_database

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def empty_db(infra: dict[str, str]) -> Iterator[str]:
    name = f"berrys_mig_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(infra["database_url"], autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield normalise_db_url(_with_database(infra["database_url"], name))
    finally:
        with psycopg.connect(infra["database_url"], autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _config(url: str) -> Config:
    cfg = Config(str(ROOT / "alembic.ini"))
    cfg.set_main_option("script_location", str(ROOT / "alembic"))
    cfg.attributes["database_url"] = url
    return cfg


def test_upgrade_downgrade_upgrade(empty_db: str) -> None:
    cfg = _config(empty_db)
    command.upgrade(cfg, "head")
    engine = create_engine(empty_db, poolclass=pool.NullPool)
    tables = set(inspect(engine).get_table_names())
    assert set(SQLModel.metadata.tables) <= tables
    command.downgrade(cfg, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    command.upgrade(cfg, "head")
    assert set(SQLModel.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_models_and_migrations_do_not_drift(empty_db: str) -> None:
    command.upgrade(_config(empty_db), "head")
    engine = create_engine(empty_db, poolclass=pool.NullPool)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        diff = compare_metadata(context, SQLModel.metadata)
    engine.dispose()
    assert diff == [], f"models differ from migrations; run alembic revision --autogenerate: {diff}"
