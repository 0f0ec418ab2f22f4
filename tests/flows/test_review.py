"""Design lint, readiness and the stakeholder brief, from answers to findings."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pytest

from flows.assessment import assess
from flows.brief import stakeholder_brief
from flows.catalog import Catalog, parse_catalog
from flows.review import RULES, Severity, readiness, review, says_nothing


@dataclass(frozen=True)
class Given:
    """An answer as the review reads it."""

    text: str = ""
    choices: Sequence[str] = field(default_factory=tuple)
    status: str = "answered"


def pick(*choices: str) -> Given:
    return Given(choices=choices)


SKIPPED = Given(status="skipped")

# A design with no findings: every rule's questions answered the way the article recommends.
SOUND = {
    "goals": Given("Cut churn among paying customers by 10% this year. Then expand."),
    "success-metric": pick("business"),
    "inference-mode": pick("batch"),
    "batch-or-stream": pick("batch"),
    "data-exists": pick("needs-work"),
    "labels": pick("labelled"),
    "feedback-loop": Given("We log whether each flagged customer renewed."),
    "outcome-delay": pick("weeks"),
    "personal-data": pick("pseudonymised"),
    "data-security": Given("Encrypted at rest; access by role."),
    "storage": Given("Warehouse tables, 2 GB a month."),
    "baselines": pick("heuristic", "existing-system"),
    "refresh-cadence": pick("monthly"),
    "refresh-monitoring": Given("Weekly drift report on inputs; alert to the on-call owner."),
    "system-data-pipelines": Given("Outcomes flow back nightly; a 5% holdout never sees the model."),
    "release-path": pick("shadow"),
    "rollback": pick("one-step"),
    "stakeholders": Given("The head of customer success, who funds the project."),
    "value-communication": Given("A monthly dashboard of retained revenue."),
}


def findings_of(catalog: Catalog, **changes: Given | None) -> set[str]:
    answers = {key: value for key, value in (SOUND | changes).items() if value is not None}
    return {finding.rule_id for finding in review(catalog, answers)}


def test_a_sound_design_has_no_findings(catalog):
    assert findings_of(catalog) == set()


@pytest.mark.parametrize(
    ("rule_id", "changes"),
    [
        pytest.param("weak-baseline", {"baselines": pick("random")}, id="only-random-baseline"),
        pytest.param("weak-baseline", {"baselines": pick("none")}, id="no-baseline"),
        pytest.param("weak-baseline", {"baselines": SKIPPED}, id="baseline-skipped"),
        pytest.param(
            "real-time-on-batch",
            {"inference-mode": pick("real-time"), "batch-or-stream": pick("batch")},
            id="real-time-on-batch",
        ),
        pytest.param(
            "refresh-outruns-outcomes",
            {"refresh-cadence": pick("daily"), "outcome-delay": pick("months")},
            id="daily-refresh-monthly-outcomes",
        ),
        pytest.param("refresh-outruns-outcomes", {"outcome-delay": pick("never")}, id="outcomes-never-observed"),
        pytest.param(
            "refresh-outruns-outcomes",
            {"refresh-cadence": pick("continual"), "outcome-delay": pick("minutes"), "labels": pick("unlabelled")},
            id="continual-refresh-manual-labels",
        ),
        pytest.param(
            "triggered-refresh-unmonitored",
            {"refresh-cadence": pick("triggered"), "refresh-monitoring": Given("none")},
            id="triggered-no-monitoring",
        ),
        pytest.param("no-feedback-loop", {"feedback-loop": SKIPPED}, id="feedback-loop-skipped"),
        pytest.param("no-feedback-loop", {"feedback-loop": Given("N/A")}, id="feedback-loop-none"),
        pytest.param(
            "outputs-feed-training",
            {"system-data-pipelines": Given("Clicks on recommendations are added to the training set daily.")},
            id="no-holdout",
        ),
        pytest.param(
            "personal-data-governance",
            {"personal-data": pick("yes"), "data-security": Given("TLS everywhere."), "storage": Given("S3")},
            id="personal-data-no-rules",
        ),
        pytest.param("ml-metric-only", {"success-metric": pick("ml-only")}, id="ml-metric-only"),
        pytest.param("ml-metric-only", {"success-metric": pick("undecided")}, id="success-undecided"),
        pytest.param("unsafe-release", {"release-path": pick("none")}, id="straight-to-production"),
        pytest.param("unsafe-release", {"release-path": pick("offline-only")}, id="offline-only"),
        pytest.param("no-rollback", {"rollback": pick("none")}, id="no-rollback"),
        pytest.param("stakeholder-communication", {"value-communication": SKIPPED}, id="value-skipped"),
        pytest.param("stakeholder-communication", {"stakeholders": Given("tbd")}, id="stakeholders-tbd"),
    ],
)
def test_each_risk_is_flagged(catalog, rule_id, changes):
    assert findings_of(catalog, **changes) == {rule_id}


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"baselines": pick("random", "human")}, id="random-beside-a-real-baseline"),
        pytest.param({"inference-mode": pick("real-time"), "batch-or-stream": pick("mixed")}, id="real-time-stream"),
        pytest.param({"refresh-cadence": pick("quarterly"), "outcome-delay": pick("months")}, id="slow-refresh"),
        pytest.param(
            {"refresh-cadence": pick("triggered")},
            id="triggered-with-monitoring",
        ),
        pytest.param({"system-data-pipelines": Given("None: we only use purchased data.")}, id="no-own-data"),
        pytest.param(
            {"personal-data": pick("yes"), "data-security": Given("Deleted after 90 days; access via IAM roles.")},
            id="personal-data-with-rules",
        ),
        pytest.param({"feedback-loop": None, "baselines": None}, id="questions-not-reached-yet"),
    ],
)
def test_sound_variants_raise_nothing(catalog, changes):
    assert findings_of(catalog, **changes) == set()


def test_every_finding_says_why_and_where_the_advice_comes_from(catalog):
    worst = {
        "success-metric": pick("ml-only"),
        "inference-mode": pick("real-time"),
        "batch-or-stream": pick("batch"),
        "baselines": pick("random"),
        "refresh-cadence": pick("daily"),
        "outcome-delay": pick("never"),
        "feedback-loop": SKIPPED,
        "system-data-pipelines": Given("predictions are logged and retrained on"),
        "personal-data": pick("yes"),
        "release-path": pick("none"),
        "rollback": pick("none"),
        "stakeholders": SKIPPED,
        "value-communication": SKIPPED,
    }
    findings = review(catalog, worst)
    assert len(findings) == len(RULES) - 1  # all but the triggered-refresh rule, which needs "triggered"
    for finding in findings:
        assert finding.reason.endswith(".") and "\n" not in finding.reason
        assert finding.source and finding.plain
        assert set(finding.question_ids) <= {question.id for question in catalog.questions}
    severities = [finding.severity for finding in findings]
    assert severities == sorted(severities, key=lambda severity: severity is not Severity.RISK)


def test_rules_about_questions_a_catalog_lacks_are_not_applied():
    small = parse_catalog(
        """
