"""What changed in a design's answers between a point in its history and now: questions answered since (added),
answered differently (changed), and no longer answered or no longer asked (withdrawn), each with who and when.

A point is an answer version: every answer row up to it is the design as it stood then. "Since the approval" is the
version the latest approval saw; "since a date" is the last version written before that day began (UTC).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from enum import StrEnum
from typing import Protocol

from flows.catalog import Catalog
from flows.walkthrough import AnswerStatus, chosen_in


class HistoryFacts(Protocol):
    """One version of an answer (``storage.models.Answer`` fits)."""

    @property
    def id(self) -> int | None: ...

    @property
    def question_id(self) -> str: ...

    @property
    def status(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def choices(self) -> list[str]: ...

    @property
    def author_id(self) -> str: ...

    @property
    def created_at(self) -> datetime: ...


class ChangeKind(StrEnum):
    ADDED = "added"
    CHANGED = "changed"
    WITHDRAWN = "withdrawn"


@dataclass(frozen=True)
class Change:
    question_id: str
    kind: ChangeKind
    before: HistoryFacts | None  # the answer at the point (None: there was none)
    after: HistoryFacts | None  # the answer now (None: none)
    by: str | None
    at: datetime | None


def version_before(history: Iterable[HistoryFacts], day: date) -> int:
    """The design's answers version as it stood when ``day`` began (UTC)."""
    return version_at(history, datetime.combine(day, time(0, 0), tzinfo=UTC))


def version_at(history: Iterable[HistoryFacts], moment: datetime) -> int:
    """The design's answers version at ``moment``: the last answer id written before it."""
    return max((answer.id for answer in history if answer.id is not None and answer.created_at < moment), default=0)


def changes_since(
    catalog: Catalog, history: Sequence[HistoryFacts], version: int, until: int | None = None
) -> list[Change]:
    """The questions whose answer differs between ``version`` and now (or the later version ``until``), in the
    catalog's order."""
    if until is not None:
        history = [answer for answer in history if answer.id is not None and answer.id <= until]
    before = _latest(answer for answer in history if answer.id is not None and answer.id <= version)
    after = _latest(history)
    then, now = _asked(catalog, before), _asked(catalog, after)
    changes = []
    for question in catalog.questions:
        # A follow-up an answer withdrew is history, no longer part of the design, at either point.
        old, new = then.get(question.id), now.get(question.id)
        latest = after.get(question.id)
        by = latest.author_id if latest is not None and (latest.id or 0) > version else None
        at = latest.created_at if latest is not None and (latest.id or 0) > version else None
        if old is None and new is not None:
            changes.append(Change(question.id, ChangeKind.ADDED, None, new, by, at))
        elif old is not None and new is None:
            changes.append(Change(question.id, ChangeKind.WITHDRAWN, old, latest, by, at))
        elif old is not None and new is not None and (old.text, list(old.choices)) != (new.text, list(new.choices)):
            changes.append(Change(question.id, ChangeKind.CHANGED, old, new, by, at))
    return changes


def _latest(history: Iterable[HistoryFacts]) -> dict[str, HistoryFacts]:
    found: dict[str, HistoryFacts] = {}
    for answer in history:
        known = found.get(answer.question_id)
        if known is None or (answer.id or 0) > (known.id or 0):
            found[answer.question_id] = answer
    return found


def _asked(catalog: Catalog, answers: dict[str, HistoryFacts]) -> dict[str, HistoryFacts]:
    """The answered questions the design asked at that point (a withdrawn follow-up's answer left out)."""
    answered = {question_id: a for question_id, a in answers.items() if a.status == AnswerStatus.ANSWERED}
    applying = {question.id for question in catalog.applicable(chosen_in(answered))}
    return {question_id: a for question_id, a in answered.items() if question_id in applying}
