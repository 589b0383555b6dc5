"""MCP server names unique per team, not across the deployment

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-07 03:10:00.000000
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_constraint("uq_mcp_servers_name", "mcp_servers", type_="unique")
    op.create_unique_constraint("uq_mcp_servers_team_name", "mcp_servers", ["team_id", "name"])


def downgrade() -> None:
    # fails if two teams now share a name: rename one first (the old rule was global)
    op.drop_constraint("uq_mcp_servers_team_name", "mcp_servers", type_="unique")
    op.create_unique_constraint("uq_mcp_servers_name", "mcp_servers", ["name"])
