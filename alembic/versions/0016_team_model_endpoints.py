"""models: a team's own endpoint (api_base) and its key sealed with the vault key; teams.default_model

Revision ID: 0016
Revises: 0014
Create Date: 2026-12-07 06:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0016"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("models", sa.Column("api_base", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
    op.add_column("models", sa.Column("api_key_sealed", sa.Text(), nullable=True))
    op.add_column("teams", sa.Column("default_model", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True))


def downgrade() -> None:
    op.drop_column("teams", "default_model")
    op.drop_column("models", "api_key_sealed")
    op.drop_column("models", "api_base")
