"""Design review: rules that read a design's answers and flag the risks the article and the ML literature
warn about, plus a readiness figure in the spirit of Google's ML Test Score.

Each rule is a small pure function from the answers to a one-line reason (or None), registered in
``RULES`` with the questions it reads and where its advice comes from. A rule whose questions a catalog
doesn't have is not applied, so custom catalogs get the rules that make sense for them. To add one: write
the check, add a ``Rule`` to ``RULES``, and give it a test in ``tests/flows/test_review.py``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from flows.catalog import Catalog
from flows.walkthrough import AnswerStatus

ARTICLE = "Ross, “Designing Effective ML Systems”"
ML_TEST_SCORE = "Breck et al., “The ML Test Score” (2017)"
TECH_DEBT = "Sculley et al., “Hidden Technical Debt in Machine Learning Systems” (2015)"
RULES_OF_ML = "Zinkevich, “Rules of Machine Learning”"


class AnswerFacts(Protocol):
    """What the review reads of a stored answer (``storage.models.Answer`` fits)."""

    @property
    def status(self) -> str: ...

    @property
    def text(self) -> str: ...

    @property
    def choices(self) -> Sequence[str]: ...


# A rule reads at most this much of an answer: about what the summary can show of it (one Slack section), and a
# bound on the work any answer can cause, however long Slack lets a message be (40,000 characters).
RULE_READS = 3_000

# Answers that are nothing but one of these (and punctuation) say there is nothing: "TBD", "not sure?".
_NOTHING_BUT = ("tbd", "tba", "todo", "unknown", "idk", "don't know", "don\u2019t know", "dont know", "not sure")
# Answers that open with a no: "No, we only use purchased data", "None planned", "N/A". Anchored at one place and
# made of literals only, so it can't backtrack however the answer goes on.
_OPENS_WITH_NO = re.compile(r"(?:none|nothing|nope|no|n/?a|not (?:yet|planned|decided))\b", re.IGNORECASE)
_LEADING_NON_WORD = re.compile(r"\W*")  # nothing follows the run, so it is matched in one pass
_WORD = re.compile(r"\w")


def says_nothing(text: str) -> bool:
    """Whether an answer says there is nothing: "none", "n/a", "tbd", "not yet", "-", "?", or an opening no.

    Reads the first ``RULE_READS`` characters, each once. (It was one regular expression whose ``\\W*`` runs could
    split a line of dashes in cubically many ways: 1,500 dashes and an "x" held the process for seconds.)"""
    head = text[:RULE_READS]
    leading = _LEADING_NON_WORD.match(head)
    rest = head[leading.end() if leading else 0 :]
    if not rest:
        return bool(head.strip())  # only punctuation or symbols: "-", "?", "…"
    if _OPENS_WITH_NO.match(rest):
        return True
    return any(rest[: len(word)].casefold() == word and _WORD.search(rest, len(word)) is None for word in _NOTHING_BUT)


@dataclass(frozen=True)
class Answers:
    """A design's current answers with the questions the rules ask about them."""

    current: Mapping[str, AnswerFacts]

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

    def chosen(self, question_id: str) -> frozenset[str]:
        answer = self.current.get(question_id)
        if answer is None or answer.status != AnswerStatus.ANSWERED:
            return frozenset()
        return frozenset(answer.choices)

    def text(self, question_id: str) -> str:
        """The answer's text as the rules read it: its first ``RULE_READS`` characters."""
        answer = self.current.get(question_id)
        return answer.text[:RULE_READS] if answer is not None and answer.status == AnswerStatus.ANSWERED else ""

    def mentions(self, question_ids: Sequence[str], keywords: Sequence[str]) -> bool:
        """Whether any answer contains one of the lowercase ``keywords``. Substring tests, not a regular
        expression: an alternation scanned at every position of a long answer made one summary take 40 ms."""
        return any(
            keyword in text
            for text in (self.text(question_id).casefold() for question_id in question_ids)
            for keyword in keywords
        )


