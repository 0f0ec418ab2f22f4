"""Which organization's org-wide install serves a workspace (Enterprise Grid): Slack keeps such an install under
the organization alone, and mldesign looks its token up per workspace.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "slack_org_teams",
        sa.Column("team_id", sa.String(length=32), nullable=False),
        sa.Column("enterprise_id", sa.String(length=32), nullable=False),
        sa.PrimaryKeyConstraint("team_id"),
    )
    with op.batch_alter_table("slack_org_teams", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_slack_org_teams_enterprise_id"), ["enterprise_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("slack_org_teams", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_slack_org_teams_enterprise_id"))
    op.drop_table("slack_org_teams")
