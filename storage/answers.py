"""Answers: each question's versions (the latest is its current answer, the rest its history), their statuses for many
designs at once, and the ✅ reactions still to add.

Every query takes the Slack team id, and none commits (the caller's unit of work does)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Table, bindparam, func, update
from sqlalchemy import select as core_select
from sqlmodel import Session, col, select

from flows.walkthrough import AnswerStatus
from storage.models import (
    Answer,
)

_answer: Table = Answer.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class AnswerState:
    """A question's current status and choices, without its text."""

    status: AnswerStatus
    choices: tuple[str, ...]


_STATES_OF = core_select(_answer.c.design_id, _answer.c.question_id, _answer.c.status, _answer.c.choices).where(
    _answer.c.id.in_(
        core_select(func.max(_answer.c.id))
        .where(
            _answer.c.team_id == bindparam("team_id"),
            _answer.c.design_id.in_(bindparam("design_ids", expanding=True)),
        )
        .group_by(_answer.c.design_id, _answer.c.question_id)
    ),
    _answer.c.status != AnswerStatus.WITHDRAWN.value,
)


def add_answer(*, session: Session, design_id: int, answer: Answer) -> Answer:
    answer.design_id = design_id
    session.add(answer)
    session.flush()
    return answer


def current_answers(*, session: Session, team_id: str, design_id: int) -> dict[str, Answer]:
    """Each question's latest answer (history rows are older versions)."""
    latest = (
        select(func.max(Answer.id))
        .where(Answer.team_id == team_id, Answer.design_id == design_id)
        .group_by(col(Answer.question_id))
    )
    rows = session.exec(select(Answer).where(col(Answer.id).in_(latest), Answer.status != AnswerStatus.WITHDRAWN)).all()
    return {answer.question_id: answer for answer in rows}


def current_answers_of(*, session: Session, team_id: str, design_ids: Sequence[int]) -> dict[int, dict[str, Answer]]:
    """``current_answers`` for many designs in one query (a list, the Home tab), keyed by design id."""
    found: dict[int, dict[str, Answer]] = {design_id: {} for design_id in design_ids}
    if not design_ids:
        return found
    current = select(Answer).where(
        col(Answer.id).in_(_latest_answers(team_id, design_ids)), Answer.status != AnswerStatus.WITHDRAWN
    )
    for answer in session.exec(current).all():
        found[answer.design_id][answer.question_id] = answer
    return found


def answer_states_of(*, session: Session, team_id: str, design_ids: Sequence[int]) -> dict[int, dict[str, AnswerState]]:
    """Each question's current status and choices for many designs, without loading the answers' text: enough for
    progress, and for the follow-ups that count in it."""
    found: dict[int, dict[str, AnswerState]] = {design_id: {} for design_id in design_ids}
    if not design_ids:
        return found
    rows = session.connection().execute(_STATES_OF, {"team_id": team_id, "design_ids": list(design_ids)})
    for design_id, question_id, status, choices in rows:
        found[design_id][question_id] = AnswerState(AnswerStatus(status), tuple(choices or ()))
    return found


def _latest_answers(team_id: str, design_ids: Sequence[int]) -> Any:
    """The ids of each question's current answer in these designs (older rows are its history)."""
    return (
        select(func.max(Answer.id))
        .where(Answer.team_id == team_id, col(Answer.design_id).in_(design_ids))
        .group_by(col(Answer.design_id), col(Answer.question_id))
    )


def answer_history(*, session: Session, team_id: str, design_id: int, question_id: str) -> Sequence[Answer]:
    return session.exec(
        select(Answer)
        .where(Answer.team_id == team_id, Answer.design_id == design_id, Answer.question_id == question_id)
        .order_by(col(Answer.id))
    ).all()


def all_answers(*, session: Session, team_id: str, design_id: int) -> Sequence[Answer]:
    """Every version of every answer, oldest first: the design document's history."""
    return session.exec(
        select(Answer).where(Answer.team_id == team_id, Answer.design_id == design_id).order_by(col(Answer.id))
    ).all()


def answers_awaiting_reaction(*, session: Session, team_id: str, design_id: int) -> Sequence[Answer]:
    return session.exec(
        select(Answer)
        .where(
            Answer.team_id == team_id,
            Answer.design_id == design_id,
            col(Answer.source_ts).is_not(None),
            col(Answer.reacted).is_(False),
        )
        .order_by(col(Answer.id))
    ).all()


def mark_reacted(*, session: Session, team_id: str, source_ts: str, design_id: int, up_to_id: int) -> None:
    """The reactions of a reply's versions up to ``up_to_id`` are in Slack; a version added since (an Undo while
    the ✅ was being added) still waits for its own."""
    session.connection().execute(
        _MARK_REACTED,
        {"scope_team_id": team_id, "scope_design_id": design_id, "scope_source_ts": source_ts, "up_to_id": up_to_id},
    )


# Built once, as the publisher marks every answer it reacted to (py-spy of the worker during answers).
_MARK_REACTED = (
    update(_answer)
    .where(
        # An UPDATE's parameters may not take its columns' names.
        _answer.c.team_id == bindparam("scope_team_id"),
        _answer.c.design_id == bindparam("scope_design_id"),
        _answer.c.source_ts == bindparam("scope_source_ts"),
        _answer.c.id <= bindparam("up_to_id"),
    )
    .values(reacted=True)
)
