"""What an answer or a click reads and writes before it is acknowledged: the design's walkthrough under its row
lock, the questions posted in its thread, its current answers, the new answer and the move.

These run on the acknowledgement path, so each statement is built once, with bind parameters, and returns plain
columns: building an ORM query and loading ORM objects cost several times more than SQLite took to run it
(docs/benchmarks.md). Like every repository function, none of them commits and every one takes the team id.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import Boolean, Table, bindparam, func, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlmodel import Session

from flows.thread import ThreadView
from flows.walkthrough import AnswerStatus, GivenAnswer, WalkState, state_of
from storage.deliveries import claim_event
from storage.models import Answer, Design, DesignStatus, Prompt

_design: Table = Design.__table__  # type: ignore[attr-defined]
_answer: Table = Answer.__table__  # type: ignore[attr-defined]
_prompt: Table = Prompt.__table__  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Walkthrough:
    """Where a design's walkthrough stands, read under the design's row lock."""

    id: int
    team_id: str
    catalog_id: str
    catalog_version: int
    current_question_id: str | None
    step: int
    closing_ts: str | None
    name: str

    def state(self, answers: Mapping[str, GivenAnswer]) -> WalkState:
        """Where the walkthrough stands, with the questions' current ``answers`` (which settle them, and whose
        choices decide the follow-ups that apply)."""
        return state_of(self.current_question_id, self.step, answers)


@dataclass(frozen=True)
class CurrentAnswer:
    """A question's latest answer, without its text (which may be long and is rarely needed)."""

    id: int
    status: AnswerStatus
    choices: tuple[str, ...]
    author_id: str
    has_text: bool


_WALKTHROUGH = select(
    _design.c.id,
    _design.c.team_id,
    _design.c.catalog_id,
    _design.c.catalog_version,
    _design.c.current_question_id,
    _design.c.step,
    _design.c.closing_ts,
    _design.c.name,
)
# FOR UPDATE on PostgreSQL (SQLite renders nothing: its writers are serialised by BEGIN IMMEDIATE).
_LOCK_BY_ID = _WALKTHROUGH.where(
    _design.c.team_id == bindparam("team_id"), _design.c.id == bindparam("design_id")
).with_for_update()
_LOCK_BY_THREAD = _WALKTHROUGH.where(
    _design.c.team_id == bindparam("team_id"),
    _design.c.channel_id == bindparam("channel_id"),
    _design.c.parent_ts == bindparam("thread_ts"),
).with_for_update()
_POSTED = (
    select(func.coalesce(_prompt.c.asked_ts, _prompt.c.message_ts), _prompt.c.question_id)
    .where(
        _prompt.c.team_id == bindparam("team_id"),
        _prompt.c.design_id == bindparam("design_id"),
        _prompt.c.message_ts.is_not(None),
    )
    .order_by(_prompt.c.step)
)
_LATEST_IDS = (
    select(func.max(_answer.c.id))
    .where(_answer.c.team_id == bindparam("team_id"), _answer.c.design_id == bindparam("design_id"))
    .group_by(_answer.c.question_id)
)
_CURRENT = select(
    _answer.c.question_id,
    _answer.c.id,
    _answer.c.status,
    _answer.c.choices,
    _answer.c.author_id,
    _answer.c.text != "",
).where(_answer.c.id.in_(_LATEST_IDS), _answer.c.status != AnswerStatus.WITHDRAWN.value)
# The question whose current answer a reply gave (so deleting the reply withdraws it).
_ANSWERED_BY = select(_answer.c.question_id).where(
    _answer.c.id.in_(_LATEST_IDS),
    _answer.c.source_ts == bindparam("source_ts"),
    _answer.c.status != AnswerStatus.WITHDRAWN.value,
)
_TEXT = select(_answer.c.text).where(_answer.c.team_id == bindparam("team_id"), _answer.c.id == bindparam("answer_id"))
_FROM_MESSAGE = (
    select(_answer.c.question_id, _answer.c.text, _answer.c.reacted, _answer.c.status)
    .where(
        _answer.c.team_id == bindparam("team_id"),
        _answer.c.design_id == bindparam("design_id"),
        _answer.c.source_ts == bindparam("source_ts"),
    )
    .order_by(_answer.c.id.desc())
    .limit(1)
)
_asked_before = _prompt.alias("asked_before")  # an alias, so the subquery is not correlated with the UPDATE's row
_LATEST_POSTED_OF_QUESTION = (
    select(_asked_before.c.id)
    .where(
        _asked_before.c.team_id == bindparam("scope_team_id"),
        _asked_before.c.design_id == bindparam("scope_design_id"),
        _asked_before.c.question_id == bindparam("scope_question_id"),
        _asked_before.c.message_ts.is_not(None),
    )
    .order_by(_asked_before.c.step.desc())
    .limit(1)
    .scalar_subquery()
)
_REUSE_PROMPT = (
    update(_prompt)
    .where(_prompt.c.id == _LATEST_POSTED_OF_QUESTION)
    .values(step=bindparam("new_step"), asked_ts=bindparam("new_asked_ts"))
)
_ADD_ANSWER = insert(_answer)
# An UPDATE's WHERE can't bind names of the columns it sets; the SET columns come from the parameters.
_CHANGED = update(_design).where(
    _design.c.team_id == bindparam("scope_team_id"), _design.c.id == bindparam("scope_design_id")
)
_MOVE = _CHANGED.values(
    # A finished walkthrough gets its pinned summary; one asked for earlier stays wanted.
    summary_wanted=or_(_design.c.summary_wanted, bindparam("complete", type_=Boolean)),
    revision=_design.c.revision + 1,
)
_TOUCH = _CHANGED.values(revision=_design.c.revision + 1)


