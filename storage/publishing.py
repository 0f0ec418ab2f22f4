"""What the publisher records: its lease on a design, the revision Slack shows, the posts it made (the parent, the
summary, the closing) and each question's prompt.

Every query takes the Slack team id, and none commits (the caller's unit of work does)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from storage.models import (
    Design,
    Prompt,
)


def mark_published(*, session: Session, team_id: str, design_id: int, revision: int) -> None:
    """Move ``published_revision`` forward only, so a slow publisher never hides a newer change."""
    session.exec(  # type: ignore[call-overload]
        update(Design)
        .where(
            col(Design.team_id) == team_id,
            col(Design.id) == design_id,
            col(Design.published_revision) < revision,
        )
        .values(published_revision=revision)
    )


def take_publishing_lease(
    *, session: Session, team_id: str, design_id: int, claim: str, now: datetime, until: datetime
) -> bool:
    """Become the design's only publisher until ``until`` (across processes); False while another holds it, and
    when Slack already shows its latest revision (a publish asked for twice has nothing left to do, and must not
    hold a lease that a crash would leave for its whole length).

    A conditional UPDATE is atomic on SQLite and PostgreSQL alike, and a lease left by a process that died
    simply runs out."""
    result = session.exec(  # type: ignore[call-overload]
        update(Design)
        .where(
            col(Design.team_id) == team_id,
            col(Design.id) == design_id,
            col(Design.published_revision) < col(Design.revision),
            or_(col(Design.publishing_until).is_(None), col(Design.publishing_until) < now),
        )
        .values(publishing_claim=claim, publishing_until=until)
    )
    return bool(result.rowcount == 1)


def renew_publishing_lease(*, session: Session, team_id: str, design_id: int, claim: str, until: datetime) -> bool:
    """Extend a lease still held; False when it ran out and another publisher took the design over."""
    result = session.exec(  # type: ignore[call-overload]
        update(Design)
        .where(col(Design.team_id) == team_id, col(Design.id) == design_id, col(Design.publishing_claim) == claim)
        .values(publishing_until=until)
    )
    return bool(result.rowcount == 1)


def release_publishing_lease(*, session: Session, team_id: str, design_id: int, claim: str) -> None:
    session.exec(  # type: ignore[call-overload]
        update(Design)
        .where(col(Design.team_id) == team_id, col(Design.id) == design_id, col(Design.publishing_claim) == claim)
        .values(publishing_claim=None, publishing_until=None)
    )


def unpublished_designs(*, session: Session, limit: int = 500) -> Sequence[tuple[str, int]]:
    """Designs with changes not yet shown in Slack, across teams: the publisher's to-do list after a restart."""
    rows = session.exec(
        select(Design.team_id, Design.id)
        .where(col(Design.published_revision) < col(Design.revision))
        .order_by(col(Design.updated_at))
        .limit(limit)
    ).all()
    return [(team_id, design_id) for team_id, design_id in rows if design_id is not None]


def prompts(*, session: Session, team_id: str, design_id: int) -> Sequence[Prompt]:
    return session.exec(
        select(Prompt).where(Prompt.team_id == team_id, Prompt.design_id == design_id).order_by(col(Prompt.step))
    ).all()


def get_prompt(*, session: Session, team_id: str, design_id: int, step: int) -> Prompt | None:
    return session.exec(
        select(Prompt).where(Prompt.team_id == team_id, Prompt.design_id == design_id, Prompt.step == step)
    ).first()


def claim_prompt(*, session: Session, prompt: Prompt) -> bool:
    """Insert the prompt row before posting it; False when another publisher already claimed this step."""
    try:
        with session.begin_nested():
            session.add(prompt)
    except IntegrityError:
        return False
    return True


def record_publication(*, session: Session, team_id: str, design_id: int, **columns: object) -> None:
    """Store what the publisher posted (message ts, permalink, claims) without touching walkthrough state,
    which listeners may have moved on in the meantime."""
    allowed = {
        "parent_ts",
        "parent_claimed_at",
        "permalink",
        "closing_ts",
        "closing_claimed_at",
        "deployed_ts",
        "deployed_claimed_at",
        "summary_ts",
        "summary_claimed_at",
        "summary_pinned",
        "summary_refused",
        "canvas_id",
        "canvas_url",
        "canvas_digest",
        "canvas_shared",
        "canvas_refused",
        "canvas_refused_at",
        "review_ts",
        "review_claimed_at",
        "review_posted_round",
        "review_version",
    }
    if not columns.keys() <= allowed:
        raise ValueError(f"not publisher columns: {sorted(columns.keys() - allowed)}")
    session.exec(  # type: ignore[call-overload]
        update(Design).where(col(Design.team_id) == team_id, col(Design.id) == design_id).values(**columns)
    )


def save_prompt(*, session: Session, prompt: Prompt) -> None:
    """Store what the publisher did with a question's message. Only its own columns: the step and question a
    prompt stands for are the walkthrough's, which a listener may have moved since (a question asked again in its
    message, ``walkthroughs.reuse_prompt``)."""
    session.exec(  # type: ignore[call-overload]
        update(Prompt)
        .where(col(Prompt.team_id) == prompt.team_id, col(Prompt.id) == prompt.id)
        .values(
            message_ts=prompt.message_ts,
            rendered_answer_id=prompt.rendered_answer_id,
            rendered_current=prompt.rendered_current,
            post_started_at=prompt.post_started_at,
        )
    )


def delete_prompt(*, session: Session, team_id: str, prompt_id: int | None) -> None:
    prompt = session.exec(select(Prompt).where(Prompt.team_id == team_id, Prompt.id == prompt_id)).first()
    if prompt is not None:
        session.delete(prompt)
