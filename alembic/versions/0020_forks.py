"""forks: projects.forked_from_project_id / forked_at_task_key / fork_mode; copied call rows

Revision ID: 0020
Revises: 0016
Create Date: 2026-12-07 09:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel

from alembic import op

revision: str = "0020"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column("projects", sa.Column("forked_from_project_id", sa.Uuid(), nullable=True))
    op.add_column(
        "projects", sa.Column("forked_at_task_key", sqlmodel.sql.sqltypes.AutoString(length=100), nullable=True)
    )
    op.add_column("projects", sa.Column("fork_mode", sqlmodel.sql.sqltypes.AutoString(length=20), nullable=True))
    op.create_index(op.f("ix_projects_forked_from_project_id"), "projects", ["forked_from_project_id"], unique=False)
    op.create_foreign_key(
        "projects_forked_from_project_id_fkey",
        "projects",
        "projects",
        ["forked_from_project_id"],
        ["id"],
        ondelete="SET NULL",
    )
    op.add_column("model_calls", sa.Column("copied_from_id", sa.Uuid(), nullable=True))
    op.add_column("tool_calls", sa.Column("copied_from_id", sa.Uuid(), nullable=True))


def downgrade() -> None:
    op.drop_column("tool_calls", "copied_from_id")
    op.drop_column("model_calls", "copied_from_id")
    op.drop_constraint("projects_forked_from_project_id_fkey", "projects", type_="foreignkey")
    op.drop_index(op.f("ix_projects_forked_from_project_id"), table_name="projects")
    op.drop_column("projects", "fork_mode")
    op.drop_column("projects", "forked_at_task_key")
    op.drop_column("projects", "forked_from_project_id")