class Severity(StrEnum):
    RISK = "risk"  # a decision that is likely to hurt in production
    GAP = "gap"  # something the design has not decided yet


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: Severity
    questions: tuple[str, ...]  # every question the check reads; the rule applies only when all exist
    source: str
    plain: str  # the risk in words for stakeholders who don't read ML jargon
    check: Callable[[Answers], str | None]
    # The questions whose answers a finding counts against in readiness; by default all it reads.
    blames: tuple[str, ...] = ()

    @property
    def blamed(self) -> tuple[str, ...]:
        return self.blames or self.questions


@dataclass(frozen=True)
class Finding:
    rule_id: str
    title: str
    severity: Severity
    reason: str
    source: str
    plain: str
    question_ids: tuple[str, ...]


# --- the checks ----------------------------------------------------------------------------------------

_FAST_CADENCE_DAYS = {"continual": 0, "daily": 1, "weekly": 7, "monthly": 30, "quarterly": 90}
_OUTCOME_DELAY_DAYS = {"minutes": 0, "days": 1, "weeks": 7, "months": 30}
_CADENCE_WORDS = {
    "continual": "continual",
    "daily": "daily",
    "weekly": "weekly",
    "monthly": "monthly",
    "quarterly": "quarterly",
}
_DELAY_WORDS = {"days": "days", "weeks": "weeks", "months": "months or longer", "never": "never directly"}
_HOLDOUT = (
    *("holdout", "hold-out", "hold out", "held-out", "held out", "control group"),
    *("exploration", "randomis", "randomiz", "counterfactual"),
)
_GOVERNANCE = (
    *("retention", "retain", "delet", "eras", "purg", "expir", "ttl", "access", "permission", "role", "rbac"),
    *("iam", "acl", "need-to-know", "need to know", "need-to know", "need to-know"),
)


def weak_baseline(answers: Answers) -> str | None:
    chosen = answers.chosen("baselines")
    if answers.passed_over("baselines") or chosen == {"none"}:
        return "No baseline is named, so nothing shows the model beats what exists today."
    if chosen and chosen <= {"random", "none"}:
        return "The only baseline is a random guess, a bar almost any model clears."
    return None


def real_time_on_batch_data(answers: Answers) -> str | None:
    if answers.chosen("inference-mode") & {"real-time", "near-real-time"} and answers.chosen("batch-or-stream") == {
        "batch"
    }:
        return (
            "Predictions are needed within seconds, but every data pipeline runs in batch, so features will be stale."
        )
    return None


def refresh_outruns_outcomes(answers: Answers) -> str | None:
    cadence = next(iter(answers.chosen("refresh-cadence") & _FAST_CADENCE_DAYS.keys()), None)
    if cadence is None:
        return None
    delay = next(iter(answers.chosen("outcome-delay")), None)
    if delay == "never" or (delay in _OUTCOME_DELAY_DAYS and _FAST_CADENCE_DAYS[cadence] < _OUTCOME_DELAY_DAYS[delay]):
        return (
            f"The model is refreshed {_CADENCE_WORDS[cadence]}, but true outcomes arrive "
            f"{_DELAY_WORDS[delay]}: each refresh trains on labels that are not in yet."
        )
    if cadence in ("continual", "daily") and answers.chosen("labels") == {"unlabelled"}:
        return f"The model is refreshed {_CADENCE_WORDS[cadence]}, but its labels come from manual annotation."
    return None


def triggered_refresh_without_monitoring(answers: Answers) -> str | None:
    if "triggered" in answers.chosen("refresh-cadence") and (
        answers.passed_over("refresh-monitoring") or not answers.answered("refresh-monitoring")
    ):
        return "Refresh waits for drift or a performance drop, but no monitoring is described to detect either."
    return None


def no_feedback_loop(answers: Answers) -> str | None:
    if answers.passed_over("feedback-loop"):
        return "No feedback loop is planned, so the deployed system will not collect the data it needs to improve."
    return None


