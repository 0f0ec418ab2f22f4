"""Initial schema: designs, prompts, answers, revisit nudges, processed events.

The schema as `create_all` built it before migrations existed; such a database is stamped at this revision.

Revision ID: 0001
Revises:
Create Date: 2026-11-29
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

import storage.models

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "design",
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("channel_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("name_key", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
        sa.Column("started_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("catalog_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("catalog_version", sa.Integer(), nullable=False),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("current_question_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("parent_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("parent_claimed_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("response_url", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("permalink", sqlmodel.sql.sqltypes.AutoString(length=500), nullable=True),
        sa.Column("closing_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("closing_claimed_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("summary_wanted", sa.Boolean(), nullable=False),
        sa.Column("summary_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("summary_claimed_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("summary_pinned", sa.Boolean(), nullable=False),
        sa.Column("deployed_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminders_enabled", sa.Boolean(), nullable=False),
        sa.Column("remind_every_days", sa.Integer(), nullable=True),
        sa.Column("owner_tz", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("published_revision", sa.Integer(), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("team_id", "channel_id", "name_key", name="uq_design_channel_name"),
    )
    with op.batch_alter_table("design", schema=None) as batch_op:
        batch_op.create_index("ix_design_summary", ["team_id", "channel_id", "summary_ts"], unique=False)
        batch_op.create_index("ix_design_thread", ["team_id", "channel_id", "parent_ts"], unique=False)
        batch_op.create_index("ix_design_unpublished", ["published_revision", "revision"], unique=False)

    op.create_table(
        "processedevent",
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("event_id", sqlmodel.sql.sqltypes.AutoString(length=128), nullable=False),
        sa.Column("received_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("team_id", "event_id"),
    )
    op.create_table(
        "answer",
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("question_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("text", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("choices", sa.JSON(), nullable=False),
        sa.Column("author_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("source_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("design_id", sa.Integer(), nullable=False),
        sa.Column("reacted", sa.Boolean(), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["design_id"], ["design.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.create_index("ix_answer_design_question", ["design_id", "question_id", "id"], unique=False)

    op.create_table(
        "nudge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("design_id", sa.Integer(), nullable=False),
        sa.Column("question_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("round", sa.Integer(), nullable=False),
        sa.Column("status", sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
        sa.Column("due_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("any_hour", sa.Boolean(), nullable=False),
        sa.Column("not_before", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("claim", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("send_started_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("message_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("sent_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("reminded_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_at", storage.models.UTCDateTime(timezone=True), nullable=True),
        sa.Column("resolved_by", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("failure", sqlmodel.sql.sqltypes.AutoString(length=200), nullable=True),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["design_id"], ["design.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("design_id", "question_id", "round", name="uq_nudge_round"),
    )
    with op.batch_alter_table("nudge", schema=None) as batch_op:
        batch_op.create_index("ix_nudge_design", ["team_id", "design_id", "question_id"], unique=False)
        batch_op.create_index("ix_nudge_due", ["due_at"], unique=False)

    op.create_table(
        "prompt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("design_id", sa.Integer(), nullable=False),
        sa.Column("team_id", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=False),
        sa.Column("step", sa.Integer(), nullable=False),
        sa.Column("question_id", sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
        sa.Column("message_ts", sqlmodel.sql.sqltypes.AutoString(length=32), nullable=True),
        sa.Column("rendered_answer_id", sa.Integer(), nullable=True),
        sa.Column("rendered_current", sa.Boolean(), nullable=False),
        sa.Column("created_at", storage.models.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["design_id"], ["design.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("design_id", "step", name="uq_prompt_step"),
    )
    with op.batch_alter_table("prompt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_prompt_design_id"), ["design_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("prompt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_prompt_design_id"))

    op.drop_table("prompt")
    with op.batch_alter_table("nudge", schema=None) as batch_op:
        batch_op.drop_index("ix_nudge_due")
        batch_op.drop_index("ix_nudge_design")

    op.drop_table("nudge")
    with op.batch_alter_table("answer", schema=None) as batch_op:
        batch_op.drop_index("ix_answer_design_question")

    op.drop_table("answer")
    op.drop_table("processedevent")
    with op.batch_alter_table("design", schema=None) as batch_op:
        batch_op.drop_index("ix_design_unpublished")
        batch_op.drop_index("ix_design_thread")
        batch_op.drop_index("ix_design_summary")

    op.drop_table("design")
