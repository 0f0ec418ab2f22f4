"""The walkthrough state machine: which question a design asks next, and what an answer, skip or back does.

A design moves through the catalog in order. Every move increments ``step`` so that each time a question
is asked is a distinct prompt (a message in the thread), which lets the Slack side post each prompt exactly
once. Answers given to a question other than the current one (a late reply, a changed choice) are kept
but do not move the walkthrough.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum

from flows.catalog import Catalog, Question, QuestionKind


class AnswerStatus(StrEnum):
    ANSWERED = "answered"
    SKIPPED = "skipped"


class WalkthroughError(Exception):
    """A move the walkthrough does not allow; the message is written for the person who tried it."""


class NotCurrentQuestion(WalkthroughError):
    pass


class AtFirstQuestion(WalkthroughError):
    pass


@dataclass(frozen=True)
class WalkState:
    """Where a design stands: the question being asked (None once complete) and the questions settled."""

    current: str | None
    step: int
    settled: frozenset[str]

    @property
    def complete(self) -> bool:
        return self.current is None


@dataclass(frozen=True)
class Progress:
    answered: int
    skipped: int
    total: int

    @property
    def settled(self) -> int:
        return self.answered + self.skipped


def start(catalog: Catalog) -> WalkState:
    return WalkState(current=catalog.questions[0].id, step=1, settled=frozenset())


def next_question(catalog: Catalog, after: str, settled: Collection[str]) -> str | None:
    """The first unsettled question after ``after``, else the first unsettled one from the top, else None."""
    position = catalog.position(after)
    ordered = catalog.questions[position + 1 :] + catalog.questions[: position + 1]
    return next((question.id for question in ordered if question.id not in settled), None)


def answer(catalog: Catalog, state: WalkState, question_id: str) -> WalkState:
    """Record that a question has an answer; move on only when it was the question being asked."""
    settled = state.settled | {question_id}
    if question_id != state.current:
        return replace(state, settled=settled)
    return WalkState(current=next_question(catalog, question_id, settled), step=state.step + 1, settled=settled)


def skip(catalog: Catalog, state: WalkState, question_id: str) -> WalkState:
    if question_id != state.current:
        raise NotCurrentQuestion("That question is no longer the one being asked, so it can't be skipped.")
    return answer(catalog, state, question_id)


def back(catalog: Catalog, state: WalkState, question_id: str) -> WalkState:
    """Return to the question before the current one, whatever its state, so it can be answered again."""
    if question_id != state.current:
        raise NotCurrentQuestion("Only the question being asked can go back.")
    position = catalog.position(question_id)
    if position == 0:
        raise AtFirstQuestion("This is the first question; there is nothing before it.")
    return WalkState(current=catalog.questions[position - 1].id, step=state.step + 1, settled=state.settled)


def progress(catalog: Catalog, statuses: dict[str, AnswerStatus]) -> Progress:
    """Count current statuses of the catalog's questions (answers to questions no longer listed don't count)."""
    known = [status for question_id, status in statuses.items() if question_id in catalog]
    return Progress(
        answered=sum(status is AnswerStatus.ANSWERED for status in known),
        skipped=sum(status is AnswerStatus.SKIPPED for status in known),
        total=len(catalog.questions),
    )


def slack_ts(value: str) -> Decimal:
    """Slack message timestamps order messages; compare them exactly, never as floats."""
    try:
        return Decimal(value)
    except InvalidOperation as error:
        raise ValueError(f"not a Slack timestamp: {value!r}") from error


def question_for_reply(prompts: Iterable[tuple[str, str]], reply_ts: str) -> str | None:
    """The question a thread reply answers: the one asked last before the reply was written.

    ``prompts`` are (message ts, question id) of the questions posted in the thread. Judging by time rather
    than by the current question keeps a reply typed while the next question was on its way with the
    question its author was looking at.
    """
    reply_at = slack_ts(reply_ts)
    asked_before = [(slack_ts(ts), question_id) for ts, question_id in prompts if slack_ts(ts) < reply_at]
    return max(asked_before)[1] if asked_before else None


def match_options(question: Question, text: str) -> tuple[str, ...]:
    """Read a typed reply to a choice question as a choice when it starts with an option's label or id.

    "Batch — nightly is fine" picks ``batch``; for multi questions a comma-separated list picks several.
    Anything else is kept as free text only.
    """
    if question.kind is QuestionKind.TEXT:
        return ()
    pieces = [text] if question.kind is QuestionKind.CHOICE else text.split(",")
    chosen: list[str] = []
    for piece in pieces:
        option_id = _leading_option(question, piece)
        if option_id is not None and option_id not in chosen:
            chosen.append(option_id)
    return tuple(chosen)


def _leading_option(question: Question, text: str) -> str | None:
    normalized = _normalize(text)
    best: tuple[int, str] | None = None
    for option in question.options:
        for name in {_normalize(option.label), _normalize(option.id.replace("-", " "))}:
            matches = bool(name) and (normalized == name or normalized.startswith(name + " "))
            if matches and (best is None or len(name) > best[0]):
                best = (len(name), option.id)
    return best[1] if best else None


def _normalize(text: str) -> str:
    letters = "".join(character if character.isalnum() else " " for character in text.casefold())
    return " ".join(letters.split())
