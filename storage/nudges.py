"""Nudge rows: scheduling revisits, claiming the due ones exactly once across processes, recording outcomes.

Claiming is atomic on both backends. PostgreSQL locks the due rows with ``FOR UPDATE SKIP LOCKED``, so
concurrent dispatchers take disjoint rows without waiting; SQLite (one writer at a time) moves each row's
``due_at`` with a conditional UPDATE and keeps it only when exactly one row changed. Either way a claim
is a lease: the row's ``due_at`` becomes the lease's end, so a dispatcher that dies is replaced after it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, Table, and_, bindparam, case, func, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from flows.nudges import NudgeStatus
from flows.walkthrough import AnswerStatus
from storage.models import Answer, Design, Nudge

OPEN = tuple(status for status in NudgeStatus if status.is_open)
CLAIM_BATCH = 200  # due rows taken at once (with the rest of their designs' due rows)


def open_nudges(*, session: Session, team_id: str, design_id: int, for_update: bool = False) -> Sequence[Nudge]:
    """The design's revisits still waiting for an outcome, at most one per question. ``for_update`` locks them (on
    PostgreSQL) until the unit of work ends: a dispatcher's hold on them waits, then sees what this one wrote."""
    statement = (
        select(Nudge)
        .where(Nudge.team_id == team_id, Nudge.design_id == design_id, col(Nudge.status).in_(OPEN))
        .order_by(col(Nudge.id))
    )
    return session.exec(statement.with_for_update() if for_update else statement).all()


def nudge_log(*, session: Session, team_id: str, design_id: int, limit: int = 20) -> Sequence[Nudge]:
    """The design's revisits with an outcome, newest first: the revisit log."""
    return session.exec(
        select(Nudge)
        .where(Nudge.team_id == team_id, Nudge.design_id == design_id, col(Nudge.status).not_in(OPEN))
        .order_by(col(Nudge.resolved_at).desc(), col(Nudge.id).desc())
        .limit(limit)
    ).all()


def latest_measurement(*, session: Session, team_id: str, design_id: int, question_id: str) -> Nudge | None:
    """The revisit of ``question_id`` (the success target's) that last recorded a value measured since launch."""
    return session.exec(
        select(Nudge)
        .where(
            Nudge.team_id == team_id,
            Nudge.design_id == design_id,
            Nudge.question_id == question_id,
            col(Nudge.measured).is_not(None),
        )
        .order_by(col(Nudge.resolved_at).desc(), col(Nudge.id).desc())
        .limit(1)
    ).first()


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


def latest_rounds(*, session: Session, team_id: str, design_id: int) -> dict[str, int]:
    """Each question's latest revisit round in the design (its next revisit is one more)."""
    rows = session.exec(
        select(Nudge.question_id, func.max(Nudge.round))
        .where(Nudge.team_id == team_id, Nudge.design_id == design_id)
        .group_by(col(Nudge.question_id))
    ).all()
    return {question_id: int(latest) for question_id, latest in rows}


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


def waiting_of(*, session: Session, team_id: str, design_ids: Sequence[int]) -> dict[int, int]:
    """How many revisits of each design were asked in its thread and wait for the team (sent or reminded)."""
    if not design_ids:
        return {}
    rows = session.exec(
        select(Nudge.design_id, func.count())
        .where(
            Nudge.team_id == team_id,
            col(Nudge.design_id).in_(design_ids),
            col(Nudge.status).in_([NudgeStatus.SENT.value, NudgeStatus.REMINDED.value]),
        )
        .group_by(col(Nudge.design_id))
    ).all()
    return {design_id: int(count) for design_id, count in rows}


