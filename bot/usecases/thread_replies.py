"""Use cases for people's messages in a design's thread: a reply, an edited reply, a deleted reply.

Each reads one snapshot of the thread (``walkthroughs.load_thread``), lets ``flows.thread`` decide, and writes the
decision once (``walkthroughs.record_answer``), in the caller's unit of work. Returning the design id tells the
caller what to publish; None means the message was not for mldesign or was a duplicate delivery.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlmodel import Session

from bot.usecases.catalogs import Catalogs
from bot.usecases.errors import TemplatedError
from flows.thread import ExplainLateReply, choices_from_text, decide_reply, waits_for_number
from flows.walkthrough import AnswerStatus
from storage import deliveries as delivery_repo
from storage import walkthroughs as walks


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


def record_reply(*, session: Session, catalogs: Catalogs, reply: ThreadReply, now: datetime) -> int | None:
    """A thread reply answers the question right above it (``flows.thread.decide_reply``); discussion never moves
    the walkthrough, and a reply after the end that names no question is told how, never dropped in silence."""
    if reply.discussion or not reply.text.strip():
        return None
    loaded = walks.load_thread(
        session=session, team_id=reply.team_id, channel_id=reply.channel_id, thread_ts=reply.thread_ts
    )
    if loaded is None:
        return None
    walk, thread = loaded
    catalog = catalogs.of(walk)
    current = thread.answers.get(walk.current_question_id or "")
    if waits_for_number(catalog, walk.current_question_id, current) and isinstance(current, walks.CurrentAnswer):
        text = walks.answer_text(session=session, team_id=reply.team_id, answer_id=current.id)
        thread = replace(thread, current_text=text)
    decision = decide_reply(catalog, thread, reply.ts, reply.text)
    if decision is None:
        return None
    if isinstance(decision, ExplainLateReply):
        if not delivery_repo.claim_event(session=session, team_id=reply.team_id, event_id=reply.event_id, now=now):
            return None
        raise TemplatedError(
            "late_reply.j2",
            "The walkthrough has ended: start a reply with a question's number to answer it.",
            name=walk.name,
            example=decision.example,
        )
    recorded = walks.record_answer(
        session=session,
        walk=walk,
        delivery_id=reply.event_id,
        question_id=decision.question_id,
        status=AnswerStatus.ANSWERED,
        text=decision.text,
        choices=decision.choices,
        author_id=reply.user_id,
        source_ts=reply.ts,
        move=decision.move,
        now=now,
    )
    return walk.id if recorded else None


def record_edit(*, session: Session, catalogs: Catalogs, edit: ReplyEdit, now: datetime) -> int | None:
    """An edited reply becomes a new version of the answer it gave; unfurls and other no-op edits are ignored."""
    if not edit.text.strip():
        return None
    walk = walks.lock_walkthrough_by_thread(
        session=session, team_id=edit.team_id, channel_id=edit.channel_id, thread_ts=edit.thread_ts
    )
    if walk is None:
        return None
    previous = walks.answer_from_message(session=session, team_id=edit.team_id, design_id=walk.id, source_ts=edit.ts)
    if previous is None or previous[1] == edit.text:
        return None
    question_id, _, reacted = previous
    current = walks.current_answers(session=session, team_id=walk.team_id, design_id=walk.id)
    recorded = walks.record_answer(
        session=session,
        walk=walk,
        delivery_id=edit.event_id,
        question_id=question_id,
        status=AnswerStatus.ANSWERED,
        text=edit.text,
        choices=choices_from_text(catalogs.of(walk), question_id, edit.text, current.get(question_id)),
        author_id=edit.user_id,
        source_ts=edit.ts,
        reacted=reacted,
        move=None,
        now=now,
    )
    return walk.id if recorded else None


def record_deletion(*, session: Session, deletion: ReplyDeletion, now: datetime) -> int | None:
    """A deleted reply withdraws the answer it gave, if that is still its question's answer: the question is open
    again and the history keeps what the reply said. A reply whose answer was replaced since changes nothing."""
    walk = walks.lock_walkthrough_by_thread(
        session=session, team_id=deletion.team_id, channel_id=deletion.channel_id, thread_ts=deletion.thread_ts
    )
    if walk is None:
        return None
    question_id = walks.question_answered_by(
        session=session, team_id=deletion.team_id, design_id=walk.id, source_ts=deletion.ts
    )
    if question_id is None:
        return None
    recorded = walks.record_answer(
        session=session,
        walk=walk,
        delivery_id=deletion.event_id,
        question_id=question_id,
        status=AnswerStatus.WITHDRAWN,
        author_id=deletion.user_id,
        source_ts=deletion.ts,
        reacted=True,  # its message is gone: nothing to react to
        move=None,
        now=now,
    )
    return walk.id if recorded else None
