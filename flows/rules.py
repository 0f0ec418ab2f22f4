"""The review's rules: each a small pure function from a design's answers to a one-line reason, or None.

A rule is a *risk* (a decision likely to hurt in production) or a *gap* (something the design has not decided),
cites where its advice comes from, and says in plain words what it means for someone who doesn't read ML. Rules
read choices and the numbers in replies; the few that must read words (catalog version 1 asks some things only in
free text) read them as a person would, so "we don't have a holdout" is no holdout.

A rule applies when the design's catalog has every question in its ``questions``; it reads others only where the
catalog asks them. To add one: write the check, add a ``Rule`` to ``RULES``, give it a table of realistic answers
in ``tests/flows/test_rules.py``, and run ``python -m flows.rules_doc`` to refresh ``docs/review-rules.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from flows.reading import Answers, Terms

ARTICLE = "Ross, “Designing Effective ML Systems” (2021)"
ML_TEST_SCORE = "Breck et al., “The ML Test Score” (2017)"
TECH_DEBT = "Sculley et al., “Hidden Technical Debt in Machine Learning Systems” (2015)"
RULES_OF_ML = "Zinkevich, “Rules of Machine Learning”"
HUYEN = "Huyen, “Designing Machine Learning Systems” (2022)"
GDPR = "GDPR (Regulation (EU) 2016/679)"


class Severity(StrEnum):
    RISK = "risk"  # a decision that is likely to hurt in production
    GAP = "gap"  # something the design has not decided yet


@dataclass(frozen=True)
class Rule:
    id: str
    title: str
    severity: Severity
    questions: tuple[str, ...]  # the questions the rule needs: it applies only when the catalog has them all
    source: str
    plain: str  # the finding in words for stakeholders who don't read ML jargon
    trigger: str  # when it fires, in a line, for docs/review-rules.md
    check: Callable[[Answers], str | None]
    # The questions a finding counts against in readiness; by default those it needs.
    blames: tuple[str, ...] = ()

    @property
    def blamed(self) -> tuple[str, ...]:
        return self.blames or self.questions


# --- the foundation ----------------------------------------------------------------------------------------


def ml_metric_only(answers: Answers) -> str | None:
    if "ml-only" in answers.chosen("success-metric"):
        return "Success is measured only by an ML metric, which can improve while the business outcome does not."
    return None


def success_undecided(answers: Answers) -> str | None:
    if answers.undecided("success-metric"):
        return "How success is measured is not decided, so nobody can tell whether the system works."
    return None


def no_success_target(answers: Answers) -> str | None:
    if answers.asks("success-target") and answers.passed_over("success-target"):
        return "Success has a business metric but no baseline and target, so after launch nobody can say it moved."
    return None


def automated_decisions_without_review(answers: Answers) -> str | None:
    if "fully-automated" not in answers.chosen("decision-use"):
        return None
    review = answers.chosen("human-review")
    if "no-route" in review or (answers.passed_over("human-review") and answers.asks("human-review")):
        return "Decisions are fully automated with no way for the people affected to contest them and reach a person."
    return None


def threshold_not_chosen(answers: Answers) -> str | None:
    if answers.asks("threshold") and answers.passed_over("threshold"):
        return "One kind of error costs more than the other, but nothing says how the threshold is set or reviewed."
    return None


def affected_people_not_named(answers: Answers) -> str | None:
    if answers.asks("affected-people") and answers.passed_over("affected-people"):
        return "Nobody has pushed back yet, and the people the system affects are not named."
    return None


# --- data ----------------------------------------------------------------------------------------------------

_HOLDOUT = Terms(
    (
        *("holdout*", "hold-out*", "hold out", "held-out", "held out", "control group*", "exploration"),
        *("randomis*", "randomiz*", "counterfactual*", "untouched", "never sees the model", "never see the model"),
    )
)
_GOVERNANCE = Terms(
    (
        *("retention", "retain*", "delet*", "erase*", "erasure*", "purg*", "expir*", "ttl", "kept for"),
        *("access", "permission*", "role*", "rbac", "iam", "acl*", "need-to-know", "need to know"),
    )
)
# Pseudonymised data is still personal data (GDPR Recital 26); only anonymous data is not.
_PERSONAL = frozenset(("yes", "unsure", "pseudonymised"))


def labels_without_plan(answers: Answers) -> str | None:
    if answers.asks("annotation-plan") and answers.passed_over("annotation-plan"):
        return "Labels are missing, but nothing says who annotates them, to what standard, or what it costs."
    return None


def personal_data_without_governance(answers: Answers) -> str | None:
    """Catalog version 1 asks retention and access only in free text."""
    involved = answers.chosen("personal-data") & _PERSONAL
    if not involved or answers.affirms(("data-security", "personal-data", "storage"), _GOVERNANCE):
        return None
    which = "may involve" if involved == {"unsure"} else "uses"
    return f"The system {which} personal data, but no retention, deletion or access rules are described."


def personal_data_without_retention(answers: Answers) -> str | None:
    if answers.asks("retention") and answers.passed_over("retention"):
        return "Personal data is involved, but how long it is kept and how it is deleted on request is not settled."
    return None


def processing_without_legal_basis(answers: Answers) -> str | None:
    if answers.asks("legal-basis") and answers.undecided("legal-basis"):
        return "Personal data is involved, but the legal basis for using it for this purpose is not decided."
    return None


def dpia_undecided(answers: Answers) -> str | None:
    if answers.asks("dpia") and answers.undecided("dpia"):
        return "Personal data is involved, and whether a data protection impact assessment is needed is open."
    return None


def real_time_on_batch_data(answers: Answers) -> str | None:
    """A gap, not a risk: real-time serving on batch features is common. It needs saying how fresh is fresh enough."""
    fast = answers.chosen("inference-mode") & {"real-time", "near-real-time"}
    if not fast or answers.chosen("batch-or-stream") != {"batch"}:
        return None
    if answers.has("feature-freshness") and not answers.passed_over("feature-freshness"):
        return None  # explained, or not reached yet
    return "Predictions are needed within seconds but every pipeline runs in batch: say how old features may be."


def no_data_validation(answers: Answers) -> str | None:
    if answers.passed_over("data-validation"):
        return "Incoming data is not checked, so a broken pipeline would feed the model bad inputs unnoticed."
    return None


def no_skew_check(answers: Answers) -> str | None:
    if answers.passed_over("train-serve-skew"):
        return "Nothing ensures features are computed the same way in training and serving."
    return None


# --- the model -------------------------------------------------------------------------------------------------


def no_baseline(answers: Answers) -> str | None:
    if answers.passed_over("baselines") or answers.chosen("baselines") == {"none"}:
        return "No baseline is named, so nothing shows the model beats what exists today."
    return None


def weak_baseline(answers: Answers) -> str | None:
    chosen = answers.chosen("baselines")
    if chosen and "random" in chosen and chosen <= {"random", "none"}:
        return "The only baseline is a random guess, a bar almost any model clears."
    return None


def no_out_of_time_split(answers: Answers) -> str | None:
    if "random" in answers.chosen("offline-evaluation"):
        return "Evaluation uses a random split on data that arrives over time, so offline scores see the future."
    return None


def no_slices(answers: Answers) -> str | None:
    if answers.passed_over("slices"):
        return "No slices are evaluated separately, so a group the model fails can hide behind a good average."
    return None


# Below these budgets a model family rarely serves a prediction (a hosted large model's first token alone takes a few
# hundred milliseconds; a deep network off an accelerator, tens of milliseconds).
_FASTEST_MS = {"large-model": 500.0, "deep": 20.0}
_FAMILY = {"large-model": "a large language or foundation model", "deep": "a deep neural network"}


def latency_beyond_model_family(answers: Answers) -> str | None:
    budget = answers.latency("latency-target")
    if budget is None:
        return None
    for family, fastest in _FASTEST_MS.items():
        if family in answers.chosen("model-selection") and budget.milliseconds < fastest:
            return (
                f"The latency budget is {budget.describe()}, tighter than {_FAMILY[family]} usually serves "
                f"(about {fastest:.0f} ms or more)."
            )
    return None


_CADENCE_DAYS = {"continual": 0.0, "daily": 1.0, "weekly": 7.0, "monthly": 30.0, "quarterly": 91.0}
_CADENCE_WORDS = {"continual": "continually", "daily": "daily", "weekly": "weekly"}
_CADENCE_WORDS |= {"monthly": "monthly", "quarterly": "quarterly"}
# What each delay option means at its shortest, when a reply gives no number.
_DELAY_DAYS = {"minutes": 0.0, "days": 1.0, "weeks": 7.0, "months": 30.0}


def refresh_outruns_outcomes(answers: Answers) -> str | None:
    """Uses the number in the outcome-delay reply ("about 3 weeks") when there is one, else the option chosen."""
    cadence = next((c for c in _CADENCE_DAYS if c in answers.chosen("refresh-cadence")), None)
    if cadence is None:
        return None
    chosen = answers.chosen("outcome-delay")
    stated = answers.duration("outcome-delay")
    every = _CADENCE_WORDS[cadence]
    if "never" in chosen and stated is None:
        return f"The model is refreshed {every}, but true outcomes are never observed directly."
    delay = stated.days if stated is not None else next((_DELAY_DAYS[d] for d in _DELAY_DAYS if d in chosen), None)
    if delay is not None and _CADENCE_DAYS[cadence] < delay:
        arrive = stated.describe() if stated is not None else {1.0: "days", 7.0: "weeks", 30.0: "months"}[delay]
        return f"The model is refreshed {every}, but true outcomes take {arrive}: it retrains before labels are in."
    if cadence in ("continual", "daily") and answers.chosen("labels") == {"unlabelled"}:
        return f"The model is refreshed {every}, but its labels come from manual annotation."
    return None


# --- production --------------------------------------------------------------------------------------------------


def _monitoring_question(answers: Answers) -> str:
    return "monitoring" if answers.has("monitoring") else "refresh-monitoring"


def triggered_refresh_without_monitoring(answers: Answers) -> str | None:
    monitored = _monitoring_question(answers)
    if "triggered" in answers.chosen("refresh-cadence") and (
        answers.passed_over(monitored) or not answers.answered(monitored) or answers.chosen(monitored) == {"none"}
    ):
        return "Refresh waits for drift or a performance drop, but no monitoring is described to detect either."
    return None


def no_monitoring(answers: Answers) -> str | None:
    if answers.passed_over("monitoring") or answers.chosen("monitoring") == {"none"}:
        return "Nothing is monitored in production, so a model that decays would do so silently."
    return None


def no_feedback_loop(answers: Answers) -> str | None:
    if answers.passed_over("feedback-loop") or answers.chosen("feedback-loop") == {"none"}:
        return "No feedback loop is planned, so the deployed system will not collect the data it needs to improve."
    return None


def outputs_feed_training_without_holdout(answers: Answers) -> str | None:
    """Version 2 asks it as a choice; version 1 reads the pipelines answer for a holdout not denied."""
    chosen = answers.chosen("system-data-pipelines")
    if chosen:
        return _OWN_PREDICTIONS if "not-yet" in chosen else None
    if not answers.answered("system-data-pipelines") or answers.passed_over("system-data-pipelines"):
        return None
    if answers.affirms(("system-data-pipelines", "feedback-loop"), _HOLDOUT):
        return None
    return _OWN_PREDICTIONS


_OWN_PREDICTIONS = (
    "The system's own data goes back into training with no holdout or control group, "
    "so the model can learn from its own predictions."
)


def no_fallback(answers: Answers) -> str | None:
    if "none" in answers.chosen("fallback") or (answers.asks("fallback") and answers.passed_over("fallback")):
        return "Predictions sit in a request path with no fallback, so the model's outage becomes the product's."
    return None


def unsafe_release(answers: Answers) -> str | None:
    release = answers.chosen("release-path")
    if "none" in release:
        return "New models go straight to production, with no shadow run, canary or A/B test first."
    if release and release <= {"offline-only", "offline-checks"}:
        return "New models are validated only offline; good offline scores don't guarantee good live behaviour."
    return None


def release_undecided(answers: Answers) -> str | None:
    if answers.passed_over("release-path"):
        return "How a new model is validated before it reaches production is not decided."
    return None


def no_rollback(answers: Answers) -> str | None:
    if "none" in answers.chosen("rollback"):
        return "There is no way back to the previous model if a new one misbehaves in production."
    return None


def no_owner(answers: Answers) -> str | None:
    if answers.passed_over("ownership"):
        return "Nobody is named to own the model in production or to be on call when it misbehaves."
    return None


def dependencies_unknown(answers: Answers) -> str | None:
    if answers.passed_over("dependencies"):
        return "Upstream dependencies and the outputs' consumers are not listed, so a change on either side breaks it."
    return None


def regulated_without_explanation(answers: Answers) -> str | None:
    if answers.asks("explainability") and answers.passed_over("explainability"):
        return "The domain is regulated, but how each prediction will be explained is not decided."
    return None


# --- value -------------------------------------------------------------------------------------------------------


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


RISK, GAP = Severity.RISK, Severity.GAP
RULES: tuple[Rule, ...] = (
    Rule(
        id="ml-metric-only",
        title="Success measured only by an ML metric",
        severity=RISK,
        questions=("success-metric",),
        source=f"{ARTICLE}, “Laying the Foundation” (how do you measure success?); {RULES_OF_ML}, rule #39",
        plain="Success is not yet tied to a business result such as revenue, cost or time saved.",
        trigger="Success is measured only by an ML metric.",
        check=ml_metric_only,
    ),
    Rule(
        id="success-undecided",
        title="Success measure not decided",
        severity=GAP,
        questions=("success-metric",),
        source=f"{ARTICLE}, “Laying the Foundation” (how do you measure success?)",
        plain="Nobody has decided yet how to tell whether the system works.",
        trigger="The success measure is skipped, empty or “not decided yet”.",
        check=success_undecided,
    ),
    Rule(
        id="no-success-target",
        title="No baseline and target for success",
        severity=GAP,
        questions=("success-metric", "success-target"),
        source=f"{ARTICLE}, “Laying the Foundation”; {RULES_OF_ML}, rule #13 (a simple, observable metric)",
        plain="There is no number to compare against after launch, so the project's result can't be shown.",
        trigger="A business metric is chosen, and the success target is skipped or empty.",
        check=no_success_target,
        blames=("success-target",),
    ),
    Rule(
        id="automated-decisions-unreviewed",
        title="Automated decisions about people with no human review",
        severity=RISK,
        questions=("decision-use",),
        source=f"{GDPR}, Art. 22 (automated individual decision-making)",
        plain="The system decides about people on its own, and they have no way to reach a person about it.",
        trigger="Decisions are fully automated, and human review says they concern people with no route to contest.",
        check=automated_decisions_without_review,
        blames=("decision-use", "human-review"),
    ),
    Rule(
        id="threshold-not-chosen",
        title="Decision threshold not chosen from error costs",
        severity=GAP,
        questions=("error-costs", "threshold"),
        source="Provost and Fawcett, “Data Science for Business” (2013), ch. 7 (expected value: the costs of errors)",
        plain="One kind of mistake costs more, but how the system trades them off is not decided.",
        trigger="False positives or false negatives cost more, and the threshold question is skipped or empty.",
        check=threshold_not_chosen,
        blames=("threshold",),
    ),
    Rule(
        id="affected-people-unnamed",
        title="No push-back, and nobody affected is named",
        severity=GAP,
        questions=("push-back", "affected-people"),
        source=f"{ARTICLE}, “Domain Knowledge” (if nobody has pushed back, dive deeper)",
        plain="The people whose work the system changes may not have been asked yet.",
        trigger="Push-back is “none so far”, and who else it affects is skipped or empty.",
        check=affected_people_not_named,
        blames=("affected-people",),
    ),
    Rule(
        id="labels-without-plan",
        title="Labels missing with no annotation plan",
        severity=GAP,
        questions=("labels", "annotation-plan"),
        source=f"{ARTICLE}, “Getting the Goods” (generating annotated sets); {HUYEN}, ch. 4 (labeling)",
        plain="The data still has to be labelled by people, and who does it and what it costs is open.",
        trigger="Labels are partial or missing, and the annotation plan is skipped or empty.",
        check=labels_without_plan,
        blames=("annotation-plan",),
    ),
    Rule(
        id="personal-data-governance",
        title="Personal data without retention or access rules",
        severity=RISK,
        questions=("personal-data", "data-security", "storage"),
        source=f"{ARTICLE}, “Getting the Goods” (privacy, security); {GDPR}, Art. 5(1)(e), Art. 17, Recital 26",
        plain="Personal data is involved, but how long it is kept and who may see it is not settled.",
        trigger="(Catalog version 1) Personal data is involved, pseudonymised or possibly, and no answer "
        "states retention, deletion or access rules without denying them.",
        check=personal_data_without_governance,
        blames=("personal-data", "data-security"),
    ),
    Rule(
        id="personal-data-retention",
        title="Personal data without retention and deletion",
        severity=RISK,
        questions=("personal-data", "retention"),
        source=f"{GDPR}, Art. 5(1)(e) (storage limitation), Art. 17 (erasure), Recital 26 (pseudonymised data)",
        plain="Personal data is involved, but how long it is kept and how it is deleted is not settled.",
        trigger="Personal data is involved, pseudonymised or possibly, and retention is skipped or empty.",
        check=personal_data_without_retention,
        blames=("retention",),
    ),
    Rule(
        id="legal-basis-undecided",
        title="No legal basis for personal data",
        severity=GAP,
        questions=("personal-data", "legal-basis"),
        source=f"{GDPR}, Art. 6 (lawfulness of processing)",
        plain="Personal data is involved, and on what grounds it may be used for this is not decided.",
        trigger="Personal data is involved, and the legal basis is skipped or “not decided yet”.",
        check=processing_without_legal_basis,
        blames=("legal-basis",),
    ),
    Rule(
        id="dpia-undecided",
        title="Data protection impact assessment open",
        severity=GAP,
        questions=("personal-data", "dpia"),
        source=f"{GDPR}, Art. 35 (data protection impact assessment)",
        plain="Whether a formal privacy assessment is needed before launch has not been settled.",
        trigger="Personal data is involved, and the DPIA is skipped or “not decided yet”.",
        check=dpia_undecided,
        blames=("dpia",),
    ),
    Rule(
        id="real-time-on-batch",
        title="Real-time predictions on batch-only data, unexplained",
        severity=GAP,
        questions=("inference-mode", "batch-or-stream"),
        source=f"{ARTICLE}, “Laying the Foundation” and “Getting the Goods” (batch or stream)",
        plain="Answers are needed instantly, but the data behind them is only refreshed periodically.",
        trigger="Inference is real-time or near-real-time, all processing is batch, and feature freshness is "
        "skipped or empty (or the catalog doesn't ask it).",
        check=real_time_on_batch_data,
    ),
    Rule(
        id="no-data-validation",
        title="No data validation",
        severity=RISK,
        questions=("data-validation",),
        source=f"{ML_TEST_SCORE}: Data 1 (feature expectations are captured in a schema), Monitor 2",
        plain="Bad or broken input data would reach the model without anyone noticing.",
        trigger="Data validation is skipped or says there is none.",
        check=no_data_validation,
    ),
    Rule(
        id="no-skew-check",
        title="Training/serving skew unguarded",
        severity=GAP,
        questions=("train-serve-skew",),
        source=f"{ML_TEST_SCORE}: Monitor 3 (training and serving features compute the same values)",
        plain="The model may see different inputs live than it was trained on.",
        trigger="Training/serving skew is skipped or says there is nothing.",
        check=no_skew_check,
    ),
    Rule(
        id="no-baseline",
        title="No baseline",
        severity=GAP,
        questions=("baselines",),
        source=f"{ARTICLE}, “The Model”; {ML_TEST_SCORE}: Model 5 (a simpler model is not better)",
        plain="There is no yardstick yet to prove the model does better than today's way of working.",
        trigger="Baselines are skipped or “no baseline yet”.",
        check=no_baseline,
    ),
    Rule(
        id="weak-baseline",
        title="Only a random baseline",
        severity=RISK,
        questions=("baselines",),
        source=f"{ARTICLE}, “The Model”; {ML_TEST_SCORE}: Model 5 (a simpler model is not better)",
        plain="The model is only compared with guessing, which proves little.",
        trigger="The only baseline is a random guess.",
        check=weak_baseline,
    ),
    Rule(
        id="no-out-of-time-split",
        title="Random split on data that arrives over time",
        severity=RISK,
        questions=("offline-evaluation",),
        source=f"{HUYEN}, ch. 5 (data leakage: time-correlated data split randomly instead of by time)",
        plain="Offline results will look better than the system can do live.",
        trigger="Offline evaluation uses a random split or cross-validation, without saying the data has no "
        "time order.",
        check=no_out_of_time_split,
    ),
    Rule(
        id="no-slices",
        title="No slices evaluated",
        severity=GAP,
        questions=("slices",),
        source=f"{ML_TEST_SCORE}: Model 6 (quality is sufficient on all important data slices), Model 7 (inclusion)",
        plain="The system may work well on average and badly for one group of people or cases.",
        trigger="Slices and fairness is skipped or says there are none.",
        check=no_slices,
    ),
    Rule(
        id="latency-beyond-model-family",
        title="Latency budget tighter than the candidate models serve",
        severity=RISK,
        questions=("latency-target", "model-selection"),
        source=f"{ARTICLE}, “Laying the Foundation” (performance needs); {HUYEN}, ch. 7 (online prediction, "
        "inference latency)",
        plain="The chosen kind of model is usually too slow for the response time the product needs.",
        trigger="The latency budget read from the reply is under 500 ms with a large language or foundation "
        "model among the candidates, or under 20 ms with a deep neural network.",
        check=latency_beyond_model_family,
    ),
    Rule(
        id="refresh-outruns-outcomes",
        title="Refresh faster than outcomes arrive",
        severity=RISK,
        questions=("refresh-cadence", "outcome-delay", "labels"),
        source=f"{ARTICLE}, “The Model” (refresh needs); {ML_TEST_SCORE}: Model 4 (the impact of staleness is known)",
        plain="The model would be retrained before anyone knows whether its last predictions were right.",
        trigger="The refresh interval is shorter than the outcome delay (the number in the reply, else the "
        "option chosen), outcomes are never observed, or daily refresh depends on manual labels.",
        check=refresh_outruns_outcomes,
        blames=("refresh-cadence", "outcome-delay"),
    ),
    Rule(
        id="triggered-refresh-unmonitored",
        title="Triggered refresh with no monitoring",
        severity=RISK,
        questions=("refresh-cadence",),
        source=f"{ARTICLE}, “The Model” (deficits “go easily unnoticed”); {ML_TEST_SCORE}, monitoring tests",
        plain="Retraining depends on noticing problems, but nothing is set up to notice them.",
        trigger="Refresh waits for drift or a drop, and monitoring is skipped, empty or “nothing monitored”.",
        check=triggered_refresh_without_monitoring,
    ),
    Rule(
        id="no-monitoring",
        title="Nothing monitored in production",
        severity=RISK,
        questions=("monitoring",),
        source=f"{ML_TEST_SCORE}: Monitor 1 to 7; {ARTICLE}, “The Model” (deficits “go easily unnoticed”)",
        plain="If the model starts making worse predictions, nobody would find out.",
        trigger="Monitoring is skipped, empty or “nothing monitored yet”.",
        check=no_monitoring,
    ),
    Rule(
        id="no-feedback-loop",
        title="No feedback loop",
        severity=GAP,
        questions=("feedback-loop",),
        source=f"{ARTICLE}, “Getting the Goods” (feedback loop after deployment)",
        plain="Once launched, the system has no plan to learn from how it performs.",
        trigger="The feedback loop is skipped, “none”, or a bare no (“No explicit feedback, but decisions are "
        "logged” is a loop).",
        check=no_feedback_loop,
    ),
    Rule(
        id="outputs-feed-training",
        title="Model outputs feed training with no holdout",
        severity=RISK,
        questions=("system-data-pipelines", "feedback-loop"),
        source=f"{TECH_DEBT}, “Feedback Loops”",
        plain="The model may end up learning from its own guesses and repeating its mistakes.",
        trigger="Feedback goes straight into training; or (version 1) the pipelines answer names no holdout, "
        "control group or exploration that it doesn't deny.",
        check=outputs_feed_training_without_holdout,
        blames=("system-data-pipelines",),
    ),
    Rule(
        id="no-fallback",
        title="No fallback for a real-time path",
        severity=RISK,
        questions=("fallback",),
        source=f"Beyer et al., “Site Reliability Engineering” (2016), ch. 22 (graceful degradation); {HUYEN}, ch. 8 "
        "(causes of ML system failures)",
        plain="If the model or its data is down, the product that calls it goes down too.",
        trigger="Predictions are real-time or near-real-time, and the fallback is “no fallback yet”, skipped or empty.",
        check=no_fallback,
    ),
    Rule(
        id="unsafe-release",
        title="No safe release path",
        severity=RISK,
        questions=("release-path",),
        source=f"{ARTICLE}, “The Model”; {ML_TEST_SCORE}: Infra 6 (models are canaried before serving)",
        plain="A faulty model version could reach every user before anyone notices.",
        trigger="Release goes straight to production, or only through offline checks.",
        check=unsafe_release,
    ),
    Rule(
        id="release-undecided",
        title="Release validation not decided",
        severity=GAP,
        questions=("release-path",),
        source=f"{ML_TEST_SCORE}: Infra 6 (models are canaried before serving)",
        plain="How a new model is tried out before it reaches everyone is still open.",
        trigger="Release validation is skipped or empty (a skip is no decision, not “straight to production”).",
        check=release_undecided,
    ),
    Rule(
        id="no-rollback",
        title="No rollback",
        severity=RISK,
        questions=("rollback",),
        source=f"{ML_TEST_SCORE}: Infra 7 (models can be quickly and safely rolled back)",
        plain="If a new model version misbehaves, there is no quick way back to the last good one.",
        trigger="Rollback is “no rollback plan yet”.",
        check=no_rollback,
    ),
    Rule(
        id="no-owner",
        title="No owner or on-call",
        severity=RISK,
        questions=("ownership",),
        source=f"{TECH_DEBT}, “Process Management Debt”; {HUYEN}, ch. 11 (team structure)",
        plain="Nobody is responsible for the system once it is live.",
        trigger="Owner and on-call is skipped or says there is none.",
        check=no_owner,
    ),
    Rule(
        id="dependencies-unknown",
        title="Dependencies and consumers not listed",
        severity=GAP,
        questions=("dependencies",),
        source=f"{TECH_DEBT}, “Undeclared Consumers”, “Data Dependencies Cost More than Code Dependencies”; "
        f"{ML_TEST_SCORE}: Monitor 1 (dependency changes result in notification)",
        plain="Changes upstream, or teams quietly using the outputs, could break things without warning.",
        trigger="Dependencies and consumers is skipped or says there are none.",
        check=dependencies_unknown,
    ),
    Rule(
        id="regulated-unexplained",
        title="Regulated decisions without explanations",
        severity=GAP,
        questions=("compliance", "explainability"),
        source="EU AI Act (Regulation (EU) 2024/1689), Art. 13 (transparency to deployers); Federal Reserve SR 11-7 "
        "(model risk management)",
        plain="A regulator may ask why a decision was made, and there is no plan to answer.",
        trigger="Sector regulation applies, and explaining decisions is skipped or empty.",
        check=regulated_without_explanation,
        blames=("explainability",),
    ),
    Rule(
        id="stakeholder-communication",
        title="Stakeholder communication missing",
        severity=GAP,
        questions=("stakeholders", "value-communication"),
        source=f"{ARTICLE}, “Communicating Value”",
        plain="There is no plan yet for showing the project's value to the people who fund it.",
        trigger="Stakeholders or how value is shown is skipped or empty.",
        check=stakeholder_communication_missing,
    ),
)
