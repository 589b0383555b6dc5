"""model names unique per team: two teams may each add e.g. "openai/gpt-4o-mini"; the operator's global
entries stay unique among themselves

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07 12:15:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "uq_models_global_name", "models", ["name"], unique=True, postgresql_where=sa.text("team_id IS NULL")
    )
    op.create_index(
        "uq_models_team_name",
        "models",
        ["team_id", "name"],
        unique=True,
        postgresql_where=sa.text("team_id IS NOT NULL"),
    )
    op.drop_index("ix_models_name", table_name="models")


def downgrade() -> None:
    # fails (as it should) while two teams hold the same name: global uniqueness cannot come back silently
    op.create_index("ix_models_name", "models", ["name"], unique=True)
    op.drop_index("uq_models_team_name", table_name="models")
    op.drop_index("uq_models_global_name", table_name="models")
