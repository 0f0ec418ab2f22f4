"""Use cases: each applies one Slack interaction to the database in the caller's unit of work.

They read the design (locking its row where the database can), ask ``flows`` what the interaction means,
and write the result. Returning the design id tells the caller what to publish; None means the
interaction was not for mldesign (a message outside any design thread) or was a duplicate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.errors import DesignExists, DesignNotFound, InvalidChoice
from flows import walkthrough
from flows.catalog import Catalog
from flows.commands import name_key
from flows.walkthrough import AnswerStatus, WalkState
from storage import repositories as repo
from storage.models import Answer, Design, DesignStatus


@dataclass(frozen=True)
class ThreadReply:
    team_id: str
    channel_id: str
    thread_ts: str
    ts: str
    user_id: str
    text: str
    event_id: str


@dataclass(frozen=True)
class ReplyEdit:
    team_id: str
    channel_id: str
    thread_ts: str
    ts: str
    user_id: str
    text: str
    event_id: str


@dataclass(frozen=True)
class QuestionAction:
    """A click on a question's buttons or selects, identified by ``interaction_id`` to ignore duplicates."""

    team_id: str
    user_id: str
    design_id: int
    question_id: str
    interaction_id: str


def start_design(
    *, session: Session, catalog: Catalog, team_id: str, channel_id: str, user_id: str, name: str, now: datetime
) -> Design:
    existing = repo.get_design_by_name(session=session, team_id=team_id, channel_id=channel_id, name_key=name_key(name))
    if existing is not None:
        raise DesignExists(f"This channel already has a design named “{existing.name}”. Pick another name.")
    state = walkthrough.start(catalog)
    design = Design(
        team_id=team_id,
        channel_id=channel_id,
        name=name,
        name_key=name_key(name),
        started_by=user_id,
        catalog_id=catalog.id,
        catalog_version=catalog.version,
        current_question_id=state.current,
        step=state.step,
        created_at=now,
        updated_at=now,
    )
    return repo.add_design(session=session, design=design)


def find_design(*, session: Session, team_id: str, channel_id: str, name: str) -> Design:
    design = repo.get_design_by_name(session=session, team_id=team_id, channel_id=channel_id, name_key=name_key(name))
    if design is None:
        raise DesignNotFound(f"There is no design named “{name}” in this channel. `/mldesign list` shows them.")
    return design


def record_reply(*, session: Session, catalog: Catalog, reply: ThreadReply, now: datetime) -> int | None:
    """A thread reply answers the question that was asked last before it was written."""
    design = repo.get_design_by_thread(
        session=session, team_id=reply.team_id, channel_id=reply.channel_id, thread_ts=reply.thread_ts
    )
    if design is None or not _claim(session, reply.team_id, reply.event_id, now):
        return None
    design = _lock(session, design)
    # A question still being posted has no Slack ts yet; the time it was claimed stands in for it, so a
    # reply sent the instant it appears still goes to it.
    asked = [
        (prompt.message_ts or f"{prompt.created_at.timestamp():.6f}", prompt.question_id)
        for prompt in repo.prompts(session=session, team_id=design.team_id, design_id=_id(design))
        if prompt.question_id in catalog
    ]
    question_id = walkthrough.question_for_reply(asked, reply.ts) or design.current_question_id
    if question_id is None:
        return None
    question = catalog.question(question_id)
    answer = Answer(
        team_id=reply.team_id,
        question_id=question_id,
        status=AnswerStatus.ANSWERED,
        text=reply.text,
        choices=list(walkthrough.match_options(question, reply.text)),
        author_id=reply.user_id,
        source_ts=reply.ts,
        created_at=now,
    )
    _apply_answer(session, catalog, design, answer, now)
    return design.id


def record_edit(*, session: Session, catalog: Catalog, edit: ReplyEdit, now: datetime) -> int | None:
    """An edited reply becomes a new version of the answer it gave; unfurls and other no-op edits are ignored."""
    design = repo.get_design_by_thread(
        session=session, team_id=edit.team_id, channel_id=edit.channel_id, thread_ts=edit.thread_ts
    )
    if design is None:
        return None
    previous = repo.latest_answer_from_message(
        session=session, team_id=edit.team_id, design_id=_id(design), source_ts=edit.ts
    )
    if previous is None or previous.text == edit.text or not _claim(session, edit.team_id, edit.event_id, now):
        return None
    design = _lock(session, design)
    question = catalog.question(previous.question_id) if previous.question_id in catalog else None
    answer = Answer(
        team_id=edit.team_id,
        question_id=previous.question_id,
        status=AnswerStatus.ANSWERED,
        text=edit.text,
        choices=list(walkthrough.match_options(question, edit.text)) if question else [],
        author_id=edit.user_id,
        source_ts=edit.ts,
        reacted=previous.reacted,
        created_at=now,
    )
    repo.add_answer(session=session, design_id=_id(design), answer=answer)
    repo.mark_changed(session=session, design=design, now=now)
    return design.id


