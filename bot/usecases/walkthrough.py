"""Use cases: each applies one Slack interaction to the database in the caller's unit of work.

They read the design (locking its row where the database can), ask ``flows`` what the interaction means,
and write the result. Returning the design id tells the caller what to publish; None means the
interaction was not for mldesign (a message outside any design thread) or was a duplicate.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from bot.render.forms import MAX_INPUT
from bot.usecases.catalogs import Catalogs
from bot.usecases.errors import DesignExists, DesignNotFound, InvalidChoice, TemplatedError
from flows import replies, walkthrough
from flows.catalog import Catalog, Question, QuestionKind
from flows.commands import name_key
from flows.walkthrough import AnswerStatus, WalkState
from storage import repositories as repo
from storage import walkthroughs as walks
from storage.models import Answer, Design, stored_id
from storage.walkthroughs import CurrentAnswer, Walkthrough


@dataclass(frozen=True)
class ThreadMessage:
    """A person's message in a thread: ``ts`` is the message's own, ``event_id`` the delivery's."""

    team_id: str
    channel_id: str
    thread_ts: str
    ts: str
    user_id: str
    text: str
    event_id: str


@dataclass(frozen=True)
class ThreadReply(ThreadMessage):
    """A new reply: an answer to the question above it, unless it is discussion (``flows.replies``)."""

    discussion: bool = False


class ReplyEdit(ThreadMessage):
    """A reply edited by ``user_id``: a new version of the answer it gave."""


class ReplyDeletion(ThreadMessage):
    """A reply deleted (Slack doesn't say by whom; ``user_id`` is its author): the answer it gave is withdrawn."""


@dataclass(frozen=True)
class QuestionAction:
    """A click on a question's buttons or selects, identified by ``interaction_id`` to ignore duplicates."""

    team_id: str
    user_id: str
    design_id: int
    question_id: str
    interaction_id: str
    shown_version: int | None = None  # the answer the clicked message showed (its block_id's version)


def start_design(
    *,
    session: Session,
    catalogs: Catalogs,
    team_id: str,
    channel_id: str,
    user_id: str,
    name: str,
    response_url: str | None,
    now: datetime,
) -> int:
    """A new design at its first question, and its id; ``response_url`` lets the publisher tell the starter if
    the channel turns out to be one the bot cannot post in."""
    catalog = catalogs.current
    first = walkthrough.start(catalog)
    design_id = walks.add_design(
        session=session,
        team_id=team_id,
        channel_id=channel_id,
        name=name,
        name_key=name_key(name),
        started_by=user_id,
        catalog_id=catalog.id,
        catalog_version=catalog.version,
        current_question_id=first.current,
        step=first.step,
        response_url=response_url,
        now=now,
    )
    if design_id is None:
        existing = repo.get_design_by_name(
            session=session, team_id=team_id, channel_id=channel_id, name_key=name_key(name)
        )
        taken = existing.name if existing is not None else name
        raise DesignExists(f"This channel already has a design named “{taken}”. Pick another name.")
    return design_id


def find_design(*, session: Session, team_id: str, channel_id: str, name: str) -> Design:
    design = repo.get_design_by_name(session=session, team_id=team_id, channel_id=channel_id, name_key=name_key(name))
    if design is None:
        raise DesignNotFound(f"There is no design named “{name}” in this channel. `/mldesign list` shows them.")
    return design


def request_summary(*, session: Session, team_id: str, channel_id: str, name: str, now: datetime) -> Design:
    """Post and pin the design's summary, or bring back the one there is (re-pinned, re-posted if deleted)."""
    design = find_design(session=session, team_id=team_id, channel_id=channel_id, name=name)
    design = lock_design(session, design)
    design.summary_wanted = True
    design.summary_pinned = False  # pinning again is harmless ("already_pinned") and repairs a removed pin
    repo.mark_changed(session=session, design=design, now=now)
    return design


def record_unpinned(*, session: Session, team_id: str, channel_id: str, message_ts: str) -> int | None:
    """A person unpinned a design's summary: respect that until the summary next changes, then pin it again."""
    design = repo.get_design_by_summary(session=session, team_id=team_id, channel_id=channel_id, summary_ts=message_ts)
    if design is None:
        return None
    repo.record_publication(session=session, team_id=team_id, design_id=stored_id(design), summary_pinned=False)
    return design.id


_CLOSED = ""  # stands for the closing message among the thread's questions; no question has an empty id


