"""The stakeholder brief: a design in plain words (goal, how success is measured, what it needs, top risks)
for the people who fund and decide on it, who do not read ML jargon.

Only the goal is the team's own text; everything else is phrased here from the structured choices, so the
brief stays plain whatever vocabulary the answers use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flows.catalog import Catalog
from flows.reading import RULE_READS, AnswerFacts, Answers
from flows.review import Finding

MAX_GOAL = 300
MAX_RISKS = 3

_SUCCESS = {
    "business": "by a business result such as revenue, cost or time saved",
    "business-and-ml": "by a business result, backed by a model-quality measure",
    "ml-only": "by a model-quality score only, not yet by a business result",
    "undecided": "in a way that is not decided yet",
}
_DATA = {
    "ready": "data that already exists in good shape",
    "needs-work": "existing data that still needs cleaning or joining",
    "partial": "data that only partly exists yet",
    "missing": "data that still has to be collected",
}
_LABELS = {
    "partly": "more examples labelled by people",
    "unlabelled": "examples labelled by people, which takes time and money",
}
_TIMING = {
    "real-time": "answers within a fraction of a second",
    "near-real-time": "answers within seconds to minutes",
}


@dataclass(frozen=True)
class Brief:
    goal: str | None  # the team's own words, shortened
    success: str | None
    needs: tuple[str, ...]
    risks: tuple[str, ...]


def stakeholder_brief(catalog: Catalog, current: Mapping[str, AnswerFacts], findings: Sequence[Finding]) -> Brief:
    answers = Answers(current)
    return Brief(
        goal=_first_sentence(answers.text("goals"))
        if "goals" in catalog and not answers.passed_over("goals")
        else None,
        success=_phrase(_SUCCESS, answers.chosen("success-metric")),
        needs=tuple(
            need
            for need in (
                _phrase(_DATA, answers.chosen("data-exists")),
                _phrase(_LABELS, answers.chosen("labels")),
                _phrase(_TIMING, answers.chosen("inference-mode")),
                "personal data handled with care" if answers.chosen("personal-data") & {"yes", "unsure"} else None,
            )
            if need is not None
        ),
        risks=tuple(finding.plain for finding in findings[:MAX_RISKS]),
    )


def _phrase(phrases: Mapping[str, str], chosen: frozenset[str]) -> str | None:
    return next((phrase for option_id, phrase in phrases.items() if option_id in chosen), None)


_SENTENCE_END = re.compile(r"(?<=[.!?])\s")


def _first_sentence(text: str) -> str | None:
    """The goal's first sentence on one line, cut to a length a paragraph can carry."""
    # Only the opening can make the sentence shown: searching all of a 40,000-character answer cost a millisecond.
    flat = " ".join(text[: MAX_GOAL * 4].split())
    if len(flat) < MAX_GOAL < len(text):  # an opening that is mostly whitespace: look further, as far as rules read
        flat = " ".join(text[:RULE_READS].split())
    if not flat:
        return None
    sentence = _SENTENCE_END.split(flat, maxsplit=1)[0]
    return sentence if len(sentence) <= MAX_GOAL else sentence[: MAX_GOAL - 1].rstrip() + "…"
