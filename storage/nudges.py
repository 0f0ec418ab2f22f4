"""Nudge rows: scheduling revisits, claiming the due ones exactly once across processes, recording outcomes.

Claiming is atomic on both backends. PostgreSQL locks the due rows with ``FOR UPDATE SKIP LOCKED``, so
concurrent dispatchers take disjoint rows without waiting; SQLite (one writer at a time) moves each row's
``due_at`` with a conditional UPDATE and keeps it only when exactly one row changed. Either way a claim
is a lease: the row's ``due_at`` becomes the lease's end, so a dispatcher that dies is replaced after it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Table, bindparam, func, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from flows.nudges import NudgeStatus
from storage.models import Nudge

OPEN = tuple(status for status in NudgeStatus if status.is_open)
CLAIM_BATCH = 200  # due rows taken at once (with the rest of their designs' due rows)


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


_nudge: Table = Nudge.__table__  # type: ignore[attr-defined]
# Read by `/mldesign list` in the acknowledgement: built once, with bind parameters.
_NEXT_DUE_OF = (
    core_select(_nudge.c.design_id, func.min(_nudge.c.due_at))
    .where(
        _nudge.c.team_id == bindparam("team_id"),
        _nudge.c.design_id.in_(bindparam("design_ids", expanding=True)),
        _nudge.c.status == NudgeStatus.SCHEDULED.value,
        _nudge.c.due_at.is_not(None),
    )
    .group_by(_nudge.c.design_id)
)


def next_due_of(*, session: Session, team_id: str, design_ids: Sequence[int]) -> dict[int, datetime]:
    """``next_due_at`` for many designs in one query; designs with nothing scheduled are left out."""
    if not design_ids:
        return {}
    rows = session.connection().execute(_NEXT_DUE_OF, {"team_id": team_id, "design_ids": list(design_ids)})
    return {design_id: due for design_id, due in rows if due is not None}


def claim_due(
    *, session: Session, now: datetime, lease_until: datetime, claim: str, limit: int = CLAIM_BATCH
) -> list[Nudge]:
    """Take the rows due at ``now`` for this claim until ``lease_until``; a dispatcher running at the same
    time gets other rows, never the same ones. Every due row of a design taken comes along, so a design's
    revisits go out together even when more than ``limit`` rows are due."""
    due = select(Nudge).where(col(Nudge.due_at) <= now).order_by(col(Nudge.due_at)).limit(limit)
    claimed = _claim(session, due, lease_until, claim)
    design_ids = {row.design_id for row in claimed}
    if design_ids:
        rest = select(Nudge).where(col(Nudge.due_at) <= now, col(Nudge.design_id).in_(design_ids))
        claimed += _claim(session, rest, lease_until, claim)
    session.flush()
    session.expire_all()
    ids = [row.id for row in claimed]
    return list(session.exec(select(Nudge).where(col(Nudge.id).in_(ids)).order_by(col(Nudge.id))).all())


def _claim(session: Session, due: Any, lease_until: datetime, claim: str) -> list[Nudge]:
    if session.get_bind().dialect.name == "postgresql":
        rows = list(session.exec(due.with_for_update(skip_locked=True)).all())
        if rows:
            session.exec(  # type: ignore[call-overload]
                update(Nudge).where(col(Nudge.id).in_([row.id for row in rows])).values(due_at=lease_until, claim=claim)
            )
        return rows
    claimed = []
    for row in session.exec(due).all():
        result = session.exec(  # type: ignore[call-overload]
            update(Nudge)
            .where(col(Nudge.id) == row.id, col(Nudge.due_at) == row.due_at)
            .values(due_at=lease_until, claim=claim)
        )
        if result.rowcount == 1:
            claimed.append(row)
    return claimed


def lock_held(*, session: Session, nudge_id: int, claim: str) -> Nudge | None:
    """The row, locked, if this claim still holds it (its lease was not taken over); else None."""
    row = session.exec(
        select(Nudge).where(Nudge.id == nudge_id).with_for_update().execution_options(populate_existing=True)
    ).first()
    return row if row is not None and row.claim == claim else None


def is_leased(nudge: Nudge, now: datetime) -> bool:
    """A dispatcher holds the row right now: leave its timing alone."""
    return nudge.claim is not None and nudge.due_at is not None and nudge.due_at > now
