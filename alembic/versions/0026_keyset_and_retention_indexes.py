"""keyset pages of approvals in index order ((scope, created_at, id)); BRIN on the audit log's and
tool calls' times for retention

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-07 12:30:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BRIN = [
    ("ix_audit_entries_created_at_brin", "audit_entries", "created_at"),
    ("ix_tool_calls_started_at_brin", "tool_calls", "started_at"),
]


def upgrade() -> None:
    # the inbox of one status, then every status: newest first with the id as tie-break, as the cursor
    op.create_index("ix_approvals_team_status_created_id", "approvals", ["team_id", "status", "created_at", "id"])
    op.drop_index("ix_approvals_team_status_created", table_name="approvals")
    op.create_index("ix_approvals_team_created_id", "approvals", ["team_id", "created_at", "id"])
    for name, table, column in BRIN:
        op.create_index(name, table, [column], postgresql_using="brin")


def downgrade() -> None:
    for name, table, _ in BRIN:
        op.drop_index(name, table_name=table)
    op.drop_index("ix_approvals_team_created_id", table_name="approvals")
    op.create_index("ix_approvals_team_status_created", "approvals", ["team_id", "status", "created_at"])
    op.drop_index("ix_approvals_team_status_created_id", table_name="approvals")
