"""Use cases for a click on a question's buttons or selects: a choice, Done, Skip, Back, Undo.

Each reads the walkthrough under its row lock and its current answers, lets ``flows.walkthrough`` decide the move,
and writes the answer and the move in the caller's unit of work. None: a duplicate click, nothing to publish."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlmodel import Session

from bot.usecases.catalogs import Catalogs
from bot.usecases.errors import DesignNotFound, InvalidChoice
from flows import walkthrough
from flows.catalog import QuestionKind
from flows.walkthrough import AnswerStatus
from storage import deliveries as delivery_repo
from storage import walkthroughs as walks
from storage.models import Answer
from storage.walkthroughs import Walkthrough


@dataclass(frozen=True)
class QuestionAction:
    """A click on a question's buttons or selects, identified by ``interaction_id`` to ignore duplicates."""

    team_id: str
    user_id: str
    design_id: int
    question_id: str
    interaction_id: str
    shown_version: int | None = None  # the answer the clicked message showed (its block_id's version)


def record_choice(
    *, session: Session, catalogs: Catalogs, action: QuestionAction, option_ids: list[str], now: datetime
) -> int | None:
    """A click on an option answers that question.

    A single choice moves the walkthrough on when it is the question being asked; a multi-select waits
    for "Done". The text beside the choice is kept when the same person wrote it. Clicking the choice
    already recorded adds no history, but still moves on.
    """
    design = _load_for_action(session, catalogs, action, now)
    if design is None:
        return None
    catalog = catalogs.of(design)
    question = catalog.question(action.question_id)
    if any(question.option(option_id) is None for option_id in option_ids):
        raise InvalidChoice("That option is not one of this question's choices.")
    if not option_ids and question.kind is not QuestionKind.MULTI:
        raise InvalidChoice("Pick one of the options, or skip the question.")
    current = walks.current_answers(session=session, team_id=action.team_id, design_id=design.id)
    previous = current.get(action.question_id)
    answered_before = previous is not None and previous.status == AnswerStatus.ANSWERED
    if not (answered_before and previous is not None and list(previous.choices) == option_ids):
        keep_text = answered_before and previous is not None and previous.author_id == action.user_id
        text = ""
        if keep_text and previous is not None and previous.has_text:
            text = walks.answer_text(session=session, team_id=action.team_id, answer_id=previous.id)
        walks.add_answer(
            session=session,
            team_id=action.team_id,
            design_id=design.id,
            question_id=action.question_id,
            status=AnswerStatus.ANSWERED,
            text=text,
            choices=option_ids,
            author_id=action.user_id,
            now=now,
        )
    state = design.state(current)
    if walkthrough.advances_on_choice(question):
        state = walkthrough.answer(catalog, state, action.question_id, option_ids)
    walks.move_to(session=session, walk=design, state=state, now=now)
    return design.id


def finish_question(*, session: Session, catalogs: Catalogs, action: QuestionAction, now: datetime) -> int | None:
    """Move on from a multi-select ("Done") once at least one option was picked."""
    design = _load_for_action(session, catalogs, action, now)
    if design is None:
        return None
    catalog = catalogs.of(design)
    current = walks.current_answers(session=session, team_id=action.team_id, design_id=design.id)
    # A multi-select cleared to nothing is no answer to move on with; every other answer or skip counts.
    picked = {
        question_id: answer
        for question_id, answer in current.items()
        if answer.status == AnswerStatus.SKIPPED or answer.choices or answer.has_text
    }
    walks.move_to(
        session=session,
        walk=design,
        state=walkthrough.finish(catalog, design.state(picked), action.question_id),
        now=now,
    )
    return design.id


def skip_question(*, session: Session, catalogs: Catalogs, action: QuestionAction, now: datetime) -> int | None:
    """Move past the current question; an answer it already has (after going back) is kept, not erased."""
    design = _load_for_action(session, catalogs, action, now)
    if design is None:
        return None
    catalog = catalogs.of(design)
    current = walks.current_answers(session=session, team_id=action.team_id, design_id=design.id)
    new_state = walkthrough.skip(catalog, design.state(current), action.question_id)
    previous = current.get(action.question_id)
    if previous is None or previous.status != AnswerStatus.ANSWERED:
        walks.add_answer(
            session=session,
            team_id=action.team_id,
            design_id=design.id,
            question_id=action.question_id,
            status=AnswerStatus.SKIPPED,
            author_id=action.user_id,
            now=now,
        )
    walks.move_to(session=session, walk=design, state=new_state, now=now)
    return design.id