def outputs_feed_training_without_holdout(answers: Answers) -> str | None:
    pipelines = ("system-data-pipelines", "feedback-loop")
    if not answers.answered("system-data-pipelines") or answers.passed_over("system-data-pipelines"):
        return None
    if answers.mentions(pipelines, _HOLDOUT):
        return None
    return (
        "The system's own data goes back into training with no holdout or control group, "
        "so the model can learn from its own predictions."
    )


def personal_data_without_governance(answers: Answers) -> str | None:
    involved = answers.chosen("personal-data") & {"yes", "unsure"}
    if not involved or answers.mentions(("data-security", "personal-data", "storage"), _GOVERNANCE):
        return None
    which = "may involve" if involved == {"unsure"} else "uses"
    return f"The system {which} personal data, but no retention, deletion or access rules are described."


def ml_metric_only(answers: Answers) -> str | None:
    chosen = answers.chosen("success-metric")
    if "ml-only" in chosen:
        return "Success is measured only by an ML metric, which can improve while the business outcome does not."
    if "undecided" in chosen or answers.passed_over("success-metric"):
        return "How success is measured is not decided, so nobody can tell whether the system works."
    return None


def unsafe_release(answers: Answers) -> str | None:
    release = answers.chosen("release-path")
    if "none" in release or answers.passed_over("release-path"):
        return "New models go straight to production, with no shadow run, canary or A/B test first."
    if "offline-only" in release:
        return "New models are validated only offline; good offline scores don't guarantee good live behaviour."
    return None


def no_rollback(answers: Answers) -> str | None:
    if "none" in answers.chosen("rollback") or answers.passed_over("rollback"):
        return "There is no way back to the previous model if a new one misbehaves in production."
    return None


def stakeholder_communication_missing(answers: Answers) -> str | None:
    missing = [
        what
        for question_id, what in (
            ("stakeholders", "who the stakeholders are"),
            ("value-communication", "how value is shown"),
        )
        if answers.passed_over(question_id)
    ]
    if not missing:
        return None
    return "The design does not say " + " or ".join(missing) + ", though stakeholders decide funding and timelines."


