"""Design review: the rules (``flows.rules``) applied to a design's answers, giving the findings the summary, the
export and Home show, risks first.

A rule applies when the design's catalog has every question it needs, so custom catalogs get the rules that make
sense for them, and designs on catalog version 1 keep the rules that read its questions.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from flows.acceptance import AcceptanceFacts
from flows.catalog import Catalog
from flows.reading import AnswerFacts, Answers
from flows.rules import RULES, Rule, Severity
from flows.walkthrough import chosen_in


@dataclass(frozen=True)
class Finding:
    rule_id: str
    title: str
    severity: Severity
    reason: str
    source: str
    plain: str
    question_ids: tuple[str, ...]
    acceptance: AcceptanceFacts | None = None  # an owner accepted it, with a reason, until a date

    @property
    def accepted(self) -> bool:
        """Readiness counts an accepted finding as decided."""
        return self.acceptance is not None


def applying_answers(catalog: Catalog, current: Mapping[str, AnswerFacts]) -> Mapping[str, AnswerFacts]:
    """The answers of the questions that apply, given the answers' own choices."""
    if not catalog.has_follow_ups:
        return current
    applying = {question.id for question in catalog.applicable(chosen_in(current))}
    return {question_id: answer for question_id, answer in current.items() if question_id in applying}


def applies(rule: Rule, catalog: Catalog) -> bool:
    return all(question_id in catalog for question_id in rule.questions)


def review(
    catalog: Catalog,
    current: Mapping[str, AnswerFacts],
    rules: Sequence[Rule] = RULES,
    accepted: Mapping[str, AcceptanceFacts] | None = None,
) -> list[Finding]:
    """The findings for a design's current answers: open risks first, then open gaps, then those an acceptance
    holds for (``flows.acceptance.holding``), in the rules' order otherwise. Answers to follow-ups that no longer
    apply (a later answer withdrew them) stay in the history but are not reviewed."""
    accepted = accepted or {}
    answers = Answers(applying_answers(catalog, current), catalog)
    findings = []
    for rule in rules:
        if not applies(rule, catalog):
            continue
        reason = rule.check(answers)
        if reason is not None:
            findings.append(
                Finding(
                    rule_id=rule.id,
                    title=rule.title,
                    severity=rule.severity,
                    reason=reason,
                    source=rule.source,
                    plain=rule.plain,
                    question_ids=rule.blamed,
                    acceptance=accepted.get(rule.id),
                )
            )
    return sorted(findings, key=lambda finding: (finding.accepted, finding.severity is not Severity.RISK))
