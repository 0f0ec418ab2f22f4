"""Review findings an owner accepted, with why and until when.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-04
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "findingacceptance",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("design_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("rule_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("rationale", sqlmodel.sql.sqltypes.AutoString(length=1000), nullable=False),
        sa.Column("accepted_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("accepted_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("until", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["design_id"], ["design.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_acceptance_design_rule", "findingacceptance", ["design_id", "rule_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_acceptance_design_rule", table_name="findingacceptance")
    op.drop_table("findingacceptance")
