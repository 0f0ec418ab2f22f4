"""Workspaces that uninstalled mldesign, and when their data is deleted.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "workspaceremoval",
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("uninstalled_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("purge_after", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id"),
    )
    with op.batch_alter_table("workspaceremoval", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_workspaceremoval_purge_after"), ["purge_after"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("workspaceremoval", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_workspaceremoval_purge_after"))

    op.drop_table("workspaceremoval")
