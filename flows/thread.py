"""What a message in a design's thread does to the design, decided from one snapshot of the thread.

The use case reads the snapshot once (where the walkthrough stands, the questions posted in the thread, each
question's current answer), these functions decide, and the use case writes the decision once: no decision here
reads anything more, so the acknowledgement path makes no further database round trips while deciding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flows import replies
from flows.catalog import Catalog
from flows.walkthrough import AnswerStatus, GivenAnswer, WalkState, answer, match_options, question_for_reply, state_of


@dataclass(frozen=True)
class ThreadView:
    """A design's thread as one reply is decided on: ``posted`` holds (when asked, question id) of each question
    message, ``closing_ts`` the walkthrough's closing message, ``answers`` each question's current answer."""

    current_question_id: str | None
    step: int
    closing_ts: str | None
    posted: Sequence[tuple[str, str]]
    answers: Mapping[str, GivenAnswer]

    @property
    def state(self) -> WalkState:
        return state_of(self.current_question_id, self.step, self.answers)


@dataclass(frozen=True)
class RecordAnswer:
    """The decision: a new version of ``question_id``'s answer, and where the walkthrough goes (``move`` None: it
    stays where it is, the answer is still a change Slack should show)."""

    question_id: str
    text: str
    choices: tuple[str, ...]
    move: WalkState | None


@dataclass(frozen=True)
class ExplainLateReply:
    """A reply after the walkthrough ended that names no question: its author is told how to answer one."""

    example: int


_CLOSED = ""  # stands for the closing message among the thread's questions; no question has an empty id


def decide_reply(
    catalog: Catalog, thread: ThreadView, reply_ts: str, text: str
) -> RecordAnswer | ExplainLateReply | None:
    """A thread reply answers the question right above it: the last one posted before the reply was sent.

    Replies after the closing message are conversation unless they name a question by number ("7: …"). A question
    not yet posted takes no replies, since nobody can have seen it. None: the reply changes nothing."""
    if not text.strip():
        return None
    posted = list(thread.posted)
    if thread.closing_ts is not None:
        posted.append((thread.closing_ts, _CLOSED))
    target = question_for_reply(posted, reply_ts)
    question_id = thread.current_question_id if target is None else target
    if question_id == _CLOSED:
        named = replies.named_question(text, len(catalog.questions))
        if named is None:
            return ExplainLateReply(example=min(len(catalog.questions), 7))
        number, text = named
        late = catalog.questions[number - 1].id
        choices = choices_from_text(catalog, late, text, thread.answers.get(late))
        moved = answer(catalog, thread.state, late, choices)  # moves only when the answer brings follow-ups
        return RecordAnswer(late, text, choices, move=moved if moved.current != thread.current_question_id else None)
    if question_id is None or question_id not in catalog:
        return None
    choices = choices_from_text(catalog, question_id, text, thread.answers.get(question_id))
    return RecordAnswer(question_id, text, choices, move=answer(catalog, thread.state, question_id, choices))


def choices_from_text(catalog: Catalog, question_id: str, text: str, previous: GivenAnswer | None) -> tuple[str, ...]:
    """Options a typed answer names; when it names none, the choices already made stay (text beside them)."""
    named = match_options(catalog.question(question_id), text)
    if named:
        return named
    return tuple(previous.choices) if previous is not None and previous.status == AnswerStatus.ANSWERED else ()
