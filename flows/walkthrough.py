"""The walkthrough state machine: which question a design asks next, and what an answer, skip or back does.

A design moves through the catalog in order. Every move increments ``step`` so that each time a question
is asked is a distinct prompt (a message in the thread), which lets the Slack side post each prompt exactly
once. Answers given to a question other than the current one (a late reply, a changed choice) are kept
but do not move the walkthrough.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Protocol

from flows.catalog import Catalog, Question, QuestionKind


class AnswerStatus(StrEnum):
    ANSWERED = "answered"
    SKIPPED = "skipped"
    # The reply that answered was deleted: the question is open again, and the history keeps what was said.
    WITHDRAWN = "withdrawn"


class WalkthroughError(Exception):
    """A move the walkthrough does not allow; the message is written for the person who tried it."""


class NotCurrentQuestion(WalkthroughError):
    pass


class AtFirstQuestion(WalkthroughError):
    pass


class NothingChosen(WalkthroughError):
    pass


class GivenAnswer(Protocol):
    """A question's current answer, as far as the walkthrough needs it (``storage.models.Answer`` fits)."""

    @property
    def status(self) -> str: ...

    @property
    def choices(self) -> Sequence[str]: ...


@dataclass(frozen=True)
class WalkState:
    """Where a design stands: the question being asked (None once complete), the questions settled, and the
    options chosen in each answered question, which decide the follow-up questions that apply."""

    current: str | None
    step: int
    settled: frozenset[str]
    chosen: Mapping[str, frozenset[str]] = field(default_factory=dict)

    @property
    def complete(self) -> bool:
        return self.current is None


def chosen_in(answers: Mapping[str, GivenAnswer]) -> dict[str, frozenset[str]]:
    """Each answered question's options: what follow-up conditions read (a skipped question picked nothing)."""
    return {
        question_id: frozenset(answer.choices)
        for question_id, answer in answers.items()
        if answer.status == AnswerStatus.ANSWERED and answer.choices
    }


def state_of(current: str | None, step: int, answers: Mapping[str, GivenAnswer]) -> WalkState:
    """The walkthrough as stored (its current question and step) with the questions' current answers."""
    return WalkState(current=current, step=step, settled=frozenset(answers), chosen=chosen_in(answers))


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


def next_question(
    catalog: Catalog, after: str, settled: Collection[str], chosen: Mapping[str, Collection[str]] | None = None
) -> str | None:
    """The first unsettled question that applies after ``after``, else the first from the top, else None."""
    applying = {question.id for question in catalog.applicable(chosen or {})}
    position = catalog.position(after)
    ordered = catalog.questions[position + 1 :] + catalog.questions[: position + 1]
    return next((question.id for question in ordered if question.id in applying and question.id not in settled), None)


def answer(catalog: Catalog, state: WalkState, question_id: str, choices: Collection[str] | None = None) -> WalkState:
    """Record that a question has an answer (``choices`` what it picked; None: unchanged, as on a skip).

    The walkthrough moves on when it was the question being asked. An answer to another question moves it only
    when it changes which questions apply: the question being asked no longer does (a follow-up withdrawn), or
    the walkthrough had ended and now has follow-ups to ask."""
    settled = state.settled | {question_id}
    chosen = dict(state.chosen)
    if choices:
        chosen[question_id] = frozenset(choices)
    elif choices is not None:
        chosen.pop(question_id, None)  # a text answer or a cleared multi-select picks nothing
    if question_id == state.current:
        return WalkState(next_question(catalog, question_id, settled, chosen), state.step + 1, settled, chosen)
    if state.current is not None:
        if catalog.applies(state.current, chosen):
            return replace(state, settled=settled, chosen=chosen)
        return WalkState(next_question(catalog, question_id, settled, chosen), state.step + 1, settled, chosen)
    had = {question.id for question in catalog.applicable(state.chosen)}
    brought = [q.id for q in catalog.applicable(chosen) if q.id not in had and q.id not in settled]
    if not brought:
        return replace(state, settled=settled, chosen=chosen)
    return WalkState(brought[0], state.step + 1, settled, chosen)


def skip(catalog: Catalog, state: WalkState, question_id: str) -> WalkState:
    if question_id != state.current:
        raise NotCurrentQuestion("That question is no longer the one being asked, so it can't be skipped.")
    return answer(catalog, state, question_id)


def advances_on_choice(question: Question) -> bool:
    """A single choice moves the walkthrough on; a multi-select waits for "Done" so people can pick several."""
    return question.kind is not QuestionKind.MULTI


def finish(catalog: Catalog, state: WalkState, question_id: str) -> WalkState:
    """Move on from a multi-select question ("Done") once something was picked."""
    if question_id != state.current:
        raise NotCurrentQuestion("That question is no longer the one being asked.")
    if question_id not in state.settled:
        raise NothingChosen("Pick at least one option first, or skip the question.")
    return answer(catalog, state, question_id)


