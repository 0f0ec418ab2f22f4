"""The stakeholder brief: a design in plain words for the people who fund and decide on it, who do not read ML
jargon: the goal and how success is measured (and, after launch, where the number got to), what it needs, the
risks (likely harm first, then what is still undecided, then what the team knowingly accepted), and what is asked
of the reader: a decision, a budget, a date.

Only the goal is the team's own text; everything else is phrased here from the structured choices and the review's
findings, so the brief stays plain whatever vocabulary the answers use.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flows.catalog import Catalog
from flows.nudges import SUCCESS_QUESTION
from flows.outcome import outcome
from flows.reading import RULE_READS, AnswerFacts, Answers
from flows.review import Finding
from flows.rules import Severity

MAX_GOAL = 300
MAX_RISKS = 3
MAX_UNDECIDED = 2
MAX_ASKS = 3

# What a finding asks of the people who fund and decide on the system, where it asks something of them.
_ASKS = {
    "ml-metric-only": "agreement on the business result that counts as success",
    "success-undecided": "agreement on how success will be judged",
    "no-success-target": "a target number to judge the result by, and when",
    "automated-decisions-unreviewed": "a decision on how people can have a decision about them reviewed by a person",
    "threshold-not-chosen": "a decision on which mistake costs more: a missed case or a false alarm",
    "affected-people-unnamed": "time with the people whose work the system changes",
    "labels-without-plan": "a budget and people for labelling examples",
    "personal-data-governance": "a decision on who may see the personal data",
    "personal-data-retention": "a decision on how long personal data is kept",
    "legal-basis-undecided": "a decision from legal on the grounds for using the personal data",
    "dpia-undecided": "a decision from the privacy officer on whether a privacy assessment is needed",
    "no-owner": "a named owner for the live system",
    "regulated-unexplained": "a decision on how decisions will be explained to a regulator",
    "stakeholder-communication": "a date to review the results together",
    "no-fallback": "a decision on what the product does while the model is down",
}

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
    risks: tuple[str, ...]  # likely harm, in plain words, the most severe first
    undecided: tuple[str, ...] = ()  # what is still open, in plain words
    accepted: int = 0  # findings the owners knowingly accepted, for now
    asks: tuple[str, ...] = ()  # what the reader is asked for: a decision, a budget, a date
    since_launch: str | None = None  # the success target against the value measured after launch


def stakeholder_brief(
    catalog: Catalog, current: Mapping[str, AnswerFacts], findings: Sequence[Finding], measured: str | None = None
) -> Brief:
    answers = Answers(current)
    open_findings = [finding for finding in findings if not finding.accepted]
    result = outcome(answers.text(SUCCESS_QUESTION), measured) if measured else None
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
        risks=tuple(finding.plain for finding in open_findings if finding.severity is Severity.RISK)[:MAX_RISKS],
        undecided=tuple(finding.plain for finding in open_findings if finding.severity is Severity.GAP)[:MAX_UNDECIDED],
        accepted=len(findings) - len(open_findings),
        asks=tuple(dict.fromkeys(_ASKS[f.rule_id] for f in open_findings if f.rule_id in _ASKS))[:MAX_ASKS],
        since_launch=result.describe() if result is not None else None,
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