def record_reply(*, session: Session, catalogs: Catalogs, reply: ThreadReply, now: datetime) -> int | None:
    """A thread reply answers the question right above it: the last one posted before the reply was sent.

    Replies after the closing message are conversation, not answers. A question not yet posted takes no
    replies, since nobody can have seen it.
    """
    if not reply.text.strip():
        return None
    design = walks.lock_walkthrough_by_thread(
        session=session, team_id=reply.team_id, channel_id=reply.channel_id, thread_ts=reply.thread_ts
    )
    if design is None or reply.discussion or not _claim(session, reply.team_id, reply.event_id, now):
        return None  # discussion never moves the walkthrough
    catalog = catalogs.of(design)
    posted = walks.posted_questions(session=session, team_id=design.team_id, design_id=design.id)
    if design.closing_ts is not None:
        posted.append((design.closing_ts, _CLOSED))
    target = walkthrough.question_for_reply(posted, reply.ts)
    question_id = design.current_question_id if target is None else target
    if question_id == _CLOSED:
        return _record_late_reply(session, catalog, design, reply, now)
    if question_id is None or question_id not in catalog:
        return None
    current = walks.current_answers(session=session, team_id=design.team_id, design_id=design.id)
    walks.add_answer(
        session=session,
        team_id=reply.team_id,
        design_id=design.id,
        question_id=question_id,
        status=AnswerStatus.ANSWERED,
        text=reply.text,
        choices=_choices_from_text(catalog, question_id, reply.text, current.get(question_id)),
        author_id=reply.user_id,
        source_ts=reply.ts,
        now=now,
    )
    _move(session, design, walkthrough.answer(catalog, _walk_state(design, current), question_id), now)
    return design.id


def _record_late_reply(
    session: Session, catalog: Catalog, design: Walkthrough, reply: ThreadReply, now: datetime
) -> int | None:
    """After the closing message a reply answers the question it names by number ("7: …"); any other is told how,
    never dropped in silence."""
    named = replies.named_question(reply.text, len(catalog.questions))
    if named is None:
        found = repo.get_design(session=session, team_id=design.team_id, design_id=design.id)
        raise TemplatedError(
            "late_reply.j2",
            "The walkthrough has ended: start a reply with a question's number to answer it.",
            name=found.name if found is not None else "this design",
            example=min(len(catalog.questions), 7),
        )
    number, text = named
    question_id = catalog.questions[number - 1].id
    current = walks.current_answers(session=session, team_id=design.team_id, design_id=design.id)
    walks.add_answer(
        session=session,
        team_id=reply.team_id,
        design_id=design.id,
        question_id=question_id,
        status=AnswerStatus.ANSWERED,
        text=text,
        choices=_choices_from_text(catalog, question_id, text, current.get(question_id)),
        author_id=reply.user_id,
        source_ts=reply.ts,
        now=now,
    )
    walks.mark_changed(session=session, team_id=design.team_id, design_id=design.id, now=now)
    return design.id


def record_edit(*, session: Session, catalogs: Catalogs, edit: ReplyEdit, now: datetime) -> int | None:
    """An edited reply becomes a new version of the answer it gave; unfurls and other no-op edits are ignored."""
    if not edit.text.strip():
        return None
    design = walks.lock_walkthrough_by_thread(
        session=session, team_id=edit.team_id, channel_id=edit.channel_id, thread_ts=edit.thread_ts
    )
    if design is None:
        return None
    previous = walks.answer_from_message(session=session, team_id=edit.team_id, design_id=design.id, source_ts=edit.ts)
    if previous is None:
        return None
    question_id, previous_text, reacted = previous
    if previous_text == edit.text or not _claim(session, edit.team_id, edit.event_id, now):
        return None
    current = walks.current_answers(session=session, team_id=design.team_id, design_id=design.id)
    walks.add_answer(
        session=session,
        team_id=edit.team_id,
        design_id=design.id,
        question_id=question_id,
        status=AnswerStatus.ANSWERED,
        text=edit.text,
        choices=_choices_from_text(catalogs.of(design), question_id, edit.text, current.get(question_id)),
        author_id=edit.user_id,
        source_ts=edit.ts,
        reacted=reacted,
        now=now,
    )
    walks.mark_changed(session=session, team_id=design.team_id, design_id=design.id, now=now)
    return design.id