def back(catalog: Catalog, state: WalkState, question_id: str) -> WalkState:
    """Return to the question before the current one, whatever its state, so it can be answered again."""
    if question_id != state.current:
        raise NotCurrentQuestion("Only the question being asked can go back.")
    position = catalog.position(question_id)
    earlier = [question.id for question in catalog.applicable(state.chosen) if catalog.position(question.id) < position]
    if not earlier:
        raise AtFirstQuestion("This is the first question; there is nothing before it.")
    return replace(state, current=earlier[-1], step=state.step + 1)


def reask(state: WalkState, question_id: str) -> WalkState:
    """Ask a question again (the reply taken as its answer was discussion): it becomes the one being asked, and
    once answered the walkthrough goes on to the first question after it still open."""
    chosen = {other: options for other, options in state.chosen.items() if other != question_id}
    return WalkState(question_id, state.step + 1, state.settled - {question_id}, chosen)


def progress(catalog: Catalog, answers: Mapping[str, GivenAnswer]) -> Progress:
    """Count the current answers of the questions that apply: a follow-up withdrawn by a later answer counts
    neither in the total nor as answered (its answer stays in the history), nor does a question no longer listed."""
    applying = catalog.applicable(chosen_in(answers))
    statuses = [answers[question.id].status for question in applying if question.id in answers]
    return Progress(
        answered=sum(status == AnswerStatus.ANSWERED for status in statuses),
        skipped=sum(status == AnswerStatus.SKIPPED for status in statuses),
        total=len(applying),
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
    """Read a typed reply to a choice question as a choice when it starts with an option's name.

    An option's names are its label, the label's part before the first comma or colon, and its aliases (the
    catalog's synonyms); a name must be followed by the end of the text, punctuation, or a word that goes on about
    it ("canary on 10% of traffic", "shadow for a week", "canary only"), so "Batch, nightly is fine" picks
    ``batch`` but "No idea yet" and "batch jobs are fine" pick nothing. Names two options share are ambiguous and
    ignored. For multi questions, each piece of a list ("Shadow deployment, then a canary"; pieces end at a comma,
    semicolon, line, "and", "then" or "plus") may pick one option, after any article or "also", "finally"…
    """
    if question.kind is QuestionKind.TEXT:
        return ()
    names = _option_names(question)
    opening = text[:OPTION_READS]
    pieces = [opening] if question.kind is QuestionKind.CHOICE else _PIECE_SEPARATOR.split(opening)
    chosen: list[str] = []
    for piece in pieces:
        option_id = _leading_option(names, piece)
        if option_id is not None and option_id not in chosen:
            chosen.append(option_id)
    return tuple(chosen)


# A reply names its options first ("Batch, nightly is fine"); reading only its opening bounds what a long reply
# costs the acknowledgement.
OPTION_READS = 500
_PIECE_SEPARATOR = re.compile(r"[,;\n]|\b(?:and|then|plus)\b", re.IGNORECASE)
# Words that open a list's piece before the option it names ("then a canary", "and finally an A/B test").
_LEADING_FILLER = re.compile(r"^(?:(?:a|an|the|also|finally|first|lastly|followed by|after that) )+")
# Words after a name that go on about it rather than make it another word ("canary on 10%", "canary only").
_GOES_ON = frozenset(
    [
        "on",
        "in",
        "for",
        "at",
        "with",
        "of",
        "to",
        "against",
        "after",
        "before",
        "via",
        "only",
        "first",
        "until",
        "over",
        "across",
        "behind",
    ]
)
_LABEL_HEAD_END = re.compile(r",|:")  # an option's short name is its label up to this
_ENDS_A_NAME = frozenset(",.;:!?()/-\u2013\u2014")  # after a name: the end of the piece, or one of these


def _option_names(question: Question) -> dict[str, str]:
    """Each unambiguous name (casefolded) of the question's options, longest first."""
    owners: dict[str, set[str]] = {}
    for option in question.options:
        head = _LABEL_HEAD_END.split(option.label, maxsplit=1)[0]
        for name in {option.label, head, *option.aliases}:
            # the same opening words a reply's piece loses ("A safe default answer" is read as "safe default answer")
            owners.setdefault(_LEADING_FILLER.sub("", " ".join(name.casefold().split())), set()).add(option.id)
    unique = {name: ids.pop() for name, ids in owners.items() if len(ids) == 1 and name}
    return dict(sorted(unique.items(), key=lambda item: -len(item[0])))


def _leading_option(names: dict[str, str], text: str) -> str | None:
    normalized = _LEADING_FILLER.sub("", " ".join(text.casefold().split()))
    for name, option_id in names.items():
        if normalized.startswith(name) and _name_ends_at(normalized, len(name)):
            return option_id
    return None


def _name_ends_at(normalized: str, at: int) -> bool:
    """Whether a name that fills ``normalized`` up to ``at`` ends there: at the end, or before punctuation (after
    a space or not). ``normalized`` has single spaces and none at its end."""
    if at < len(normalized) and normalized[at] == " ":
        at += 1
        if normalized[at:].split(" ", 1)[0] in _GOES_ON:
            return True
    return at >= len(normalized) or normalized[at] in _ENDS_A_NAME
