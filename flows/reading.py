"""How the review reads a design's answers: choices first, numbers read from the text, and words only where a
catalog has no structure for them, read as a person would ("we don't have a holdout" is no holdout).

Everything here reads at most ``RULE_READS`` characters of an answer, each a bounded number of times, so no answer
makes a review slow however long Slack lets it be.
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from functools import cached_property
from typing import Protocol

from flows.catalog import Catalog
from flows.quantities import Duration, Latency, Quantity, QuantityKind, parse
from flows.walkthrough import AnswerStatus, chosen_in

# A rule reads at most this much of an answer: about what the summary can show of it (one Slack section), and a
# bound on the work any answer can cause, however long Slack lets a message be (40,000 characters).
RULE_READS = 3_000
# Options that say a question is not decided yet, in every built-in catalog: rules and readiness read them alike.
UNDECIDED_OPTIONS = frozenset(("undecided", "unsure"))


class AnswerFacts(Protocol):
    """What the review reads of a stored answer (``storage.models.Answer`` fits)."""

    @property
    def status(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def choices(self) -> Sequence[str]: ...


# Answers that are nothing but one of these (and punctuation) say there is nothing: "TBD", "not sure?".
_NOTHING_BUT = ("tbd", "tba", "todo", "unknown", "idk", "don't know", "don\u2019t know", "dont know", "not sure")
_NOTHING_BUT += ("nobody yet", "no one yet", "nobody", "no one")
# Answers that open with a no: "No", "None planned", "N/A". Anchored at one place and made of literals only, so it
# can't backtrack however the answer goes on.
_OPENS_WITH_NO = re.compile(r"(?:none|nothing|nope|no|n/?a|not (?:yet|planned|decided))\b", re.IGNORECASE)
_LEADING_NON_WORD = re.compile(r"\W*")  # nothing follows the run, so it is matched in one pass
_WORD = re.compile(r"\w")
_WORDS = re.compile(r"[\w'\u2019/-]+")
# After an opening no, these say what there is instead: "No explicit feedback, but decisions are logged nightly".
# ("No, we only use purchased data" stays a no.)
_CONTRAST = frozenset(("but", "however", "though", "although", "except", "instead"))
# More words than this make "n/a" an answer: "N/A: the model never sees personal data".
_REASON_WORDS = 4


def says_nothing(text: str) -> bool:
    """Whether an answer says there is nothing: "none", "n/a", "tbd", "not yet", "-", "?", or a bare opening no.

    An opening no followed by what there is instead ("No explicit feedback, but decisions are logged nightly") says
    something. Reads the first ``RULE_READS`` characters, each once."""
    head = text[:RULE_READS]
    leading = _LEADING_NON_WORD.match(head)
    rest = head[leading.end() if leading else 0 :]
    if not rest:
        return bool(head.strip())  # only punctuation or symbols: "-", "?", "…"
    opening = _OPENS_WITH_NO.match(rest)
    if opening:
        return not _CONTRAST.intersection(word.casefold() for word in _WORDS.findall(rest, opening.end()))
    return any(rest[: len(word)].casefold() == word and _WORD.search(rest, len(word)) is None for word in _NOTHING_BUT)


def is_placeholder(text: str) -> bool:
    """Nothing, "TBD", or a bare "n/a" or "none" without a few words of why: readiness scores it undecided, while
    "N/A: the model never sees personal data" is a decision."""
    if not says_nothing(text):
        return False
    return len(_WORDS.findall(text[:RULE_READS])) <= _REASON_WORDS


_NEGATIONS = frozenset(
    ("no", "not", "without", "never", "none", "nor", "lack", "lacks", "lacking", "missing", "neither", "zero")
) | frozenset(
    word.replace("'", quote)
    for word in ("don't", "doesn't", "didn't", "haven't", "hasn't", "isn't", "aren't", "won't", "can't", "cannot")
    for quote in ("'", "\u2019", "")
)
_NEGATION_REACH = 4  # a negation this many words before a term, in the same clause, denies it
_CLAUSE_END = re.compile(r"[.;!?\n]|,\s*but\b|\bbut\b", re.IGNORECASE)


@dataclass(frozen=True)
class Terms:
    """Words that say a thing is in place, as whole words ("acl" is not in "Oracle") or, for a stem ending in
    ``*``, as a word's start ("delet*": delete, deleted, deletion). A term may be several words."""

    terms: tuple[str, ...]

    @cached_property
    def _single_stems(self) -> tuple[str, ...]:
        """One-word stems, tested at once with ``str.startswith``."""
        return tuple(term[:-1].casefold() for term in self.terms if term.endswith("*") and " " not in term)

    @cached_property
    def _by_first_word(self) -> dict[str, tuple[tuple[tuple[str, ...], bool], ...]]:
        """The other terms by their first word: (the term's words, whether its last word is a stem)."""
        found: dict[str, list[tuple[tuple[str, ...], bool]]] = {}
        for term in self.terms:
            if term.endswith("*") and " " not in term:
                continue
            parts = tuple(term.rstrip("*").casefold().split())
            found.setdefault(parts[0], []).append((parts, term.endswith("*")))
        return {word: tuple(terms) for word, terms in found.items()}

    def affirmed_in(self, text: str) -> bool:
        """Whether the text says one of the terms without denying it ("no access controls yet" denies access).
        One dictionary look-up and one ``startswith`` per word, so it stays cheap on the summary's path."""
        for clause in _CLAUSE_END.split(text[:RULE_READS]):
            words = [word.casefold().strip("'\u2019-/") for word in _WORDS.findall(clause)]
            for at, word in enumerate(words):
                if self._starts_at(words, at, word) and not _NEGATIONS.intersection(
                    words[max(0, at - _NEGATION_REACH) : at]
                ):
                    return True
        return False

    def _starts_at(self, words: Sequence[str], at: int, word: str) -> bool:
        if self._single_stems and word.startswith(self._single_stems):
            return True
        for parts, stem in self._by_first_word.get(word, ()):
            window = words[at : at + len(parts)]
            if len(window) == len(parts) and all(
                seen == part for seen, part in zip(window[1:-1], parts[1:-1], strict=True)
            ):
                last = window[-1]
                if len(parts) == 1 or (last.startswith(parts[-1]) if stem else last == parts[-1]):
                    return True
        return False


