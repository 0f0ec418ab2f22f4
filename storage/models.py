"""SQLModel tables. Every row carries the Slack team id so that every query can be scoped to one workspace."""

from __future__ import annotations

from datetime import UTC, date, datetime
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
        Index("ix_design_recent", "team_id", "channel_id", "updated_at", "id"),  # a channel's list, newest first
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
    # Slack's error when it last refused the summary (its owner was told, once); None once a summary goes out.
    summary_refused: str | None = Field(default=None, max_length=64)
    # The design in full, in a Slack canvas kept current: its id and link, the digest of the document it shows,
    # and Slack's error when it refused canvases here (tried again a day later; the export stands in meanwhile).
    canvas_id: str | None = Field(default=None, max_length=32)
    canvas_url: str | None = Field(default=None, max_length=500)
    canvas_digest: str | None = Field(default=None, max_length=64)
    canvas_shared: bool = False  # the channel may read it (canvases.access.set went through)
    canvas_refused: str | None = Field(default=None, max_length=64)
    canvas_refused_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # After deployment: when, whether its decisions are revisited, at which cadence, in whose timezone.
    deployed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # The deployment told in the design's thread, once, posted at most once across crashes like the closing.
    deployed_ts: str | None = Field(default=None, max_length=32)
    deployed_claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminders_enabled: bool = True
    remind_every_days: int | None = None
    owner_tz: str | None = Field(default=None, max_length=64)
    # Sign-off (flows.signoff): review rounds asked for (a request, or approvals the answers outdated) and posted, the
    # latest round's message in the thread (posted at most once across crashes, like the closing), and the answers'
    # version it asked about.
    review_round: int = 0
    review_posted_round: int = 0
    review_ts: str | None = Field(default=None, max_length=32)
    review_claimed_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    review_version: int = 0
    # The walkthrough's stall nudge (flows.assignments): the step it was sent at, and when.
    stall_nudged_step: int | None = None
    stall_nudged_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # One publisher at a time per design, across processes: a lease taken with a conditional UPDATE.
    publishing_claim: str | None = Field(default=None, max_length=64)
    publishing_until: datetime | None = Field(default=None, sa_type=UTCDateTime)
    revision: int = 1
    published_revision: int = 0
    created_at: datetime = _timestamp()
    updated_at: datetime = _timestamp()


def stored_id(design: Design) -> int:
    """The id of a design read from (or flushed to) the database, where it always has one."""
    assert design.id is not None, "a stored design has an id"
    return design.id


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
    # When the post was last sent (or is about to be): a crash between sending and storing its ts is settled by
    # looking for the post around this moment.
    post_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    # When the question was last asked, as a Slack timestamp, when that was after its message was posted (asked
    # again in the same message): replies after this answer it. None means when its message was posted.
    asked_ts: str | None = Field(default=None, max_length=32)


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


class DesignOwner(SQLModel, table=True):
    """People a design's owners added as owners (whoever started it is one without a row)."""

    design_id: int = Field(foreign_key="design.id", primary_key=True, ondelete="CASCADE")
    user_id: str = Field(primary_key=True, max_length=32)
    team_id: str = Field(max_length=32)
    added_by: str = Field(max_length=32)
    added_at: datetime = _timestamp()


class Assignment(SQLModel, table=True):
    """An area or a question of a design given to someone (``flows.assignments``): one person per target."""

    design_id: int = Field(foreign_key="design.id", primary_key=True, ondelete="CASCADE")
    target: str = Field(primary_key=True, max_length=80)  # "area:<id>" or "question:<id>"
    team_id: str = Field(max_length=32)
    user_id: str = Field(max_length=32)
    assigned_by: str = Field(max_length=32)
    assigned_at: datetime = _timestamp()