def add_design(
    *,
    session: Session,
    team_id: str,
    channel_id: str,
    name: str,
    name_key: str,
    started_by: str,
    catalog_id: str,
    catalog_version: int,
    current_question_id: str | None,
    step: int,
    response_url: str | None,
    now: datetime,
) -> int | None:
    """A new design at its first question, and its id; None when the channel has a design of that name already.
    The name is claimed by the unique constraint, so two starts of one name at once get one design."""
    row = _run(
        session,
        _add_design_statement(session.get_bind().dialect.name),
        team_id=team_id,
        channel_id=channel_id,
        name=name,
        name_key=name_key,
        started_by=started_by,
        catalog_id=catalog_id,
        catalog_version=catalog_version,
        current_question_id=current_question_id,
        step=step,
        response_url=response_url,
        created_at=now,
        updated_at=now,
    ).first()
    return None if row is None else int(row[0])


@cache
def _add_design_statement(dialect: str) -> Any:
    insert_into = postgresql.insert if dialect == "postgresql" else sqlite.insert
    return (
        insert_into(_design)
        .on_conflict_do_nothing(index_elements=[_design.c.team_id, _design.c.channel_id, _design.c.name_key])
        .returning(_design.c.id)
    )


def lock_walkthrough(*, session: Session, team_id: str, design_id: int) -> Walkthrough | None:
    """The design's walkthrough, its row locked (on PostgreSQL) until the unit of work ends."""
    row = _run(session, _LOCK_BY_ID, team_id=team_id, design_id=design_id).first()
    return None if row is None else Walkthrough(*row)


def lock_walkthrough_by_thread(
    *, session: Session, team_id: str, channel_id: str, thread_ts: str
) -> Walkthrough | None:
    """The walkthrough of the design whose thread this is, locked as ``lock_walkthrough``; None for any other
    thread."""
    row = _run(session, _LOCK_BY_THREAD, team_id=team_id, channel_id=channel_id, thread_ts=thread_ts).first()
    return None if row is None else Walkthrough(*row)


def load_thread(
    *, session: Session, team_id: str, channel_id: str, thread_ts: str
) -> tuple[Walkthrough, ThreadView] | None:
    """The snapshot a message in a design's thread is decided on, read at once under the design's row lock: where
    the walkthrough stands, the questions posted in the thread, each question's current answer. None for a thread
    that is no design's."""
    walk = lock_walkthrough_by_thread(session=session, team_id=team_id, channel_id=channel_id, thread_ts=thread_ts)
    if walk is None:
        return None
    view = ThreadView(
        current_question_id=walk.current_question_id,
        step=walk.step,
        closing_ts=walk.closing_ts,
        posted=posted_questions(session=session, team_id=team_id, design_id=walk.id),
        answers=current_answers(session=session, team_id=team_id, design_id=walk.id),
    )
    return walk, view


def record_answer(
    *,
    session: Session,
    walk: Walkthrough,
    delivery_id: str,
    question_id: str,
    status: AnswerStatus,
    author_id: str,
    now: datetime,
    move: WalkState | None,
    text: str = "",
    choices: tuple[str, ...] | list[str] = (),
    source_ts: str | None = None,
    reacted: bool = False,
) -> bool:
    """One decided answer, written at once: the delivery claimed (False, and nothing written, for a delivery seen
    before), the answer's new version, and the walkthrough moved to ``move`` (None: it stays, still a change)."""
    if not claim_event(session=session, team_id=walk.team_id, event_id=delivery_id, now=now):
        return False
    add_answer(
        session=session,
        team_id=walk.team_id,
        design_id=walk.id,
        question_id=question_id,
        status=status,
        author_id=author_id,
        now=now,
        text=text,
        choices=choices,
        source_ts=source_ts,
        reacted=reacted,
    )
    if move is None:
        mark_changed(session=session, team_id=walk.team_id, design_id=walk.id, now=now)
    else:
        move_to(session=session, walk=walk, state=move, now=now)
    return True


