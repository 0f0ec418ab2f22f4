"""Readiness in the spirit of the ML Test Score: 0 undecided, ½ decided, 1 decided with evidence; findings cap it;
each area normalised; the design as ready as its weakest area; completeness kept apart."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from flows.acceptance import Acceptance
from flows.catalog import parse_catalog
from flows.readiness import readiness, score
from flows.reading import Answers
from flows.review import Finding, review
from flows.rules import Severity
from flows.walkthrough import progress
from tests.flows.test_rules import SKIPPED, SOUND, Given, pick

TWO_AREAS = parse_catalog(
    """
id = "two"
version = 1
title = "Two"
[[areas]]
id = "a"
title = "A"
[[areas.questions]]
id = "small"
prompt = "?"
help = "h"
readiness = "value"
[[areas.questions]]
id = "owner"
prompt = "?"
help = "h"
readiness = "monitoring"
[[areas.questions]]
id = "watch"
prompt = "?"
help = "h"
readiness = "monitoring"
[[areas.questions]]
id = "choice"
prompt = "?"
help = "h"
kind = "choice"
readiness = "monitoring"
options = [{ id = "yes", label = "Yes" }, { id = "undecided", label = "Not decided yet" }]
"""
)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (None, 0.0),
        (SKIPPED, 0.0),
        (Given("TBD"), 0.0),
        (Given("n/a"), 0.0),
        (Given("None yet"), 0.0),
        (Given("N/A: the model never sees personal data, it reads aggregates"), 0.5),  # a reason makes it a decision
        (Given("The claims team owns it."), 0.5),
        (Given("The claims team owns it; alerts page the on-call rota."), 1.0),
        (Given("See the runbook: <https://wiki.example.com/claims|wiki>"), 1.0),
        (Given("Drift checked in the nightly job."), 1.0),
    ],
)
def test_each_answer_scores_nothing_decided_or_evidenced(answer, expected):
    answers = {"owner": answer} if answer is not None else {}
    assert score(Answers(answers, TWO_AREAS), TWO_AREAS.question("owner")) == expected


def test_a_not_decided_option_scores_nothing():
    assert score(Answers({"choice": pick("undecided")}, TWO_AREAS), TWO_AREAS.question("choice")) == 0.0
    assert score(Answers({"choice": pick("yes")}, TWO_AREAS), TWO_AREAS.question("choice")) == 0.5


def test_areas_are_normalised_so_a_small_area_can_hold_the_design_back():
    answers = {
        "small": Given("tbd"),
        "owner": Given("Dana; alerts page her."),
        "watch": Given("A weekly dashboard."),
        "choice": pick("yes"),
    }
    result = readiness(TWO_AREAS, answers, [])
    by_area = {area.area_id: area for area in result.areas}
    assert by_area["monitoring"].percent == round(100 * (1 + 1 + 0.5) / 3)
    assert (by_area["value"].total, by_area["value"].percent) == (1, 0)
    assert result.weakest.area_id == "value" and result.percent == 0


def finding(severity: Severity, *question_ids: str, accepted: bool = False) -> Finding:
    acceptance = Acceptance("r", "Known and small.", "U1", datetime(2027, 1, 4, tzinfo=UTC), date(2027, 4, 1))
    return Finding("r", "t", severity, "reason.", "source", "plain", question_ids, acceptance if accepted else None)


def test_a_risk_weighs_more_than_a_gap_and_an_accepted_finding_counts_as_decided():
    answers = {"owner": Given("Dana; alerts page her."), "watch": Given("Dashboards."), "choice": pick("yes")}
    # areas[0] is Monitoring, the first in the ML Test Score's order of the two this catalog scores
    plain = readiness(TWO_AREAS, answers, []).areas[0].score
    with_gap = readiness(TWO_AREAS, answers, [finding(Severity.GAP, "owner")]).areas[0].score
    with_risk = readiness(TWO_AREAS, answers, [finding(Severity.RISK, "owner")]).areas[0].score
    accepted = readiness(TWO_AREAS, answers, [finding(Severity.RISK, "owner", accepted=True)]).areas[0].score
    assert plain > with_gap > with_risk
    assert accepted == with_gap  # decided (½), though its evidence is not counted while the risk stands accepted


def test_completeness_is_kept_apart_from_readiness(default_catalog):
    # Every question answered, but with "TBD": complete, and not ready at all.
    everything = {question.id: Given("TBD") for question in default_catalog.questions}
    done = progress(default_catalog, everything)
    assert done.answered == done.total
    assert readiness(default_catalog, everything, review(default_catalog, everything)).percent == 0


def test_the_sound_design_is_decided_everywhere_and_needs_evidence_to_score_full(default_catalog):
    result = readiness(default_catalog, SOUND, review(default_catalog, SOUND))
    assert {area.area_id for area in result.areas} >= {"data", "model", "infrastructure", "monitoring", "value"}
    assert all(area.decided >= area.total - 6 for area in result.areas)  # the follow-ups it leaves open score 0
    assert 0 < result.percent < 100


def test_readiness_moves_as_an_answer_changes(default_catalog):
    before = readiness(default_catalog, SOUND, review(default_catalog, SOUND))
    better = SOUND | {"slices": Given("By region and claim type, tested in CI on every release.")}
    worse = SOUND | {"ownership": SKIPPED}
    assert readiness(default_catalog, better, review(default_catalog, better)).areas != before.areas
    monitoring = lambda result: next(area for area in result.areas if area.area_id == "monitoring")  # noqa: E731
    assert (
        monitoring(readiness(default_catalog, worse, review(default_catalog, worse))).score < monitoring(before).score
    )


def test_version_1_questions_are_placed_in_readiness_areas_too(catalog):
    result = readiness(catalog, {}, [])
    assert [area.area_id for area in result.areas] == [
        "problem",
        "data",
        "model",
        "infrastructure",
        "monitoring",
        "value",
    ]
    assert sum(area.total for area in result.areas) == 31
