"""model usage per team, UTC day and model for the closed days (the Models page reads these sums
instead of every call), with its watermark; backfilled from model_calls

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-07 15:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa

from alembic import op

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# the rule of services/usage_rollup.py, as it stood: a day is closed 2 hours (GRACE) after it ended
# and when none of its calls is still running
CLOSED_BEFORE = """
    INSERT INTO usage_rollup_state (id, closed_before, rolled_at)
    SELECT 1, LEAST(((now() - interval '2 hours') AT TIME ZONE 'UTC')::date,
                    (SELECT (min(created_at) AT TIME ZONE 'UTC')::date FROM model_calls WHERE status = 'running')),
           now()
"""
BACKFILL = """
    INSERT INTO model_usage_daily (team_id, day, model, calls, prompt_tokens, completion_tokens, cost_usd)
    SELECT p.team_id, (c.created_at AT TIME ZONE 'UTC')::date, c.model, count(*), sum(c.prompt_tokens),
           sum(c.completion_tokens), sum(c.cost_usd)
    FROM model_calls c JOIN projects p ON p.id = c.project_id
    WHERE c.created_at < (SELECT closed_before::timestamp AT TIME ZONE 'UTC' FROM usage_rollup_state WHERE id = 1)
      AND c.status <> 'running'
    GROUP BY 1, 2, 3
"""


def upgrade() -> None:
    op.create_table(
        "model_usage_daily",
        sa.Column("team_id", sa.Uuid(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("model", sa.String(length=200), nullable=False),
        sa.Column("calls", sa.BigInteger(), nullable=False),
        sa.Column("prompt_tokens", sa.BigInteger(), nullable=False),
        sa.Column("completion_tokens", sa.BigInteger(), nullable=False),
        sa.Column("cost_usd", sa.Numeric(24, 12), nullable=False),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("team_id", "day", "model"),
    )
    op.create_table(
        "usage_rollup_state",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("closed_before", sa.Date(), nullable=False),
        sa.Column("rolled_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.execute(CLOSED_BEFORE)
    op.execute(BACKFILL)


def downgrade() -> None:
    op.drop_table("usage_rollup_state")
    op.drop_table("model_usage_daily")