def claim_due(
    *, session: Session, now: datetime, lease_until: datetime, claim: str, limit: int = CLAIM_BATCH
) -> list[Nudge]:
    """Take the rows due at ``now`` for this claim until ``lease_until``: the designs of the first ``limit`` due
    rows, each with every due row it has, so a design's revisits go out together (one message). A dispatcher
    running at the same time gets other designs, never the same rows.

    On PostgreSQL the designs are locked first, skipping those another transaction holds (a dispatcher claiming
    them, a webhook reopening their decisions): a claim never waits, so claims that each hold some designs can't
    deadlock (waiting, in id order, deadlocked once a claim went round again still holding its first designs), and a
    skipped design's rows are taken by whoever holds it or by the next dispatch. Locking the nudge rows alone (SKIP
    LOCKED) let two dispatchers each take part of one design's rows. SQLite runs one write transaction at a time."""
    locking = session.get_bind().dialect.name == "postgresql"
    for _ in range(CLAIM_ROUNDS):
        candidates = session.exec(
            select(Nudge.design_id).where(col(Nudge.due_at) <= now).order_by(col(Nudge.due_at)).limit(limit)
        ).all()
        if not candidates:
            return []
        designs = sorted(set(candidates))
        if locking:
            designs = list(
                session.exec(
                    select(Design.id)
                    .where(col(Design.id).in_(designs))
                    .order_by(col(Design.id))
                    .with_for_update(skip_locked=True)
                ).all()
            )
            if not designs:  # all held elsewhere right now
                return []
        taken = session.exec(  # type: ignore[call-overload]
            update(Nudge)
            .where(col(Nudge.design_id).in_(designs), col(Nudge.due_at) <= now)
            .values(due_at=lease_until, claim=claim)
            .returning(Nudge.id)
        ).all()
        if taken:  # none: another dispatcher took these designs and committed before this one looked
            ids = [row_id for (row_id,) in taken]
            session.expire_all()
            return list(session.exec(select(Nudge).where(col(Nudge.id).in_(ids)).order_by(col(Nudge.id))).all())
    return []


# Rounds of "these designs were taken meanwhile" before a claim gives up until the next tick.
CLAIM_ROUNDS = 20


def update_held(*, session: Session, nudge_ids: Sequence[int], held_by: str, values: Mapping[str, object]) -> list[int]:
    """Write ``values`` to the rows the claim ``held_by`` still holds and that have no outcome yet, in one
    statement; returns their ids (rows whose lease another dispatch took over, or that someone closed meanwhile,
    are left alone). ``values`` may give the rows up (``claim=None``)."""
    if not nudge_ids:
        return []
    held = session.connection().execute(
        update(_nudge)
        .where(_nudge.c.id.in_(nudge_ids), _nudge.c.claim == held_by, _nudge.c.status.in_(OPEN))
        .values(**values)
        .returning(_nudge.c.id)
    )
    return [row_id for (row_id,) in held]


def _still_held() -> ColumnElement[bool]:
    return and_(_nudge.c.claim == bindparam("held_by"), _nudge.c.status == NudgeStatus.SCHEDULED.value)


# Every row the message carries gets it; the rows this claim still holds move to "sent" (SET expressions all see
# the row as it was, so the CASEs test the old claim and status). RETURNING shows each row's status afterwards.
_SENT = (
    update(_nudge)
    .where(_nudge.c.id.in_(bindparam("ids", expanding=True)))
    .values(
        message_ts=bindparam("ts"),
        sent_at=bindparam("at", type_=_nudge.c.sent_at.type),
        status=case((_still_held(), NudgeStatus.SENT.value), else_=_nudge.c.status),
        due_at=case((_still_held(), bindparam("remind_at", type_=_nudge.c.due_at.type)), else_=_nudge.c.due_at),
        claim=case((_still_held(), None), else_=_nudge.c.claim),
        attempts=case((_still_held(), 0), else_=_nudge.c.attempts),
        send_started_at=case((_still_held(), None), else_=_nudge.c.send_started_at),
    )
    .returning(_nudge.c.id, _nudge.c.status, _nudge.c.by_alert)
)


class Recorded(NamedTuple):
    """What ``record_sent`` found on the rows a message carried."""

    acted_on: bool  # some row shows anything but "sent": a click beat the write, and the row keeps its outcome
    by_alert: frozenset[int]  # the rows an alert has reopened (perhaps while the message was on its way)


def record_sent(
    *, session: Session, nudge_ids: Sequence[int], claim: str, message_ts: str, sent_at: datetime, remind_at: datetime
) -> Recorded:
    """Record the message on every row it carried; the rows this claim still holds move to "sent", due for their
    reminder, in one statement. The caller redraws the message when a row was acted on or an alert reopened it
    after the message was drawn."""
    parameters = {"ids": list(nudge_ids), "ts": message_ts, "at": sent_at, "held_by": claim, "remind_at": remind_at}
    rows = session.connection().execute(_SENT, parameters).all()
    return Recorded(
        acted_on=any(status != NudgeStatus.SENT.value for _, status, _ in rows),
        by_alert=frozenset(row_id for row_id, _, by_alert in rows if by_alert),
    )


