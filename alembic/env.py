"""Plain Alembic over ``SQLModel.metadata`` (every table is registered by ``berrys_app.domain``)."""

from __future__ import annotations

from sqlalchemy import create_engine, pool
from sqlmodel import SQLModel

import berrys_app.domain  # noqa: F401
from alembic import context
from berrys_app.settings import get_settings, normalise_db_url

config = context.config
target_metadata = SQLModel.metadata


def database_url() -> str:
    url = config.attributes.get("database_url")
    return normalise_db_url(url) if url else get_settings().require_database_url()


def include_object(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    """When generating a migration for one bounded context, look only at its tables
    (``config.attributes["include_tables"]``); normal runs include everything."""
    tables = config.attributes.get("include_tables")
    if tables is None:
        return True
    table = name if type_ == "table" else getattr(getattr(obj, "table", None), "name", None)
    return table in tables


def run_migrations_offline() -> None:
    context.configure(
        url=database_url(),
        target_metadata=target_metadata,
        literal_binds=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    engine = create_engine(database_url(), poolclass=pool.NullPool)
    with engine.connect() as connection:
        context.configure(
            connection=connection, target_metadata=target_metadata, compare_type=True, include_object=include_object
        )
        with context.begin_transaction():
            context.run_migrations()
    engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
