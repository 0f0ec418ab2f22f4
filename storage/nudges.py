"""Nudge rows: scheduling revisits, claiming the due ones exactly once across processes, recording outcomes.

Claiming is atomic on both backends. PostgreSQL locks the due rows with ``FOR UPDATE SKIP LOCKED``, so
concurrent dispatchers take disjoint rows without waiting; SQLite (one writer at a time) moves each row's
``due_at`` with a conditional UPDATE and keeps it only when exactly one row changed. Either way a claim
is a lease: the row's ``due_at`` becomes the lease's end, so a dispatcher that dies is replaced after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, col, select

from flows.nudges import NudgeStatus
from storage.models import Nudge

OPEN = (NudgeStatus.SCHEDULED, NudgeStatus.SENT, NudgeStatus.REMINDED)


def open_nudges(*, session: Session, team_id: str, design_id: int) -> Sequence[Nudge]:
    """The design's revisits still waiting for an outcome, at most one per question."""
    return session.exec(
        select(Nudge)
        .where(Nudge.team_id == team_id, Nudge.design_id == design_id, col(Nudge.status).in_(OPEN))
        .order_by(col(Nudge.id))
    ).all()


def nudge_log(*, session: Session, team_id: str, design_id: int, limit: int = 20) -> Sequence[Nudge]:
    """The design's revisits with an outcome, newest first: the revisit log."""
    return session.exec(
        select(Nudge)
        .where(Nudge.team_id == team_id, Nudge.design_id == design_id, col(Nudge.status).not_in(OPEN))
        .order_by(col(Nudge.resolved_at).desc(), col(Nudge.id).desc())
        .limit(limit)
    ).all()


def get_nudge(*, session: Session, team_id: str, nudge_id: int, for_update: bool = False) -> Nudge | None:
    query = select(Nudge).where(Nudge.team_id == team_id, Nudge.id == nudge_id)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return session.exec(query).first()


def nudges_by_ids(*, session: Session, team_id: str, nudge_ids: Sequence[int]) -> Sequence[Nudge]:
    return session.exec(
        select(Nudge).where(Nudge.team_id == team_id, col(Nudge.id).in_(nudge_ids)).order_by(col(Nudge.id))
    ).all()


def nudges_in_message(*, session: Session, team_id: str, design_id: int, message_ts: str) -> Sequence[Nudge]:
    return session.exec(
        select(Nudge)
        .where(Nudge.team_id == team_id, Nudge.design_id == design_id, Nudge.message_ts == message_ts)
        .order_by(col(Nudge.id))
    ).all()


def latest_round(*, session: Session, team_id: str, design_id: int, question_id: str) -> int | None:
    row = session.exec(
        select(Nudge.round)
        .where(Nudge.team_id == team_id, Nudge.design_id == design_id, Nudge.question_id == question_id)
        .order_by(col(Nudge.round).desc())
    ).first()
    return row


def add_nudge(*, session: Session, nudge: Nudge) -> Nudge:
    session.add(nudge)
    session.flush()
    return nudge


def next_due_at(*, session: Session, team_id: str, design_id: int) -> datetime | None:
    """When the design's next revisit goes out (the earliest scheduled one)."""
    return session.exec(
        select(Nudge.due_at)
        .where(
            Nudge.team_id == team_id,
            Nudge.design_id == design_id,
            Nudge.status == NudgeStatus.SCHEDULED,
            col(Nudge.due_at).is_not(None),
        )
        .order_by(col(Nudge.due_at))
    ).first()


def claim_due(*, session: Session, now: datetime, lease_until: datetime, claim: str, limit: int = 200) -> list[Nudge]:
    """Take the rows due at ``now`` for this dispatcher until ``lease_until``; another dispatcher running
    at the same time gets other rows, never the same ones."""
    due = select(Nudge).where(col(Nudge.due_at) <= now).order_by(col(Nudge.due_at)).limit(limit)
    if session.get_bind().dialect.name == "postgresql":
        rows = list(session.exec(due.with_for_update(skip_locked=True)).all())
        if rows:
            session.exec(  # type: ignore[call-overload]
                update(Nudge).where(col(Nudge.id).in_([row.id for row in rows])).values(due_at=lease_until, claim=claim)
            )
        claimed = [row.id for row in rows]
    else:
        claimed = []
        for row in session.exec(due).all():
            result = session.exec(  # type: ignore[call-overload]
                update(Nudge)
                .where(col(Nudge.id) == row.id, col(Nudge.due_at) == row.due_at)
                .values(due_at=lease_until, claim=claim)
            )
            if result.rowcount == 1:
                claimed.append(row.id)
    session.flush()
    session.expire_all()
    return list(session.exec(select(Nudge).where(col(Nudge.id).in_(claimed)).order_by(col(Nudge.id))).all())


def holds_claim(*, session: Session, nudge: Nudge, claim: str) -> bool:
    """Whether this dispatcher still owns the row (its lease was not taken over), locking it if it does."""
    current = session.exec(
        select(Nudge).where(Nudge.id == nudge.id).with_for_update().execution_options(populate_existing=True)
    ).first()
    return current is not None and current.claim == claim
