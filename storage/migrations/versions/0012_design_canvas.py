"""The design in full in a Slack canvas kept current: its id and link, the digest of what it shows, and Slack's
refusal of canvases (the Markdown export stands in).

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-03
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("design", schema=None) as batch_op:
        batch_op.add_column(sa.Column("canvas_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True))
        batch_op.add_column(sa.Column("canvas_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True))
        batch_op.add_column(sa.Column("canvas_digest", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("canvas_shared", sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.add_column(sa.Column("canvas_refused", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True))
        batch_op.add_column(sa.Column("canvas_refused_at", storage.models.UTCDateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("design", schema=None) as batch_op:
        for column in (
            "canvas_refused_at",
            "canvas_refused",
            "canvas_shared",
            "canvas_digest",
            "canvas_url",
            "canvas_id",
        ):
            batch_op.drop_column(column)