def record_deletion(*, session: Session, deletion: ReplyDeletion, now: datetime) -> int | None:
    """A deleted reply withdraws the answer it gave, if that is still its question's answer: the question is open
    again and the history keeps what the reply said. A reply whose answer was replaced since changes nothing."""
    design = walks.lock_walkthrough_by_thread(
        session=session, team_id=deletion.team_id, channel_id=deletion.channel_id, thread_ts=deletion.thread_ts
    )
    if design is None:
        return None
    question_id = walks.question_answered_by(
        session=session, team_id=deletion.team_id, design_id=design.id, source_ts=deletion.ts
    )
    if question_id is None or not _claim(session, deletion.team_id, deletion.event_id, now):
        return None
    walks.add_answer(
        session=session,
        team_id=deletion.team_id,
        design_id=design.id,
        question_id=question_id,
        status=AnswerStatus.WITHDRAWN,
        author_id=deletion.user_id,
        source_ts=deletion.ts,
        reacted=True,  # its message is gone: nothing to react to
        now=now,
    )
    walks.mark_changed(session=session, team_id=design.team_id, design_id=design.id, now=now)
    return design.id


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
    state = _walk_state(design, current)
    if walkthrough.advances_on_choice(question):
        state = walkthrough.answer(catalog, state, action.question_id)
    _move(session, design, state, now)
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
    _move(session, design, walkthrough.finish(catalog, _walk_state(design, picked), action.question_id), now)
    return design.id


def skip_question(*, session: Session, catalogs: Catalogs, action: QuestionAction, now: datetime) -> int | None:
    """Move past the current question; an answer it already has (after going back) is kept, not erased."""
    design = _load_for_action(session, catalogs, action, now)
    if design is None:
        return None
    catalog = catalogs.of(design)
    current = walks.current_answers(session=session, team_id=action.team_id, design_id=design.id)
    new_state = walkthrough.skip(catalog, _walk_state(design, current), action.question_id)
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
    _move(session, design, new_state, now)
    return design.id


def go_back(*, session: Session, catalogs: Catalogs, action: QuestionAction, now: datetime) -> int | None:
    design = _load_for_action(session, catalogs, action, now)
    if design is None:
        return None
    catalog = catalogs.of(design)
    current = walks.current_answers(session=session, team_id=action.team_id, design_id=design.id)
    _move(session, design, walkthrough.back(catalog, _walk_state(design, current), action.question_id), now)
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
    _move(session, design, walkthrough.reask(_walk_state(design, current), action.question_id), now)
    return design.id


@dataclass(frozen=True)
class FormRequest:
    """Someone asked for the answer form of a question, or of the area it opens (``whole_area``)."""

    team_id: str
    design_id: int
    question_id: str
    whole_area: bool = False


@dataclass(frozen=True)
class FormContent:
    design: Design
    catalog: Catalog
    questions: tuple[Question, ...]
    answers: Mapping[str, Answer]


def form_content(*, session: Session, catalogs: Catalogs, request: FormRequest) -> FormContent:
    """What an answer form shows: the question (or its area's questions) and their current answers."""
    design = repo.get_design(session=session, team_id=request.team_id, design_id=request.design_id)
    if design is None:
        raise DesignNotFound("This design no longer exists.")
    catalog = catalogs.of(design)
    if request.question_id not in catalog:
        raise InvalidChoice("This question is no longer part of the catalog.")
    question = catalog.question(request.question_id)
    questions = catalog.area_of(question.id).questions if request.whole_area else (question,)
    answers = repo.current_answers(session=session, team_id=request.team_id, design_id=request.design_id)
    return FormContent(design=design, catalog=catalog, questions=tuple(questions), answers=answers)


@dataclass(frozen=True)
class FormAnswers:
    """A submitted answer form: for each question its picks (None: it has none) and text, and the answer versions
    the form was prefilled with (what was left as shown is not a change)."""

    team_id: str
    user_id: str
    design_id: int
    answers: tuple[tuple[str, tuple[str, ...] | None, str], ...]
    shown: Mapping[str, int]
    interaction_id: str


class FormQuestionError(InvalidChoice):
    """A form's answer to one question can't be taken; ``question_id`` says which, to show the error beside it."""

    def __init__(self, question_id: str, message: str) -> None:
        super().__init__(message)
        self.question_id = question_id


