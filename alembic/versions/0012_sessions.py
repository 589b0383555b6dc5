"""sessions: the login time and client of each refresh-token family

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-07 03:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("refresh_tokens", sa.Column("session_started_at", sa.DateTime(timezone=True), nullable=True))
    op.add_column(
        "refresh_tokens",
        sa.Column("client", sqlmodel.sql.sqltypes.AutoString(length=300), nullable=False, server_default=""),
    )
    op.alter_column("refresh_tokens", "client", server_default=None)


def downgrade() -> None:
    op.drop_column("refresh_tokens", "client")
    op.drop_column("refresh_tokens", "session_started_at")