def move_to(*, session: Session, walk: Walkthrough, state: WalkState, now: datetime) -> None:
    """The walkthrough's new position. A question asked before is asked again in its own message (Back adds none
    to the thread), and replies from now on answer it."""
    if state.current is not None and state.step != walk.step:
        reuse_prompt(
            session=session,
            team_id=walk.team_id,
            design_id=walk.id,
            question_id=state.current,
            step=state.step,
            asked_ts=f"{now.timestamp():.6f}",
        )
    move(
        session=session,
        team_id=walk.team_id,
        design_id=walk.id,
        current_question_id=state.current,
        step=state.step,
        now=now,
    )


def posted_questions(*, session: Session, team_id: str, design_id: int) -> list[tuple[str, str]]:
    """(when asked, question id) of every question posted in the design's thread, in the order asked: a Slack
    timestamp, its message's or, for a question asked again in its message, the moment it was."""
    return [(ts, question_id) for ts, question_id in _run(session, _POSTED, team_id=team_id, design_id=design_id)]


def current_answers(*, session: Session, team_id: str, design_id: int) -> dict[str, CurrentAnswer]:
    """Each question's latest answer (older rows are its history), by question id."""
    rows = _run(session, _CURRENT, team_id=team_id, design_id=design_id)
    return {
        question_id: CurrentAnswer(answer_id, AnswerStatus(status), tuple(choices), author_id, bool(has_text))
        for question_id, answer_id, status, choices, author_id, has_text in rows
    }


def answer_text(*, session: Session, team_id: str, answer_id: int) -> str:
    return str(_run(session, _TEXT, team_id=team_id, answer_id=answer_id).scalar_one())


def answer_from_message(
    *, session: Session, team_id: str, design_id: int, source_ts: str
) -> tuple[str, str, bool] | None:
    """(question id, text, reacted) of the latest answer a thread reply gave, so an edit updates that question;
    None for a reply whose answer was withdrawn (the reply was deleted: a late edit of it brings nothing back)."""
    row = _run(session, _FROM_MESSAGE, team_id=team_id, design_id=design_id, source_ts=source_ts).first()
    if row is None or row[3] == AnswerStatus.WITHDRAWN.value:
        return None
    return row[0], row[1], bool(row[2])


def question_answered_by(*, session: Session, team_id: str, design_id: int, source_ts: str) -> str | None:
    """The question whose current answer the reply ``source_ts`` gave, if any."""
    return _run(session, _ANSWERED_BY, team_id=team_id, design_id=design_id, source_ts=source_ts).scalar()


def add_answer(
    *,
    session: Session,
    team_id: str,
    design_id: int,
    question_id: str,
    status: AnswerStatus,
    author_id: str,
    now: datetime,
    text: str = "",
    choices: tuple[str, ...] | list[str] = (),
    source_ts: str | None = None,
    reacted: bool = False,
) -> None:
    """A new version of a question's answer (history is append-only)."""
    _run(
        session,
        _ADD_ANSWER,
        team_id=team_id,
        design_id=design_id,
        question_id=question_id,
        status=str(status),
        text=text,
        choices=list(choices),
        author_id=author_id,
        source_ts=source_ts,
        reacted=reacted,
        created_at=now,
    )


def move(
    *, session: Session, team_id: str, design_id: int, current_question_id: str | None, step: int, now: datetime
) -> None:
    """The walkthrough's new position, counted as a change for the publisher to bring to Slack."""
    complete = current_question_id is None
    _run(
        session,
        _MOVE,
        scope_team_id=team_id,
        scope_design_id=design_id,
        current_question_id=current_question_id,
        step=step,
        status=DesignStatus.COMPLETE if complete else DesignStatus.ACTIVE,
        complete=complete,
        updated_at=now,
    )


def reuse_prompt(*, session: Session, team_id: str, design_id: int, question_id: str, step: int, asked_ts: str) -> bool:
    """Ask a question again in the message that asked it before (Back, Undo, coming round again): its prompt
    becomes this step's, so the publisher edits that message instead of posting another. False when the question
    has no message yet."""
    result = _run(
        session,
        _REUSE_PROMPT,
        scope_team_id=team_id,
        scope_design_id=design_id,
        scope_question_id=question_id,
        new_step=step,
        new_asked_ts=asked_ts,
    )
    return bool(result.rowcount)


def mark_changed(*, session: Session, team_id: str, design_id: int, now: datetime) -> None:
    """A change Slack should show (an edited answer) that leaves the walkthrough where it is."""
    _run(session, _TOUCH, scope_team_id=team_id, scope_design_id=design_id, updated_at=now)


def _run(session: Session, statement: Any, **parameters: Any) -> Any:
    """Execute a prebuilt Core statement in the session's transaction."""
    return session.connection().execute(statement, parameters)