id = "small"
version = 1
title = "Small"
[[areas]]
id = "a"
title = "A"
[[areas.questions]]
id = "feedback-loop"
prompt = "Feedback?"
help = "h"
"""
    )
    assert [f.rule_id for f in review(small, {"feedback-loop": SKIPPED, "baselines": SKIPPED})] == ["no-feedback-loop"]


def test_readiness_counts_answered_questions_free_of_findings_and_names_the_weakest_area(catalog):
    answers = SOUND | {"release-path": pick("none")}  # one finding in the model area
    result = readiness(catalog, answers, review(catalog, answers))
    by_area = {area.area_id: area for area in result.areas}
    model = by_area["model"]
    assert (model.total, model.answered, model.ready) == (11, 6, 5)
    assert by_area["value"].percent == 100
    assert result.weakest.area_id == "foundation"  # 3 of 10 answered
    assert result.percent == by_area["foundation"].percent == 30


def test_a_skipped_question_is_not_ready(catalog):
    result = readiness(catalog, {"goals": SKIPPED}, [])
    assert result.areas[0].answered == 0


def test_brief_speaks_plainly_about_goal_success_needs_and_risks(catalog):
    answers = SOUND | {"labels": pick("unlabelled"), "rollback": pick("none")}
    assessment = assess(catalog, answers)
    brief = assessment.brief
    assert brief.goal == "Cut churn among paying customers by 10% this year."
    assert brief.success == "by a business result such as revenue, cost or time saved"
    assert "examples labelled by people, which takes time and money" in brief.needs
    assert brief.risks == ("If a new model version misbehaves, there is no quick way back to the last good one.",)


def test_brief_of_a_fresh_design_is_empty(catalog):
    brief = stakeholder_brief(catalog, {}, [])
    assert (brief.goal, brief.success, brief.needs, brief.risks) == (None, None, (), ())


def test_brief_shortens_a_long_goal(catalog):
    brief = stakeholder_brief(catalog, {"goals": Given("x" * 5000)}, [])
    assert brief.goal is not None and len(brief.goal) == 300 and brief.goal.endswith("…")


@pytest.mark.parametrize(
    ("text", "nothing"),
    [
        ("none", True),
        ("N/A", True),
        ("n/a.", True),
        ("TBD", True),
        ("tbd!!", True),
        ("Not sure?", True),
        ("don\u2019t know", True),
        ("Not yet", True),
        ("No, we only use purchased data", True),
        ("  --- none", True),
        ("-", True),
        ("?", True),
        ("...", True),
        ("\N{SHRUG}", True),
        ("-" * 3_000 + " we have a plan", True),  # only the first 3,000 characters are read
        ("nobody has asked", False),
        ("nah", False),
        ("TBD by Friday: Dana owns it", False),
        ("We log outcomes nightly", False),
        ("-" * 2_999 + "x", False),
    ],
)
def test_an_answer_says_nothing_when_it_is_empty_of_words_or_a_no(text, nothing):
    assert says_nothing(text) is nothing
