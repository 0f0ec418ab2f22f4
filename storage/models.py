"""SQLModel tables. Every row carries the Slack team id so that every query can be scoped to one workspace."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import JSON, Column, DateTime, Index, TypeDecorator, UniqueConstraint
from sqlalchemy.engine import Dialect
from sqlmodel import Field, SQLModel


def utc_now() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC timestamps on every backend (SQLite hands back naive values otherwise)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is not None and value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        return value.astimezone(UTC) if value is not None else None

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _timestamp(**kwargs: Any) -> Any:
    return Field(default_factory=utc_now, sa_type=UTCDateTime, **kwargs)


class DesignStatus:
    ACTIVE = "active"
    COMPLETE = "complete"


class DesignBase(SQLModel):
    team_id: str = Field(max_length=32)
    channel_id: str = Field(max_length=32)
    name: str = Field(max_length=200)
    name_key: str = Field(max_length=200)
    started_by: str = Field(max_length=32)
    catalog_id: str = Field(max_length=64)
    catalog_version: int


class Design(DesignBase, table=True):
    """A design review bound to one channel thread, and where its walkthrough stands.

    ``revision`` counts changes that Slack should reflect; ``published_revision`` is the last one the
    publisher brought to Slack, so work left undone by a crash is found again after a restart.
    """

    __table_args__ = (
        UniqueConstraint("team_id", "channel_id", "name_key", name="uq_design_channel_name"),
        Index("ix_design_thread", "team_id", "channel_id", "parent_ts"),
        Index("ix_design_unpublished", "published_revision", "revision"),
        Index("ix_design_summary", "team_id", "channel_id", "summary_ts"),
    )

    id: int | None = Field(default=None, primary_key=True)
    status: str = Field(default=DesignStatus.ACTIVE, max_length=16)
    current_question_id: str | None = Field(default=None, max_length=64)
    step: int = 1
    parent_ts: str | None = Field(default=None, max_length=32)
    parent_claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    response_url: str | None = Field(default=None, max_length=500)
    permalink: str | None = Field(default=None, max_length=500)
    closing_ts: str | None = Field(default=None, max_length=32)
    closing_claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The pinned summary in the channel: wanted once the walkthrough ends or someone asks for it, then
    # kept current in place; ``summary_pinned`` turns False when a person unpins it, to re-pin on next change.
    summary_wanted: bool = False
    summary_ts: str | None = Field(default=None, max_length=32)
    summary_claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    summary_pinned: bool = False
    revision: int = 1
    published_revision: int = 0
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


class Prompt(SQLModel, table=True):
    """One asking of a question in a design's thread. (design_id, step) is unique, so each is posted once."""

    __table_args__ = (UniqueConstraint("design_id", "step", name="uq_prompt_step"),)

    id: int | None = Field(default=None, primary_key=True)
    design_id: int = Field(foreign_key="design.id", index=True, ondelete="CASCADE")
    team_id: str = Field(max_length=32)
    step: int
    question_id: str = Field(max_length=64)
    message_ts: str | None = Field(default=None, max_length=32)
    rendered_answer_id: int | None = None
    rendered_current: bool = True
    created_at: datetime = _timestamp()


class AnswerBase(SQLModel):
    team_id: str = Field(max_length=32)
    question_id: str = Field(max_length=64)
    status: str = Field(max_length=16)
    text: str = ""
    choices: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    author_id: str = Field(max_length=32)
    source_ts: str | None = Field(default=None, max_length=32)


class Answer(AnswerBase, table=True):
    """Append-only answer history: a question's current answer is its latest row; older rows are history."""

    __table_args__ = (Index("ix_answer_design_question", "design_id", "question_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    design_id: int = Field(foreign_key="design.id", ondelete="CASCADE")
    reacted: bool = False
    created_at: datetime = _timestamp()


class ProcessedEvent(SQLModel, table=True):
    """Slack event and interaction ids already handled, so retries and duplicates change nothing."""

    team_id: str = Field(primary_key=True, max_length=32)
    event_id: str = Field(primary_key=True, max_length=128)
    received_at: datetime = _timestamp()
