"""Production alerts: a design's webhook token, the alerts monitoring sent, and the revisits they reopened; and
when a reviewer left the workspace.

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-07
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "alerttoken",
        sa.Column("design_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("token_hash", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("created_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["design_id"], ["design.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("design_id"),
        sa.UniqueConstraint("token_hash"),
    )
    op.create_table(
        "productionalert",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("design_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("starts_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("summary", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=False),
        sa.Column("link", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("questions", sa.JSON(), nullable=False),
        sa.Column("received_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("resolved_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("ended_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["design_id"], ["design.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("design_id", "fingerprint", "starts_at", name="uq_alert_start"),
    )
    op.create_table(
        "alertnudge",
        sa.Column("alert_id", sa.Integer(), nullable=False),
        sa.Column("nudge_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["alert_id"], ["productionalert.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["nudge_id"], ["nudge.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("alert_id", "nudge_id"),
    )
    op.create_index(op.f("ix_alertnudge_nudge_id"), "alertnudge", ["nudge_id"])
    with op.batch_alter_table("nudge") as batch_op:
        batch_op.add_column(sa.Column("by_alert", sa.Boolean(), nullable=False, server_default=sa.false()))
    with op.batch_alter_table("designreviewer") as batch_op:
        batch_op.add_column(sa.Column("left_at", storage.models.UTCDateTime(timezone=True), nullable=True))
    op.create_index("ix_reviewer_person", "designreviewer", ["team_id", "user_id"])


def downgrade() -> None:
    op.drop_index("ix_reviewer_person", table_name="designreviewer")
    with op.batch_alter_table("designreviewer") as batch_op:
        batch_op.drop_column("left_at")
    with op.batch_alter_table("nudge") as batch_op:
        batch_op.drop_column("by_alert")
    op.drop_index(op.f("ix_alertnudge_nudge_id"), table_name="alertnudge")
    op.drop_table("alertnudge")
    op.drop_table("productionalert")
    op.drop_table("alerttoken")
