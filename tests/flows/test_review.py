"""The review as a whole (which rules apply), the stakeholder brief, and how an answer that says nothing is read;
each rule's own table is in test_rules.py, readiness in test_readiness.py."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from flows.acceptance import Acceptance
from flows.assessment import assess
from flows.brief import stakeholder_brief
from flows.catalog import Catalog, parse_catalog
from flows.reading import says_nothing
from flows.review import review
from tests.flows.test_rules import SKIPPED, SOUND_V1, Given, pick
from tests.flows.test_rules import SOUND as SOUND_V2

# Version 1's sound design and the answer helpers are shared with the rule tables.
SOUND = SOUND_V1


def findings_of(catalog: Catalog, **changes: Given | None) -> set[str]:
    answers = {key: value for key, value in (SOUND | changes).items() if value is not None}
    return {finding.rule_id for finding in review(catalog, answers)}


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
        ("No explicit feedback, but decisions are logged nightly", False),  # what there is instead
        ("None, however we log every decision", False),
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


def test_brief_puts_harm_before_what_is_undecided_and_says_what_it_asks_of_the_reader(default_catalog):
    answers = {
        **SOUND_V2,
        "rollback": pick("none"),  # a risk
        "ownership": Given("TBD"),  # a gap, asking for an owner
        "labels": pick("unlabelled"),
        "annotation-plan": SKIPPED,  # a gap, asking for a budget
    }
    brief = assess(default_catalog, answers).brief
    assert brief.risks == (
        "If a new model version misbehaves, there is no quick way back to the last good one.",
        "Nobody is responsible for the system once it is live.",
    )
    assert brief.undecided == (
        "The data still has to be labelled by people, and who does it and what it costs is open.",
    )
    assert "a named owner for the live system" in brief.asks
    assert "a budget and people for labelling examples" in brief.asks
    assert brief.accepted == 0


def test_brief_leaves_accepted_findings_out_of_the_risks_and_counts_them(default_catalog):
    answers = {**SOUND_V2, "rollback": pick("none")}
    taken = Acceptance("no-rollback", "Redeploys are quick.", "U1", datetime(2027, 1, 4, tzinfo=UTC), date(2027, 3, 1))
    brief = assess(default_catalog, answers, [taken], today=date(2027, 1, 5)).brief
    assert brief.risks == () and brief.accepted == 1


def test_brief_says_where_the_success_number_got_to_since_launch(default_catalog):
    answers = {**SOUND_V2, "success-target": Given("Triage time from 3 days to 1 hour")}
    brief = assess(default_catalog, answers, measured="about 5 h").brief
    assert brief.since_launch == "Triage time: 3 days → 5 hours since launch (target 1 hour)"
    assert assess(default_catalog, answers).brief.since_launch is None
