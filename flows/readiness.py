"""Readiness in the spirit of the ML Test Score: how far each area's decisions are made and backed, and the design
only as ready as its weakest area.

Each question that applies scores 0 (undecided: open, skipped, "TBD", a bare "n/a", a "not decided yet" option),
½ (decided) or 1 (decided with evidence: a link, or a named check that runs, such as an alert, a test or a
dashboard). A finding against a question caps it: an open risk at 0, a gap at ½; an accepted finding counts as
decided. An area's figure is its mean score, so areas of any size weigh the same. Completeness (how many questions
have an answer at all) is ``flows.walkthrough.progress``, shown beside it, never mixed in.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from flows.catalog import Catalog, Question, ReadinessArea
from flows.reading import UNDECIDED_OPTIONS, AnswerFacts, Answers, is_placeholder
from flows.rules import Severity
from flows.walkthrough import AnswerStatus, chosen_in

AREA_TITLES = {
    ReadinessArea.PROBLEM: "Problem",
    ReadinessArea.DATA: "Data",
    ReadinessArea.MODEL: "Model",
    ReadinessArea.INFRASTRUCTURE: "Infrastructure",
    ReadinessArea.MONITORING: "Monitoring",
    ReadinessArea.VALUE: "Value",
}

# Catalog version 1 names no readiness areas: its questions are placed here, the rest by the area they are asked in.
_FIRST_CATALOG = {
    "goals": ReadinessArea.VALUE,
    "success-metric": ReadinessArea.VALUE,
    "latency-target": ReadinessArea.INFRASTRUCTURE,
    "concurrent-users": ReadinessArea.INFRASTRUCTURE,
    "constraints": ReadinessArea.INFRASTRUCTURE,
    "inference-mode": ReadinessArea.INFRASTRUCTURE,
    "feedback-loop": ReadinessArea.MONITORING,
    "outcome-delay": ReadinessArea.MONITORING,
    "refresh-monitoring": ReadinessArea.MONITORING,
    "extensibility": ReadinessArea.INFRASTRUCTURE,
    "release-path": ReadinessArea.INFRASTRUCTURE,
    "rollback": ReadinessArea.INFRASTRUCTURE,
    "scalability": ReadinessArea.INFRASTRUCTURE,
    "serving": ReadinessArea.INFRASTRUCTURE,
}
_BY_WALK_AREA = {
    "foundation": ReadinessArea.PROBLEM,
    "data": ReadinessArea.DATA,
    "model": ReadinessArea.MODEL,
    "production": ReadinessArea.INFRASTRUCTURE,
    "value": ReadinessArea.VALUE,
}


class Blame(Protocol):
    """What readiness reads of a review finding (``flows.review.Finding`` fits)."""

    @property
    def severity(self) -> Severity: ...

    @property
    def question_ids(self) -> tuple[str, ...]: ...

    @property
    def accepted(self) -> bool: ...


@dataclass(frozen=True)
class AreaReadiness:
    area_id: str
    title: str
    total: int  # questions that apply
    decided: int  # scored ½ or 1
    evidenced: int  # scored 1
    score: float  # the sum of the questions' scores

    @property
    def percent(self) -> int:
        return round(100 * self.score / self.total) if self.total else 100


@dataclass(frozen=True)
class Readiness:
    areas: tuple[AreaReadiness, ...]

    @property
    def weakest(self) -> AreaReadiness:
        """The area that holds the design back (the first one on a tie, in the areas' order)."""
        return min(self.areas, key=lambda area: area.percent)

    @property
    def percent(self) -> int:
        """Like the ML Test Score, a design is only as ready as its weakest area."""
        return self.weakest.percent if self.areas else 0


def area_of(catalog: Catalog, question: Question) -> ReadinessArea:
    if question.readiness is not None:
        return question.readiness
    if question.id in _FIRST_CATALOG:
        return _FIRST_CATALOG[question.id]
    return _BY_WALK_AREA.get(catalog.area_of(question.id).id, ReadinessArea.PROBLEM)


def score(answers: Answers, question: Question, undecided: Collection[str] = UNDECIDED_OPTIONS) -> float:
    """0, ½ or 1 for one question's current answer, before findings."""
    answer = answers.current.get(question.id)
    if answer is None or answer.status != AnswerStatus.ANSWERED:
        return 0.0
    chosen = set(answer.choices)
    if chosen and chosen <= set(undecided):
        return 0.0
    if not chosen and (not answer.text.strip() or is_placeholder(answer.text)):
        return 0.0
    return 1.0 if answers.has_evidence(question.id) else 0.5


def readiness(catalog: Catalog, current: Mapping[str, AnswerFacts], findings: Sequence[Blame]) -> Readiness:
    """Each readiness area's figure over the questions that apply, in the order areas first appear."""
    answers = Answers(current, catalog)
    risks = {qid for finding in findings if _open(finding, Severity.RISK) for qid in finding.question_ids}
    gaps = {qid for finding in findings if _open(finding, Severity.GAP) for qid in finding.question_ids}
    accepted = {qid for finding in findings if finding.accepted for qid in finding.question_ids}
    scored: dict[ReadinessArea, list[float]] = {}
    for question in catalog.applicable(chosen_in(current)):
        value = score(answers, question)
        if question.id in risks:
            value = 0.0
        elif question.id in gaps:
            value = min(value, 0.5)
        elif question.id in accepted:
            value = 0.5  # decided: the risk is known and taken, which is not the same as backed by evidence
        scored.setdefault(area_of(catalog, question), []).append(value)
    return Readiness(
        areas=tuple(
            AreaReadiness(
                area_id=area.value,
                title=AREA_TITLES[area],
                total=len(values),
                decided=sum(value > 0 for value in values),
                evidenced=sum(value >= 1 for value in values),
                score=sum(values),
            )
            for area, values in sorted(scored.items(), key=lambda item: list(ReadinessArea).index(item[0]))
        )
    )


def _open(finding: Blame, severity: Severity) -> bool:
    return finding.severity is severity and not finding.accepted
