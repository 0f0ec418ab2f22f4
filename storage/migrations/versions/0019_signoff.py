"""Sign-off: a design's reviewers, their verdicts on a version of its answers, and its review rounds in the thread.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "designreviewer",
        sa.Column("design_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("requested_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("requested_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["design_id"], ["design.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("design_id", "user_id"),
    )
    op.create_table(
        "reviewverdict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("design_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("reviewer", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("verdict", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("comment", sqlmodel.sql.sqltypes.AutoString(length=2000), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("decided_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["design_id"], ["design.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_verdict_design", "reviewverdict", ["design_id", "id"])
    with op.batch_alter_table("design") as batch_op:
        batch_op.add_column(sa.Column("review_round", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("review_posted_round", sa.Integer(), nullable=False, server_default="0"))
        batch_op.add_column(sa.Column("review_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column("review_claimed_at", storage.models.UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("review_version", sa.Integer(), nullable=False, server_default="0"))


def downgrade() -> None:
    with op.batch_alter_table("design") as batch_op:
        for column in ("review_version", "review_claimed_at", "review_ts", "review_posted_round", "review_round"):
            batch_op.drop_column(column)
    op.drop_index("ix_verdict_design", table_name="reviewverdict")
    op.drop_table("reviewverdict")
    op.drop_table("designreviewer")
