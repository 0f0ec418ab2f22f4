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
from flows.quantities import QuantityKind, parse
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
    # The text of the current question's answer, read only where a quantity question may be waiting for its number.
    current_text: str | None = None

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
    previous = thread.answers.get(question_id)
    choices = choices_from_text(catalog, question_id, text, previous)
    move: WalkState | None = answer(catalog, thread.state, question_id, choices)
    quantity = catalog.question(question_id).quantity
    if quantity is not None and question_id == thread.current_question_id:
        answered_before = previous is not None and previous.status == AnswerStatus.ANSWERED
        if parse(quantity, text) is None and not choices and not answered_before:
            move = None  # the number is asked for once, beside the text kept: the walkthrough waits for it
        elif answered_before and previous is not None:
            text = _with_number(quantity, previous, thread.current_text, text) or text
    return RecordAnswer(question_id, text, choices, move=move)


def waits_for_number(catalog: Catalog, question_id: str | None, current: GivenAnswer | None) -> bool:
    """Whether the question being asked may be waiting for the number its answer lacks: then a reply's decision needs
    that answer's text (``ThreadView.current_text``), which the snapshot otherwise leaves unread."""
    return (
        question_id is not None
        and question_id in catalog
        and catalog.question(question_id).quantity is not None
        and current is not None
        and current.status == AnswerStatus.ANSWERED
        and not current.choices
    )


def _with_number(quantity: QuantityKind, previous: GivenAnswer, previous_text: str | None, text: str) -> str | None:
    """The answer a reply completes when it brings the number the words before it lacked (and was asked for): the
    reply first, so its number is read however long the words are; a target's "from 3 days to 1 hour" after the
    words that name its metric. None: the reply stands on its own."""
    if not previous_text or previous.choices or parse(quantity, previous_text) is not None:
        return None
    if parse(quantity, text) is not None:
        return f"{text}\n{previous_text}"
    joined = f"{previous_text.strip()} {text.strip()}"
    return joined if parse(quantity, joined) is not None else None


def choices_from_text(catalog: Catalog, question_id: str, text: str, previous: GivenAnswer | None) -> tuple[str, ...]:
    """Options a typed answer names; when it names none, the choices already made stay (text beside them)."""
    named = match_options(catalog.question(question_id), text)
    if named:
        return named
    return tuple(previous.choices) if previous is not None and previous.status == AnswerStatus.ANSWERED else ()
