"""list indexes for a year of data: keyset (scope, id) indexes on events and audit, the projects list and
the approvals inbox in index order, model-call usage covered (index-only), BRIN on created_at for retention

Revision ID: 0024
Revises: 0016
Create Date: 2026-12-07 10:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0024"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# (old single-column index, table, new index, its columns): the new one leads with the old column
REPLACED = [
    ("ix_events_project_id", "events", "ix_events_project_id_id", ["project_id", "id"]),
    ("ix_events_team_id", "events", "ix_events_team_id_id", ["team_id", "id"]),
    ("ix_audit_entries_team_id", "audit_entries", "ix_audit_entries_team_id_id", ["team_id", "id"]),
    ("ix_approvals_team_id", "approvals", "ix_approvals_team_status_created", ["team_id", "status", "created_at"]),
    ("ix_projects_team_id", "projects", "ix_projects_team_created", ["team_id", "created_at", "id"]),
]
USAGE_COLUMNS = ["model", "created_at", "prompt_tokens", "completion_tokens", "cost_usd"]
BRIN = [("ix_events_created_at_brin", "events"), ("ix_model_calls_created_at_brin", "model_calls")]


def upgrade() -> None:
    for old, table, new, columns in REPLACED:
        op.create_index(new, table, columns)
        op.drop_index(old, table_name=table)
    for name, table in BRIN:
        op.create_index(name, table, ["created_at"], postgresql_using="brin")
    op.create_index(
        "ix_model_calls_project_usage", "model_calls", ["project_id", "status"], postgresql_include=USAGE_COLUMNS
    )
    op.drop_index("ix_model_calls_project_status", table_name="model_calls")


def downgrade() -> None:
    op.create_index("ix_model_calls_project_status", "model_calls", ["project_id", "status"])
    op.drop_index("ix_model_calls_project_usage", table_name="model_calls")
    for name, table in BRIN:
        op.drop_index(name, table_name=table)
    for old, table, new, columns in REPLACED:
        op.create_index(old, table, [columns[0]])
        op.drop_index(new, table_name=table)
