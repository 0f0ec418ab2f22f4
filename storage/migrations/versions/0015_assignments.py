"""Areas and questions given to people, and the walkthrough's stall nudge (sent once per question asked).

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assignment",
        sa.Column("design_id", sa.Integer(), nullable=False),
        sa.Column("target", sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("user_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("assigned_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("assigned_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["design_id"], ["design.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("design_id", "target"),
    )
    with op.batch_alter_table("design", schema=None) as batch_op:
        batch_op.add_column(sa.Column("stall_nudged_step", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("stall_nudged_at", storage.models.UTCDateTime(timezone=True), nullable=True))
    # Walkthroughs already waiting when this ships are not told they "waited three working days" months on: they
    # count as nudged at the question they stand at, and the next question they reach can stall afresh.
    op.execute("UPDATE design SET stall_nudged_step = step")


def downgrade() -> None:
    with op.batch_alter_table("design", schema=None) as batch_op:
        batch_op.drop_column("stall_nudged_at")
        batch_op.drop_column("stall_nudged_step")
    op.drop_table("assignment")
