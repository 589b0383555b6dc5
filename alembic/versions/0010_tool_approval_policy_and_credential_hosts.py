"""tool approval policy and credential hosts

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-07 03:20:00

Existing http and MCP tools get the ``side_effects`` policy (their side-effect calls now wait
for a person), every other tool ``never``. Existing credentials get ``allowed_hosts = []``:
an http tool may send them nowhere until an admin names their hosts (fail closed; the tool
error and the dashboard say so).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql

from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "tools",
        sa.Column("approval_policy", sa.String(length=20), nullable=False, server_default="side_effects"),
    )
    op.execute("UPDATE tools SET approval_policy = 'never' WHERE kind NOT IN ('http', 'mcp')")
    op.alter_column("tools", "approval_policy", server_default=None)
    for name in ("allowed_hosts", "header_names"):
        op.add_column(
            "credentials",
            sa.Column(name, postgresql.JSONB(astext_type=sa.Text()), nullable=False, server_default="[]"),
        )
        op.alter_column("credentials", name, server_default=None)


def downgrade() -> None:
    op.drop_column("credentials", "header_names")
    op.drop_column("credentials", "allowed_hosts")
    op.drop_column("tools", "approval_policy")