def record_choice(
    *, session: Session, catalog: Catalog, action: QuestionAction, option_ids: list[str], now: datetime
) -> int | None:
    """A click on an option answers that question (the free text given beside it is kept)."""
    design = _load_for_action(session, catalog, action, now)
    if design is None:
        return None
    question = catalog.question(action.question_id)
    unknown = [option_id for option_id in option_ids if question.option(option_id) is None]
    if unknown or not option_ids:
        raise InvalidChoice("That option is not one of this question's choices.")
    current = repo.current_answers(session=session, team_id=action.team_id, design_id=_id(design))
    previous = current.get(action.question_id)
    answer = Answer(
        team_id=action.team_id,
        question_id=action.question_id,
        status=AnswerStatus.ANSWERED,
        text=previous.text if previous is not None and previous.status == AnswerStatus.ANSWERED else "",
        choices=option_ids,
        author_id=action.user_id,
        created_at=now,
    )
    _apply_answer(session, catalog, design, answer, now)
    return design.id


def skip_question(*, session: Session, catalog: Catalog, action: QuestionAction, now: datetime) -> int | None:
    """Move past the current question; an answer it already has (after going back) is kept, not erased."""
    design = _load_for_action(session, catalog, action, now)
    if design is None:
        return None
    current = repo.current_answers(session=session, team_id=action.team_id, design_id=_id(design))
    state = _walk_state(design, current)
    new_state = walkthrough.skip(catalog, state, action.question_id)
    previous = current.get(action.question_id)
    if previous is None or previous.status != AnswerStatus.ANSWERED:
        skipped = Answer(
            team_id=action.team_id,
            question_id=action.question_id,
            status=AnswerStatus.SKIPPED,
            author_id=action.user_id,
            created_at=now,
        )
        repo.add_answer(session=session, design_id=_id(design), answer=skipped)
    _move(session, design, new_state, now)
    return design.id


def go_back(*, session: Session, catalog: Catalog, action: QuestionAction, now: datetime) -> int | None:
    design = _load_for_action(session, catalog, action, now)
    if design is None:
        return None
    current = repo.current_answers(session=session, team_id=action.team_id, design_id=_id(design))
    _move(session, design, walkthrough.back(catalog, _walk_state(design, current), action.question_id), now)
    return design.id


def _apply_answer(session: Session, catalog: Catalog, design: Design, answer: Answer, now: datetime) -> None:
    current = repo.current_answers(session=session, team_id=design.team_id, design_id=_id(design))
    state = _walk_state(design, current)
    repo.add_answer(session=session, design_id=_id(design), answer=answer)
    _move(session, design, walkthrough.answer(catalog, state, answer.question_id), now)


def _move(session: Session, design: Design, state: WalkState, now: datetime) -> None:
    design.current_question_id = state.current
    design.step = state.step
    design.status = DesignStatus.COMPLETE if state.complete else DesignStatus.ACTIVE
    repo.mark_changed(session=session, design=design, now=now)


def _walk_state(design: Design, current: dict[str, Answer]) -> WalkState:
    return WalkState(current=design.current_question_id, step=design.step, settled=frozenset(current))


def _load_for_action(session: Session, catalog: Catalog, action: QuestionAction, now: datetime) -> Design | None:
    design = repo.get_design(session=session, team_id=action.team_id, design_id=action.design_id, for_update=True)
    if design is None:
        raise DesignNotFound("This design no longer exists.")
    if action.question_id not in catalog:
        raise InvalidChoice("This question is no longer part of the catalog.")
    if not _claim(session, action.team_id, action.interaction_id, now):
        return None
    return design


def _lock(session: Session, design: Design) -> Design:
    locked = repo.get_design(session=session, team_id=design.team_id, design_id=_id(design), for_update=True)
    assert locked is not None
    return locked


def _claim(session: Session, team_id: str, event_id: str, now: datetime) -> bool:
    return repo.claim_event(session=session, team_id=team_id, event_id=event_id, now=now)


def _id(design: Design) -> int:
    assert design.id is not None, "a stored design has an id"
    return design.id
