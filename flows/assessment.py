"""Everything the review derives from a design's answers, computed once for the summary, export and home."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from flows.acceptance import AcceptanceFacts, holding
from flows.brief import Brief, stakeholder_brief
from flows.catalog import Catalog
from flows.readiness import Readiness, readiness
from flows.reading import AnswerFacts
from flows.review import Finding, applying_answers, review


@dataclass(frozen=True)
class Assessment:
    findings: tuple[Finding, ...]
    readiness: Readiness
    brief: Brief

    def findings_for(self, question_id: str) -> tuple[Finding, ...]:
        return tuple(finding for finding in self.findings if question_id in finding.question_ids)


def assess(
    catalog: Catalog,
    current: Mapping[str, AnswerFacts],
    acceptances: Iterable[AcceptanceFacts] = (),
    today: date | None = None,
    measured: str | None = None,
) -> Assessment:
    """Review the answers of the questions that apply: a follow-up withdrawn by a later answer keeps its answer in
    the history, but neither its findings nor its readiness count. ``acceptances`` (all a design has, as history)
    mark the findings they hold for on ``today`` accepted; ``measured`` is the success target's value recorded since
    launch, if any."""
    current = applying_answers(catalog, current)
    accepted = holding(acceptances, today) if today is not None else {}
    findings = review(catalog, current, accepted=accepted)
    return Assessment(
        findings=tuple(findings),
        readiness=readiness(catalog, current, findings),
        brief=stakeholder_brief(catalog, current, findings, measured),
    )