_LINK = re.compile(r"<https?://|https?://")
# Naming one of these says a decision is backed by something that runs: an alert, a test, a dashboard, a job.
EVIDENCE = Terms(
    (
        *("alert*", "page*", "pagerduty", "opsgenie", "on-call", "on call", "dashboard*", "grafana", "datadog"),
        *("test*", "ci", "check*", "monitor*", "great expectations", "expectations suite", "tfdv", "evidently"),
        *("runbook*", "registry", "mlflow", "dvc", "feature store", "job", "pipeline*", "report*", "audit*"),
    )
)


@dataclass(frozen=True)
class Answers:
    """A design's current answers, with the questions the rules ask about them. ``catalog`` says which questions
    the design's catalog asks and which of its follow-ups apply; without it every question counts as asked."""

    current: Mapping[str, AnswerFacts]
    catalog: Catalog | None = None

    @cached_property
    def _applying(self) -> frozenset[str] | None:
        if self.catalog is None:
            return None
        return frozenset(question.id for question in self.catalog.applicable(chosen_in(self.current)))

    def asks(self, question_id: str) -> bool:
        """Whether the design's catalog asks the question (a follow-up only while its condition holds)."""
        return self._applying is None or question_id in self._applying

    def has(self, question_id: str) -> bool:
        """Whether the catalog has the question at all, whatever the answers."""
        return self.catalog is None or question_id in self.catalog

    def answered(self, question_id: str) -> bool:
        answer = self.current.get(question_id)
        return answer is not None and answer.status == AnswerStatus.ANSWERED

    def given(self, question_id: str) -> bool:
        """Answered with something: a choice or text (a multi-select cleared to nothing is no answer)."""
        answer = self.current.get(question_id)
        return self.answered(question_id) and answer is not None and bool(answer.choices or answer.text.strip())

    def passed_over(self, question_id: str) -> bool:
        """Skipped, or answered with nothing of substance; a question not reached yet is not flagged."""
        answer = self.current.get(question_id)
        if answer is None:
            return False
        if answer.status == AnswerStatus.SKIPPED:
            return True
        return not answer.choices and (not answer.text.strip() or says_nothing(answer.text))

    def undecided(self, question_id: str, undecided_options: Collection[str] = UNDECIDED_OPTIONS) -> bool:
        """Passed over, or answered with one of its "not decided yet" options and nothing else."""
        chosen = self.chosen(question_id)
        return self.passed_over(question_id) or (bool(chosen) and chosen <= set(undecided_options))

    def chosen(self, question_id: str) -> frozenset[str]:
        answer = self.current.get(question_id)
        if answer is None or answer.status != AnswerStatus.ANSWERED:
            return frozenset()
        return frozenset(answer.choices)

    def text(self, question_id: str) -> str:
        """The answer's text as the rules read it: its first ``RULE_READS`` characters."""
        answer = self.current.get(question_id)
        return answer.text[:RULE_READS] if answer is not None and answer.status == AnswerStatus.ANSWERED else ""

    def affirms(self, question_ids: Sequence[str], terms: Terms) -> bool:
        """Whether any of the answers says one of the terms without denying it."""
        return any(terms.affirmed_in(self.text(question_id)) for question_id in question_ids)

    def has_evidence(self, question_id: str) -> bool:
        """A link, or a named check that runs (an alert, a test, a dashboard): what readiness scores a full point."""
        text = self.text(question_id)
        return bool(_LINK.search(text)) or EVIDENCE.affirmed_in(text)

    def quantity(self, question_id: str, kind: QuantityKind) -> Quantity | None:
        """The number a reply states, read as ``flows.quantities`` reads it (None: none that can be read)."""
        return parse(kind, self.text(question_id)) if self.answered(question_id) else None

    def latency(self, question_id: str) -> Latency | None:
        found = self.quantity(question_id, QuantityKind.LATENCY)
        return found if isinstance(found, Latency) else None

    def duration(self, question_id: str) -> Duration | None:
        found = self.quantity(question_id, QuantityKind.DURATION)
        return found if isinstance(found, Duration) else None
