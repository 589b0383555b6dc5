"""project_tool_policies: a project's override of a team tool's approval policy and argument
constraints (a fork's tool policy edits, inherited by its forks)

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-07 12:20:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "project_tool_policies",
        sa.Column("project_id", sa.Uuid(), nullable=False),
        sa.Column("tool_name", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("approval_policy", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True),
        sa.Column("arguments_schema", postgresql.JSONB(astext_type=sa.Text()), nullable=True),
        sa.Column("created_by", sa.Uuid(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["project_id"], ["projects.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["created_by"], ["users.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("project_id", "tool_name"),
    )


def downgrade() -> None:
    op.drop_table("project_tool_policies")