def go_back(*, session: Session, catalogs: Catalogs, action: QuestionAction, now: datetime) -> int | None:
    design = _load_for_action(session, catalogs, action, now)
    if design is None:
        return None
    catalog = catalogs.of(design)
    current = walks.current_answers(session=session, team_id=action.team_id, design_id=design.id)
    walks.move_to(
        session=session,
        walk=design,
        state=walkthrough.back(catalog, design.state(current), action.question_id),
        now=now,
    )
    return design.id


def undo_answer(*, session: Session, catalogs: Catalogs, action: QuestionAction, now: datetime) -> int | None:
    """A reply was taken as an answer but was discussion: its answer is withdrawn (the history keeps it) and the
    question asked again. Only the answer the clicked message showed is undone, never one given since."""
    design = _load_for_action(session, catalogs, action, now)
    if design is None:
        return None
    current = walks.current_answers(session=session, team_id=action.team_id, design_id=design.id)
    shown = current.get(action.question_id)
    if shown is None or shown.status != AnswerStatus.ANSWERED or shown.id != action.shown_version:
        raise InvalidChoice("That answer has changed since this message was shown, so nothing was undone.")
    undone = session.get(Answer, shown.id)
    walks.add_answer(
        session=session,
        team_id=action.team_id,
        design_id=design.id,
        question_id=action.question_id,
        status=AnswerStatus.WITHDRAWN,
        author_id=action.user_id,
        source_ts=undone.source_ts if undone is not None else None,
        reacted=False,  # the publisher takes its ✅ away
        now=now,
    )
    walks.move_to(
        session=session, walk=design, state=walkthrough.reask(design.state(current), action.question_id), now=now
    )
    return design.id


def _load_for_action(session: Session, catalogs: Catalogs, action: QuestionAction, now: datetime) -> Walkthrough | None:
    design = walks.lock_walkthrough(session=session, team_id=action.team_id, design_id=action.design_id)
    if design is None:
        raise DesignNotFound("This design no longer exists.")
    if action.question_id not in catalogs.of(design):
        raise InvalidChoice("This question is no longer part of the catalog.")
    if not delivery_repo.claim_event(session=session, team_id=action.team_id, event_id=action.interaction_id, now=now):
        return None
    return design


# The click listener calls every use case the same way: these give each one that shape.


class QuestionUseCase(Protocol):
    """A use case as the click listener calls it: ``selected`` holds the options picked, if the click picks any."""

    def __call__(
        self, *, session: Session, catalogs: Catalogs, action: QuestionAction, selected: list[str], now: datetime
    ) -> int | None: ...


def choose(
    *, session: Session, catalogs: Catalogs, action: QuestionAction, selected: list[str], now: datetime
) -> int | None:
    return record_choice(session=session, catalogs=catalogs, action=action, option_ids=selected, now=now)


def skip(
    *, session: Session, catalogs: Catalogs, action: QuestionAction, selected: list[str], now: datetime
) -> int | None:
    return skip_question(session=session, catalogs=catalogs, action=action, now=now)


def back(
    *, session: Session, catalogs: Catalogs, action: QuestionAction, selected: list[str], now: datetime
) -> int | None:
    return go_back(session=session, catalogs=catalogs, action=action, now=now)


def undo(
    *, session: Session, catalogs: Catalogs, action: QuestionAction, selected: list[str], now: datetime
) -> int | None:
    return undo_answer(session=session, catalogs=catalogs, action=action, now=now)


def finish(
    *, session: Session, catalogs: Catalogs, action: QuestionAction, selected: list[str], now: datetime
) -> int | None:
    return finish_question(session=session, catalogs=catalogs, action=action, now=now)