def record_form(*, session: Session, catalogs: Catalogs, form: FormAnswers, now: datetime) -> int | None:
    """Each answer a form changed becomes a new version, by the person who submitted it, as a reply would; the
    walkthrough moves on past the question being asked when the form answered it. Boxes left as shown, or empty,
    change nothing. None when the form changed nothing."""
    design = walks.lock_walkthrough(session=session, team_id=form.team_id, design_id=form.design_id)
    if design is None:
        raise DesignNotFound("This design no longer exists.")
    if not _claim(session, form.team_id, form.interaction_id, now):
        return None
    catalog = catalogs.of(design)
    current = walks.current_answers(session=session, team_id=form.team_id, design_id=design.id)
    state = _walk_state(design, current)
    changed = False
    for question_id, choices, text in form.answers:
        if question_id not in catalog:
            continue
        question = catalog.question(question_id)
        if choices is not None and any(question.option(option_id) is None for option_id in choices):
            raise FormQuestionError(question_id, "That option is not one of this question's choices.")
        if choices is not None and len(choices) > 1 and question.kind is not QuestionKind.MULTI:
            raise FormQuestionError(question_id, "Pick one option for this question.")
        shown = _shown_answer(session, form.team_id, design.id, form.shown.get(question_id))
        if not text and shown is not None and len(shown.text) > MAX_INPUT:
            text = shown.text  # too long to prefill: an empty box keeps it
        picked = list(choices or ())
        if not picked and not text:
            continue  # nothing said about this question
        if not picked and choices is None:
            picked = _choices_from_text(catalog, question_id, text, None)
        if shown is not None and (list(shown.choices), shown.text.strip()) == (picked, text.strip()):
            continue  # left as the form showed it (a text box gives back its text without surrounding space)
        walks.add_answer(
            session=session,
            team_id=form.team_id,
            design_id=design.id,
            question_id=question_id,
            status=AnswerStatus.ANSWERED,
            text=text,
            choices=picked,
            author_id=form.user_id,
            reacted=True,  # no reply to react to
            now=now,
        )
        state = walkthrough.answer(catalog, state, question_id)
        changed = True
    if not changed:
        return None
    _move(session, design, state, now)
    return design.id


def _shown_answer(session: Session, team_id: str, design_id: int, answer_id: int | None) -> Answer | None:
    if answer_id is None:
        return None
    answer = session.get(Answer, answer_id)
    if answer is None or answer.team_id != team_id or answer.design_id != design_id:
        return None
    return answer


def _move(session: Session, design: Walkthrough, state: WalkState, now: datetime) -> None:
    """The walkthrough's new position. A question asked before is asked again in its own message (Back adds none
    to the thread), and replies from now on answer it."""
    if state.current is not None and state.step != design.step:
        walks.reuse_prompt(
            session=session,
            team_id=design.team_id,
            design_id=design.id,
            question_id=state.current,
            step=state.step,
            asked_ts=f"{now.timestamp():.6f}",
        )
    walks.move(
        session=session,
        team_id=design.team_id,
        design_id=design.id,
        current_question_id=state.current,
        step=state.step,
        now=now,
    )


def _choices_from_text(catalog: Catalog, question_id: str, text: str, previous: CurrentAnswer | None) -> list[str]:
    """Options a typed answer names; when it names none, the choices already made stay (text beside them)."""
    named = walkthrough.match_options(catalog.question(question_id), text)
    if named:
        return list(named)
    return list(previous.choices) if previous is not None and previous.status == AnswerStatus.ANSWERED else []


def _walk_state(design: Walkthrough, current: Mapping[str, CurrentAnswer]) -> WalkState:
    return WalkState(current=design.current_question_id, step=design.step, settled=frozenset(current))


def _load_for_action(session: Session, catalogs: Catalogs, action: QuestionAction, now: datetime) -> Walkthrough | None:
    design = walks.lock_walkthrough(session=session, team_id=action.team_id, design_id=action.design_id)
    if design is None:
        raise DesignNotFound("This design no longer exists.")
    if action.question_id not in catalogs.of(design):
        raise InvalidChoice("This question is no longer part of the catalog.")
    if not _claim(session, action.team_id, action.interaction_id, now):
        return None
    return design


def lock_design(session: Session, design: Design) -> Design:
    """The design re-read under its row lock, as every writer takes it (design first), so concurrent changes
    to one design apply one by one and never deadlock."""
    locked = repo.get_design(session=session, team_id=design.team_id, design_id=stored_id(design), for_update=True)
    assert locked is not None
    return locked


def _claim(session: Session, team_id: str, event_id: str, now: datetime) -> bool:
    return repo.claim_event(session=session, team_id=team_id, event_id=event_id, now=now)