class FindingAcceptance(SQLModel, table=True):
    """An owner accepted a review finding, with why and until when (``flows.acceptance``). Append-only: the latest
    row of a rule is the acceptance that holds; older rows are its history, shown in the design document."""

    __table_args__ = (Index("ix_acceptance_design_rule", "design_id", "rule_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    design_id: int = Field(foreign_key="design.id", ondelete="CASCADE")
    team_id: str = Field(max_length=32)
    rule_id: str = Field(max_length=64)
    rationale: str = Field(max_length=1000)
    accepted_by: str = Field(max_length=32)
    accepted_at: datetime = _timestamp()
    until: date


class DesignReviewer(SQLModel, table=True):
    """Someone an owner asked to review a design (``flows.signoff``)."""

    # `user_change` events look a person up in every design they review (one per profile edit in the workspace).
    __table_args__ = (Index("ix_reviewer_person", "team_id", "user_id"),)

    design_id: int = Field(foreign_key="design.id", primary_key=True, ondelete="CASCADE")
    user_id: str = Field(primary_key=True, max_length=32)
    team_id: str = Field(max_length=32)
    requested_by: str = Field(max_length=32)
    requested_at: datetime = _timestamp()
    left_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # deactivated in the workspace since


class ReviewVerdict(SQLModel, table=True):
    """A reviewer's approval or request for changes, and the answers' version it was given on. Append-only: who
    approved which version, and when, is kept."""

    __table_args__ = (Index("ix_verdict_design", "design_id", "id"),)

    id: int | None = Field(default=None, primary_key=True)
    design_id: int = Field(foreign_key="design.id", ondelete="CASCADE")
    team_id: str = Field(max_length=32)
    reviewer: str = Field(max_length=32)
    verdict: str = Field(max_length=16)
    comment: str = Field(default="", max_length=2000)
    version: int
    decided_at: datetime = _timestamp()


class AlertToken(SQLModel, table=True):
    """A design's secret for its alert webhook (``POST /hooks/alerts``): only its SHA-256 is kept, so the token is
    shown once, when an owner makes or rotates it, and a leaked database holds nothing a sender could use."""

    design_id: int = Field(foreign_key="design.id", primary_key=True, ondelete="CASCADE")
    team_id: str = Field(max_length=32)
    token_hash: str = Field(max_length=64, unique=True)
    created_by: str = Field(max_length=32)
    created_at: datetime = _timestamp()


class ProductionAlert(SQLModel, table=True):
    """An alert that monitoring sent about a deployed design, once however often it was delivered: Alertmanager
    resends a group, so an alert is its fingerprint and start. ``questions`` are the decisions it reopened."""

    __table_args__ = (UniqueConstraint("design_id", "fingerprint", "starts_at", name="uq_alert_start"),)

    id: int | None = Field(default=None, primary_key=True)
    design_id: int = Field(foreign_key="design.id", ondelete="CASCADE")
    team_id: str = Field(max_length=32)
    fingerprint: str = Field(max_length=64)
    starts_at: datetime = Field(sa_type=UTCDateTime)
    name: str = Field(max_length=200)
    summary: str = Field(default="", max_length=500)
    link: str = Field(default="", max_length=2000)
    questions: list[str] = Field(default_factory=list, sa_column=Column(JSON, nullable=False))
    received_at: datetime = _timestamp()
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # when the resolution arrived
    ended_at: datetime | None = Field(default=None, sa_type=UTCDateTime)  # when the alert says it ended


class AlertNudge(SQLModel, table=True):
    """Which revisit an alert reopened: its message shows the alert, and its log entry names it."""

    alert_id: int = Field(foreign_key="productionalert.id", primary_key=True, ondelete="CASCADE")
    nudge_id: int = Field(foreign_key="nudge.id", primary_key=True, ondelete="CASCADE", index=True)


class PostLookup(SQLModel, table=True):
    """How far a look for a post a crash left unrecorded has read, when one bounded read could not settle it.

    ``key`` names the post ("parent", "closing", "prompt:3", "nudge:17"…). Messages are read oldest first in a
    thread and newest first in a channel, so everything on the near side of ``looked_up_to`` (a Slack ts) has
    been checked: the next look reads on from there instead of reading the same messages again."""

    design_id: int = Field(foreign_key="design.id", primary_key=True, ondelete="CASCADE")
    key: str = Field(primary_key=True, max_length=64)
    team_id: str = Field(max_length=32)
    looked_up_to: str = Field(max_length=32)


class Nudge(SQLModel, table=True):
    """One revisit of a deployed design's decision: the source of truth for what is due, not the scheduler.

    ``due_at`` is when the dispatcher must next act on the row (send it, remind, give up, or retry after
    a lease ran out), and is NULL once the revisit has an outcome, so one index serves the due query.
    A dispatcher claims a row by moving ``due_at`` to the end of its lease; ``send_started_at`` says a
    post may have gone out, so a row claimed again is first looked for in the thread.
    """

    __table_args__ = (
        UniqueConstraint("design_id", "question_id", "round", name="uq_nudge_round"),
        Index("ix_nudge_due", "due_at"),
        Index("ix_nudge_design", "team_id", "design_id", "question_id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    team_id: str = Field(max_length=32)
    design_id: int = Field(foreign_key="design.id", ondelete="CASCADE")
    question_id: str = Field(max_length=64)
    round: int = 0  # one more for every revisit of this question, a snoozed one included
    status: str = Field(default="scheduled", max_length=16)
    due_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    any_hour: bool = False  # `/mldesign remind … now`: send at once, outside working hours too
    not_before: datetime | None = Field(default=None, sa_type=UTCDateTime)  # a snooze's end: never sooner
    claim: str | None = Field(default=None, max_length=64)
    attempts: int = 0
    send_started_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    message_ts: str | None = Field(default=None, max_length=32)
    sent_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    reminded_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_at: datetime | None = Field(default=None, sa_type=UTCDateTime)
    resolved_by: str | None = Field(default=None, max_length=32)
    failure: str | None = Field(default=None, max_length=200)
    # The success target's revisit: the value the team measured since launch, as they wrote it.
    measured: str | None = Field(default=None, max_length=200)
    # Reopened by a production alert (``ProductionAlert``): it goes out at once, reminders on or off.
    by_alert: bool = False
    created_at: datetime = _timestamp()


class CatalogVersion(SQLModel, table=True):
    """Each catalog version a design was started with, as it was then, so a design keeps its own questions
    (and its summary its own wording) after a team changes ``MLDESIGN_CATALOG``."""

    catalog_id: str = Field(primary_key=True, max_length=64)
    version: int = Field(primary_key=True)
    digest: str = Field(max_length=64)  # sha256 of the content: the same id and version must mean the same questions
    content: dict[str, Any] = Field(sa_column=Column(JSON, nullable=False))
    created_at: datetime = _timestamp()


class WorkspaceRemoval(SQLModel, table=True):
    """A workspace that uninstalled mldesign: its designs are deleted once ``purge_after`` has passed, unless
    it installs mldesign again before (the grace period lets a team that removed the app by mistake return)."""

    team_id: str = Field(primary_key=True, max_length=32)
    uninstalled_at: datetime = Field(sa_type=UTCDateTime)
    purge_after: datetime = Field(sa_type=UTCDateTime, index=True)


class SeenRequest(SQLModel, table=True):
    """Signatures of the requests answered in the last minutes: a valid request sent again is a replay.
    Rows older than Slack's five-minute signature window serve no purpose and are pruned."""

    signature: str = Field(primary_key=True, max_length=80)
    received_at: datetime = _timestamp(index=True)


class ProcessedEvent(SQLModel, table=True):
    """Slack event and interaction ids already handled, so retries and duplicates change nothing."""

    team_id: str = Field(primary_key=True, max_length=32)
    event_id: str = Field(primary_key=True, max_length=128)
    received_at: datetime = _timestamp(index=True)