@dataclass(frozen=True)
class ShownAnswer:
    """What a revisit shows of a question's current answer."""

    status: str
    text: str
    choices: list[str]
    created_at: datetime


_answer: Table = Answer.__table__  # type: ignore[attr-defined]
_ANSWERS_SHOWN = core_select(
    _answer.c.team_id,
    _answer.c.design_id,
    _answer.c.question_id,
    _answer.c.status,
    _answer.c.text,
    _answer.c.choices,
    _answer.c.created_at,
).where(
    _answer.c.id.in_(
        core_select(func.max(_answer.c.id))
        .where(
            _answer.c.team_id.in_(bindparam("team_ids", expanding=True)),
            _answer.c.design_id.in_(bindparam("design_ids", expanding=True)),
            _answer.c.question_id.in_(bindparam("question_ids", expanding=True)),
        )
        .group_by(_answer.c.design_id, _answer.c.question_id)
    ),
    _answer.c.status != AnswerStatus.WITHDRAWN.value,  # a deleted reply's answer is no decision to show
)
_CONFIRMED = (
    core_select(_nudge.c.team_id, _nudge.c.design_id, _nudge.c.question_id, _nudge.c.resolved_at, _nudge.c.resolved_by)
    .where(
        _nudge.c.team_id.in_(bindparam("team_ids", expanding=True)),
        _nudge.c.design_id.in_(bindparam("design_ids", expanding=True)),
        _nudge.c.question_id.in_(bindparam("question_ids", expanding=True)),
        _nudge.c.status == NudgeStatus.CONFIRMED.value,
        _nudge.c.resolved_at.is_not(None),
    )
    .order_by(_nudge.c.resolved_at.desc(), _nudge.c.id.desc())
)

DesignKey = tuple[str, int]  # (team id, design id): a row of another team never counts for a design


def _of(designs: Sequence[DesignKey], question_ids: Sequence[str]) -> dict[str, list[object]]:
    return {
        "team_ids": sorted({team_id for team_id, _ in designs}),
        "design_ids": sorted({design_id for _, design_id in designs}),
        "question_ids": sorted(set(question_ids)),
    }


def answers_shown(
    *, session: Session, designs: Sequence[DesignKey], question_ids: Sequence[str]
) -> dict[DesignKey, dict[str, ShownAnswer]]:
    """The current answers of the questions revisits bring back (not every answer and its text), for a few designs
    in one query: (team, design) -> question id -> answer."""
    wanted, found = set(designs), {}
    if not designs:
        return found
    for team_id, design_id, question_id, status, text, choices, created_at in session.connection().execute(
        _ANSWERS_SHOWN, _of(designs, question_ids)
    ):
        if (team_id, design_id) in wanted:
            found.setdefault((team_id, design_id), {})[question_id] = ShownAnswer(
                status, text, list(choices), created_at
            )
    return found


def last_confirmations(
    *, session: Session, designs: Sequence[DesignKey], question_ids: Sequence[str]
) -> dict[DesignKey, dict[str, tuple[datetime, str | None]]]:
    """When each of these questions was last confirmed as still holding, and by whom, for a few designs at once."""
    wanted, found = set(designs), {}
    if not designs:
        return found
    for team_id, design_id, question_id, resolved_at, resolved_by in session.connection().execute(
        _CONFIRMED, _of(designs, question_ids)
    ):
        if (team_id, design_id) in wanted:
            found.setdefault((team_id, design_id), {}).setdefault(question_id, (resolved_at, resolved_by))
    return found


def lock_held(*, session: Session, nudge_id: int, claim: str) -> Nudge | None:
    """The row, locked, if this claim still holds it (its lease was not taken over); else None."""
    row = session.exec(
        select(Nudge).where(Nudge.id == nudge_id).with_for_update().execution_options(populate_existing=True)
    ).first()
    return row if row is not None and row.claim == claim else None


def is_leased(nudge: Nudge, now: datetime) -> bool:
    """A dispatcher holds the row right now: leave its timing alone."""
    return nudge.claim is not None and nudge.due_at is not None and nudge.due_at > now