RULES: tuple[Rule, ...] = (
    Rule(
        id="weak-baseline",
        title="No meaningful baseline",
        severity=Severity.RISK,
        questions=("baselines",),
        source=f"{ARTICLE}, “The Model”; {ML_TEST_SCORE}: “A simpler model is not better”",
        plain="There is no yardstick yet to prove the model does better than today's way of working.",
        check=weak_baseline,
    ),
    Rule(
        id="real-time-on-batch",
        title="Real-time inference on batch-only data",
        severity=Severity.RISK,
        questions=("inference-mode", "batch-or-stream"),
        source=f"{ARTICLE}, “Laying the Foundation” and “Getting the Goods” (batch or stream)",
        plain="Answers are needed instantly, but the data behind them is only refreshed periodically.",
        check=real_time_on_batch_data,
    ),
    Rule(
        id="refresh-outruns-outcomes",
        title="Refresh faster than outcomes arrive",
        severity=Severity.RISK,
        questions=("refresh-cadence", "outcome-delay", "labels"),
        source=f"{ARTICLE}, “The Model” (refresh needs); {ML_TEST_SCORE}: “The impact of model staleness is known”",
        plain="The model would be retrained before anyone knows whether its last predictions were right.",
        check=refresh_outruns_outcomes,
        blames=("refresh-cadence", "outcome-delay"),
    ),
    Rule(
        id="triggered-refresh-unmonitored",
        title="Triggered refresh with no monitoring",
        severity=Severity.RISK,
        questions=("refresh-cadence", "refresh-monitoring"),
        source=f"{ARTICLE}, “The Model” (deficits “go easily unnoticed”); {ML_TEST_SCORE}, monitoring tests",
        plain="Retraining depends on noticing problems, but nothing is set up to notice them.",
        check=triggered_refresh_without_monitoring,
    ),
    Rule(
        id="no-feedback-loop",
        title="No feedback loop",
        severity=Severity.GAP,
        questions=("feedback-loop",),
        source=f"{ARTICLE}, “Getting the Goods” (feedback loop after deployment)",
        plain="Once launched, the system has no plan to learn from how it performs.",
        check=no_feedback_loop,
    ),
    Rule(
        id="outputs-feed-training",
        title="Model outputs feed training with no holdout",
        severity=Severity.RISK,
        questions=("system-data-pipelines", "feedback-loop"),
        source=f"{TECH_DEBT}, “Feedback Loops”",
        plain="The model may end up learning from its own guesses and repeating its mistakes.",
        check=outputs_feed_training_without_holdout,
        blames=("system-data-pipelines",),
    ),
    Rule(
        id="personal-data-governance",
        title="Personal data without retention or access rules",
        severity=Severity.RISK,
        questions=("personal-data", "data-security", "storage"),
        source=f"{ARTICLE}, “Getting the Goods” (privacy, security); GDPR Art. 5(1)(e) and Art. 17",
        plain="Personal data is involved, but how long it is kept and who may see it is not settled.",
        check=personal_data_without_governance,
        blames=("personal-data", "data-security"),
    ),
    Rule(
        id="ml-metric-only",
        title="Success measured only by an ML metric",
        severity=Severity.RISK,
        questions=("success-metric",),
        source=f"{ARTICLE}, “Laying the Foundation” (how do you measure success?); {RULES_OF_ML}, rule #2",
        plain="Success is not yet tied to a business result such as revenue, cost or time saved.",
        check=ml_metric_only,
    ),
    Rule(
        id="unsafe-release",
        title="No safe release path",
        severity=Severity.RISK,
        questions=("release-path",),
        source=f"{ARTICLE}, “The Model”; {ML_TEST_SCORE}: models are canaried before serving",
        plain="A faulty model version could reach every user before anyone notices.",
        check=unsafe_release,
    ),
    Rule(
        id="no-rollback",
        title="No rollback",
        severity=Severity.RISK,
        questions=("rollback",),
        source=f"{ML_TEST_SCORE}: models can be quickly and safely rolled back",
        plain="If a new model version misbehaves, there is no quick way back to the last good one.",
        check=no_rollback,
    ),
    Rule(
        id="stakeholder-communication",
        title="Stakeholder communication missing",
        severity=Severity.GAP,
        questions=("stakeholders", "value-communication"),
        source=f"{ARTICLE}, “Communicating Value”",
        plain="There is no plan yet for showing the project's value to the people who fund it.",
        check=stakeholder_communication_missing,
    ),
)


def review(catalog: Catalog, current: Mapping[str, AnswerFacts], rules: Sequence[Rule] = RULES) -> list[Finding]:
    """The findings for a design's current answers, risks first, in the rules' order otherwise."""
    answers = Answers(current)
    findings = []
    for rule in rules:
        if not all(question_id in catalog for question_id in rule.questions):
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
                )
            )
    return sorted(findings, key=lambda finding: finding.severity is not Severity.RISK)


# --- readiness -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AreaReadiness:
    area_id: str
    title: str
    total: int
    answered: int
    ready: int  # answered and not named by any finding

    @property
    def percent(self) -> int:
        return round(100 * self.ready / self.total) if self.total else 100


@dataclass(frozen=True)
class Readiness:
    areas: tuple[AreaReadiness, ...]

    @property
    def weakest(self) -> AreaReadiness:
        """The area that holds the design back (the first one on a tie, in walkthrough order)."""
        return min(self.areas, key=lambda area: area.percent)

    @property
    def percent(self) -> int:
        """Like the ML Test Score, a design is only as ready as its weakest area."""
        return self.weakest.percent


def readiness(catalog: Catalog, current: Mapping[str, AnswerFacts], findings: Sequence[Finding]) -> Readiness:
    answers = Answers(current)
    flagged = {question_id for finding in findings for question_id in finding.question_ids}
    areas = []
    for area in catalog.areas:
        answered = [question.id for question in area.questions if answers.given(question.id)]
        ready = [question_id for question_id in answered if question_id not in flagged]
        areas.append(
            AreaReadiness(
                area_id=area.id, title=area.title, total=len(area.questions), answered=len(answered), ready=len(ready)
            )
        )
    return Readiness(areas=tuple(areas))
