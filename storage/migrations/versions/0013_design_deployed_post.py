"""The deployment told in the design's thread: its message and the claim that posts it at most once.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("design", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deployed_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column("deployed_claimed_at", storage.models.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("design", schema=None) as batch_op:
        batch_op.drop_column("deployed_claimed_at")
        batch_op.drop_column("deployed_ts")
